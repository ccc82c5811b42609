import { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, NagPackProps } from 'cdk-nag';
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

  constructor(scope?: IConstruct, props?: NagPackProps) {
    super(scope, props);
    this.packName = 'ParameterStore';
  }

  protected checkResource(node: CfnResource): void {
    this.applyRule({
      ruleSuffixOverride: 'SecureStringCustomerManagedKey',
      info: 'The SecureString is encrypted with the AWS-managed aws/ssm key.',
      explanation:
        'The aws/ssm key cannot carry an access policy, cannot be shared with another account and cannot limit who decrypts what. ' +
        'Give the parameter a customer-managed symmetric key: a ParameterKey, or the key of a ParameterHierarchy.',
      level: NagMessageLevel.ERROR,
      rule: rules.SecureStringCustomerManagedKey,
      node,
    });
    this.applyRule({
      ruleSuffixOverride: 'ParameterKeyRotation',
      info: 'A KMS key that encrypts SecureStrings does not rotate its key material.',
      explanation:
        'Rotation limits how much data one key version protects and is required by every compliance pack. ' +
        'Use a ParameterKey (rotation is always on) or set enableKeyRotation: true on the key.',
      level: NagMessageLevel.ERROR,
      rule: rules.ParameterKeyRotation,
      node,
    });
    this.applyRule({
      ruleSuffixOverride: 'ParameterKeyDecryptConditioned',
      info: 'A policy allows kms:Decrypt on a key used by SecureStrings without a kms:EncryptionContext:PARAMETER_ARN or kms:ViaService condition.',
      explanation:
        'Without the condition the grantee can decrypt every parameter under the key, and anything else the key encrypts. ' +
        "Grant through the parameter's or the hierarchy's grantRead (they scope kms:Decrypt to the parameter ARN via Parameter Store), " +
        'or add both conditions to the statement.',
      level: NagMessageLevel.ERROR,
      rule: rules.ParameterKeyDecryptConditioned,
      node,
    });
    this.applyRule({
      ruleSuffixOverride: 'ParameterReadScoped',
      info: "A policy grants ssm:GetParameter* on every parameter, or on a path prefix without its trailing '/'.",
      explanation:
        "parameter/* opens every parameter of the account, and parameter/app/prod* also opens /app/production. Grant named parameters or a path that ends in '/' " +
        '(ParameterHierarchy.grantRead does both).',
      level: NagMessageLevel.ERROR,
      rule: rules.ParameterReadScoped,
      node,
    });
    this.applyRule({
      ruleSuffixOverride: 'SecureStringNoPlainText',
      info: 'A SecureString takes its value from SecureValue.unsafePlainText.',
      explanation:
        'The value is written into the template, the cloud assembly and the stack history. Use SecureValue.generated, fromCiphertext, fromSecret or placeholder; ' +
        'keep unsafePlainText for values that are not secret.',
      level: NagMessageLevel.ERROR,
      rule: rules.SecureStringNoPlainText,
      node,
    });
    this.applyRule({
      ruleSuffixOverride: 'PlainParameterSecretName',
      info: 'A plain String or StringList parameter has a name that suggests a secret (password, secret, token, API key, private key, credential).',
      explanation:
        'Plain parameters are stored unencrypted and their value is in the template. Make it a SecureStringParameter; if the value is not secret, rename it.',
      level: NagMessageLevel.WARN,
      rule: rules.PlainParameterSecretName,
      node,
    });
    this.applyRule({
      ruleSuffixOverride: 'AdvancedSecureStringExpiration',
      info: 'An Advanced SecureString has no Expiration policy.',
      explanation:
        'Advanced parameters can expire; a secret that never expires is never forced to rotate. Add ParameterPolicy.expireAfter (renewed by each new value) ' +
        'or ParameterPolicy.expiration, with an ExpirationNotification.',
      level: NagMessageLevel.WARN,
      rule: rules.AdvancedSecureStringExpiration,
      node,
    });
  }
}
