import { CfnResource, PolicyValidationPluginReport } from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, NagPackProps, NagRuleResult } from 'cdk-nag';
import { IConstruct } from 'constructs';
import * as rules from './rules';

/**
 * A cdk-nag pack of Parameter Store practice: customer-managed rotating keys for SecureStrings,
 * kms:Decrypt scoped to parameters, reads scoped to paths that end in `/`, no plain-text secrets.
 * It reads this library's SecureStrings, aws-cdk-lib's constructs, and raw CloudFormation resources.
 *
 * ```ts
 * import { Validations } from 'aws-cdk-lib';
 * import { ParameterStoreChecks } from 'cdk-secure-parameters';
 *
 * Validations.of(app).addPlugins(new ParameterStoreChecks(app));   // report at synth
 * const report = new ParameterStoreChecks().validateScope(stack);  // in a test
 * ```
 */
export class ParameterStoreChecks extends NagPack {
  public readonly name = 'ParameterStore';

  /** The resolved templates of this run: each stack is resolved once, whatever the number of resources and rules. */
  private templates = new rules.StackTemplates();

  constructor(scope?: IConstruct, props?: NagPackProps) {
    super(scope, props);
    this.packName = 'ParameterStore';
  }

  /** Validates the tree under `scope`, reading each stack's template afresh (the tree may have changed since the last run). */
  public validateScope(scope: IConstruct): PolicyValidationPluginReport {
    this.templates = new rules.StackTemplates();
    try {
      return super.validateScope(scope);
    } finally {
      // keep no resolved template between runs
      this.templates = new rules.StackTemplates();
    }
  }

  protected checkResource(node: CfnResource): void {
    this.applyRule({
      ruleSuffixOverride: 'SecureStringCustomerManagedKey',
      info: 'The SecureString is encrypted with the AWS-managed aws/ssm key.',
      explanation:
        'The aws/ssm key cannot carry an access policy, cannot be shared with another account and cannot limit who decrypts what. ' +
        'Give the parameter a customer-managed symmetric key: a ParameterKey, or the key of a ParameterHierarchy.',
      level: NagMessageLevel.ERROR,
      rule: this.withTemplate(rules.SecureStringCustomerManagedKey),
      node,
    });
    this.applyRule({
      ruleSuffixOverride: 'ParameterKeyRotation',
      info: 'A KMS key that encrypts SecureStrings does not rotate its key material.',
      explanation:
        'Rotation limits how much data one key version protects and is required by every compliance pack. ' +
        'Use a ParameterKey (rotation is always on) or set enableKeyRotation: true on the key.',
      level: NagMessageLevel.ERROR,
      rule: this.withTemplate(rules.ParameterKeyRotation),
      node,
    });
    this.applyRule({
      ruleSuffixOverride: 'ParameterKeyDecryptConditioned',
      info: 'A policy allows kms:Decrypt on a key used by SecureStrings without limiting it to the parameters meant (kms:EncryptionContext:PARAMETER_ARN).',
      explanation:
        'In an identity policy, kms:Decrypt needs StringEquals or StringLike (or ForAnyValue: of either) on kms:EncryptionContext:PARAMETER_ARN naming ' +
        "parameters or a path that ends in '/*': without it, or with *, parameter/* or a prefix without its '/', the principal decrypts every parameter " +
        'under the key as soon as any other policy lets it read them; kms:ViaService alone does not limit which parameters. ' +
        "In the key's own policy, kms:ViaService = ssm.<region>.amazonaws.com or a PARAMETER_ARN condition other than * keeps the key to Parameter Store. " +
        "Grant through the parameter's or the hierarchy's grantRead, which add both conditions. Findings are per value (Context::<value>) or per key (Resource::<key>).",
      level: NagMessageLevel.ERROR,
      rule: this.withTemplate(rules.ParameterKeyDecryptConditioned),
      node,
    });
    this.applyRule({
      ruleSuffixOverride: 'ParameterReadScoped',
      info: "A policy grants ssm:GetParameter* on every parameter, on a path prefix without its trailing '/', or through NotResource.",
      explanation:
        '*, arn:aws:ssm:*:*:* and parameter/* (any region or account) open every parameter of the account, parameter/app/prod* also opens /app/production, ' +
        'and NotResource opens every ARN it does not list. Grant named parameters or a path that ends in \'/\' (ParameterHierarchy.grantRead does both), ' +
        'or select parameters by tag: a StringEquals/StringLike condition on aws:ResourceTag/<key> or ssm:resourceTag/<key> with a value other than * ' +
        'makes parameter/* scoped. ssm:ListTagsForResource and ssm:DescribeParameters are not reads: they return tags and metadata, never a value. ' +
        'Findings are per resource (Resource::<resource>).',
      level: NagMessageLevel.ERROR,
      rule: this.withTemplate(rules.ParameterReadScoped),
      node,
    });
    this.applyRule({
      ruleSuffixOverride: 'SecureStringNoPlainText',
      info: 'A SecureString takes its value from SecureValue.unsafePlainText.',
      explanation:
        'The value is written into the template, the cloud assembly and the stack history. Use SecureValue.generated, fromCiphertext, fromSecret or placeholder; ' +
        'keep unsafePlainText for values that are not secret.',
      level: NagMessageLevel.ERROR,
      rule: this.withTemplate(rules.SecureStringNoPlainText),
      node,
    });
    this.applyRule({
      ruleSuffixOverride: 'PlainParameterSecretName',
      info: 'A plain String or StringList parameter has a name that suggests a secret (password, secret, token, API key, private key, credential).',
      explanation:
        'Plain parameters are stored unencrypted and their value is in the template. Make it a SecureStringParameter; if the value is not secret, rename it.',
      level: NagMessageLevel.WARN,
      rule: this.withTemplate(rules.PlainParameterSecretName),
      node,
    });
    this.applyRule({
      ruleSuffixOverride: 'AdvancedSecureStringExpiration',
      info: 'An Advanced SecureString has no Expiration policy.',
      explanation:
        'Advanced parameters can expire; a secret that never expires is never forced to rotate. Add ParameterPolicy.expireAfter (renewed by each new value) ' +
        'or ParameterPolicy.expiration, with an ExpirationNotification.',
      level: NagMessageLevel.WARN,
      rule: this.withTemplate(rules.AdvancedSecureStringExpiration),
      node,
    });
    this.applyRule({
      ruleSuffixOverride: 'ExpiringSecureStringRenewed',
      info: 'A SecureString expires, and neither rotates nor announces its expiration to anyone.',
      explanation:
        'Parameter Store deletes the parameter at its Expiration timestamp: without a new value before then, every reader fails at that moment. ' +
        'Rotate a generated value (rotation: ParameterRotation.beforeExpiration() or .every(...), which renew an expireAfter timestamp with each new value), ' +
        'or add ParameterPolicy.expirationNotification(...) and route its events to someone who renews the value (onPolicyAction(...) with a target, ' +
        'e.g. a ParameterNotificationTopic). Findings on a batched hierarchy are per member (Member::<name>).',
      level: NagMessageLevel.ERROR,
      rule: this.withTemplate(rules.ExpiringSecureStringRenewed),
      node,
    });
  }

  private withTemplate(rule: (node: CfnResource, template: rules.StackTemplate) => NagRuleResult): (node: CfnResource) => NagRuleResult {
    return (node) => rule(node, this.templates.of(node));
  }
}
