import { ArnFormat, CfnResource, ITaggable, Lazy, RemovalPolicy, SecretValue, Stack, TagManager, TagType, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ram from 'aws-cdk-lib/aws-ram';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct, IConstruct } from 'constructs';
import { IParameterEventSource } from './parameter-events';
import { ParameterKey } from './parameter-key';
import { ParameterPolicy } from './parameter-policy';
import { ParameterRotation } from './parameter-rotation';
import { ATTRIBUTE_ARN, ATTRIBUTE_VERSION, DEFAULT_TIER, PARAMETER_RESOURCE_TYPE, ParameterProperties, SERVICE_TIMEOUT_SECONDS, SourceProperties } from './private/handler-protocol';
import { ImportedSecureStringParameter } from './private/imported-secure-string-parameter';
import { resolveParameterKey } from './private/parameter-key-resolution';
import { parameterArnFor } from './private/parameter-name';
import { claimParameterName } from './private/parameter-name-claims';
import { ParameterRotator } from './private/parameter-rotator';
import { shareParameters } from './private/parameter-sharing';
import { policyProperties, tierForPolicies } from './private/policy-validation';
import { notificationLead, pinnedReferenceProblem } from './private/rotation-validation';
import { SecureStringHandler, committedCiphertextKeys } from './private/secure-string-handler';
import { SecureStringParameterBase } from './private/secure-string-parameter-base';
import { validateSecureString } from './private/secure-string-validation';
import { ParameterValidationError } from './private/validation-error';
import { SecureStringHandlerOptions } from './secure-string-handler-options';
import { SecureValue } from './secure-value';
import { ShareTarget } from './share-target';

/** The stack's default key, shared by the SecureStrings that are given none. */
const DEFAULT_KEY_ID = 'SecureStringParameterKey';

/**
 * Properties of a {@link SecureStringParameter}.
 */
export interface SecureStringParameterProps {
  /**
   * The full name of the parameter, e.g. `/myapp/prod/db/password`.
   * Names with `/` start with `/`; at most 15 levels; no `aws` or `ssm` prefix.
   *
   * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html
   */
  readonly parameterName: string;

  /** Where the value comes from. The plaintext never appears in the template (except `unsafePlainText`). */
  readonly value: SecureValue;

  /**
   * The symmetric KMS key that encrypts the value. An alias made in this app stands for its target key;
   * an alias imported by name is refused (IAM authorizes KMS calls against key ARNs), except the
   * AWS-managed `alias/aws/ssm`.
   *
   * @default - a ParameterKey shared by every SecureStringParameter of the stack that has no key
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * The parameter's tier. Advanced allows 8 KB values and policies, costs 0.05 USD a month, and can never
   * go back to Standard.
   *
   * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html
   * @default - ParameterTier.ADVANCED when there are policies, else ParameterTier.STANDARD
   */
  readonly tier?: ssm.ParameterTier;

  /**
   * Parameter policies: expiration and notifications. They need tier Advanced (or Intelligent-Tiering);
   * with no `tier`, policies make the parameter Advanced.
   *
   * @default - no policies
   */
  readonly policies?: ParameterPolicy[];

  /**
   * A description of the parameter.
   *
   * @default - no description
   */
  readonly description?: string;

  /**
   * A regular expression the value must match, checked by Parameter Store on every write.
   *
   * @default - no pattern
   */
  readonly allowedPattern?: string;

  /**
   * What happens to the parameter when it is removed from the stack, or renamed.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Take over a parameter of this name that exists and is not managed by this resource.
   * Without it, the deployment fails rather than overwrite a parameter it does not own.
   * A generated or placeholder value that exists is kept.
   *
   * @default false
   */
  readonly adoptExisting?: boolean;

  /**
   * Replace the generated value on a schedule or before it expires (only `SecureValue.generated()` values
   * rotate). The stack's rotator writes the new value with the same generator, renews a
   * `ParameterPolicy.expireAfter` timestamp in the same write, and labels the versions `current` and
   * `previous` (see `RotationOptions.keepPrevious`).
   *
   * @default - no rotation: the value changes only when its source changes in the app
   */
  readonly rotation?: ParameterRotation;
}

/**
 * A SecureString parameter, made in this app or imported: its grants are scoped to its encryption context.
 */
export interface ISecureStringParameter extends ssm.IParameter, IParameterEventSource {
  /** The key that encrypts the value. */
  readonly encryptionKey: kms.IKey;

  /** The tier, which decides the KMS action of a write grant. */
  readonly tier: ssm.ParameterTier;

  /**
   * A new customer-managed policy with exactly the statements of `grantRead`, to attach to a role
   * instead of an inline grant.
   *
   * @param id the construct id of the policy, under this parameter
   */
  readPolicy(id: string): iam.ManagedPolicy;

  /**
   * A new customer-managed policy with exactly the statements of `grantWrite`, to attach to a role
   * instead of an inline grant.
   *
   * @param id the construct id of the policy, under this parameter
   */
  writePolicy(id: string): iam.ManagedPolicy;
}

/**
 * Attributes of an existing SecureString, for {@link SecureStringParameter.fromSecureStringParameterAttributes}.
 */
export interface SecureStringParameterAttributes {
  /**
   * The parameter's name, in this stack's account and region.
   *
   * @default - taken from `parameterArn`
   */
  readonly parameterName?: string;

  /**
   * The parameter's full ARN: for a parameter of another account (shared through AWS RAM) or region.
   *
   * @default - built from `parameterName` and this stack's account and region
   */
  readonly parameterArn?: string;

  /**
   * Whether `parameterName` is a simple name (no `/`, e.g. `token`) rather than a path (`/app/token`).
   * Needed only when `parameterName` is a token: Parameter Store drops a path's leading `/` in the ARN,
   * which cannot be decided at synth time for a name known only at deploy time (like aws-cdk-lib's
   * `simpleName`).
   *
   * @default - derived from a concrete `parameterName`; required with a token `parameterName`
   */
  readonly simpleName?: boolean;

  /**
   * The key that encrypts the value (for another account: `kms.Key.fromKeyArn` with that account's key).
   * An alias made in this app stands for its target key; an alias imported by name is refused (IAM
   * authorizes KMS calls against key ARNs), except the AWS-managed `alias/aws/ssm`.
   */
  readonly encryptionKey: kms.IKey;

  /**
   * The parameter's tier.
   *
   * @default ParameterTier.STANDARD
   */
  readonly tier?: ssm.ParameterTier;
}

/**
 * A Parameter Store SecureString parameter, created at deploy time by the stack's handler.
 *
 * It implements `ssm.IParameter`, so it plugs into `ecs.Secret.fromSsmParameter` and friends, and its
 * grants are scoped to this parameter's encryption context on the key, never the whole key.
 */
export class SecureStringParameter extends SecureStringParameterBase implements ITaggable {
  /**
   * An existing SecureString, by name or by ARN (another account's, shared through AWS RAM, keeps its
   * account). Its grants carry the same encryption-context and Parameter Store conditions as ours; for a
   * parameter of another account, that account's key policy must also allow the grantee.
   */
  public static fromSecureStringParameterAttributes(scope: Construct, id: string, attrs: SecureStringParameterAttributes): ISecureStringParameter {
    return new ImportedSecureStringParameter(scope, id, attrs);
  }

  /**
   * Settings of the stack's deploy-time handler (VPC, dead-letter queue, reserved concurrency, log key).
   * Call before the stack's first SecureStringParameter; the handler is created with them.
   *
   * @param scope any construct of the stack
   * @param options the settings
   */
  public static configureHandler(scope: Construct, options: SecureStringHandlerOptions): void {
    SecureStringHandler.configure(scope, options);
  }

  /**
   * The parameter's name. It references the resource that writes the parameter (like aws-cdk-lib's
   * `StringParameter.parameterName`), so whatever uses it deploys after the value exists.
   */
  public readonly parameterName: string;
  /** The parameter's ARN, with the same dependency as `parameterName`. */
  public readonly parameterArn: string;
  /** The key that encrypts the value: the target key when an alias made in the app was given. */
  public readonly encryptionKey: kms.IKey;
  public readonly tier: ssm.ParameterTier;
  /** Where the value comes from. */
  public readonly value: SecureValue;
  /** The parameter's policies. */
  public readonly policies: ParameterPolicy[];

  /**
   * The version Parameter Store gave the value written by the latest deployment (a deploy-time token).
   * It changes only when this stack writes a new value or attribute.
   *
   * @attribute
   */
  public readonly parameterVersion: string;

  /**
   * The alarm of the stack's rotator, in alarm while a failed rotation waits in its dead-letter queue: add an
   * action to route it (`rotationAlarm.addAlarmAction(new cw_actions.SnsAction(topic))`). One per stack, shared
   * by every rotating parameter of the stack.
   *
   * @default - undefined without `rotation`
   */
  public readonly rotationAlarm?: cloudwatch.Alarm;

  /**
   * The dead-letter queue of the stack's rotator: the events of rotations that failed after their retries,
   * with the error that names the parameters and what to do.
   *
   * @default - undefined without `rotation`
   */
  public readonly rotationDeadLetterQueue?: sqs.IQueue;

  /** Tags applied to the parameter by the handler; `Tags.of(parameter)` works too. */
  public readonly tags: TagManager;

  /** @internal */
  public readonly _valueSource: SourceProperties;

  /** @internal */
  protected readonly _eventName: string;
  /** @internal */
  protected readonly _keyPolicyArn: string;

  constructor(scope: Construct, id: string, props: SecureStringParameterProps) {
    super(scope, id, { physicalName: props.parameterName });
    const policies = props.policies ?? [];
    this.tier = tierForPolicies(props.tier, policies) ?? ssm.ParameterTier.STANDARD;
    validateSecureString(this, props, this.tier);
    this.policies = policies;
    this._policies = policies;
    claimParameterName(this, props.parameterName);

    // synth-time logic (events, key policies, the handler's permissions) uses the names without dependency
    this._eventName = props.parameterName;
    this._keyPolicyArn = parameterArnFor(this, props.parameterName);
    this.encryptionKey = props.encryptionKey ? resolveParameterKey(this, props.encryptionKey) : defaultKey(this);
    ParameterKey.assertSymmetric(this, this.encryptionKey);
    this.value = props.value;
    this._valueSource = props.value._properties;
    this.tags = new TagManager(TagType.KEY_VALUE, PARAMETER_RESOURCE_TYPE);

    const handler = SecureStringHandler.of(this);
    handler.register({
      name: props.parameterName,
      key: this.encryptionKey,
      ...committedCiphertextKeys(props.value.sourceType, this.encryptionKey),
      secret: props.value._secret,
    });

    const rotation = props.rotation?._active;
    this._rotation = rotation;
    if (rotation) {
      const rotator = ParameterRotator.of(this);
      const notified = notificationLead(policies);
      rotator.register({ scope: this, name: props.parameterName, key: this.encryptionKey, tier: this.tier, rotation, notificationLead: notified });
      this.rotationAlarm = rotator.alarm;
      this.rotationDeadLetterQueue = rotator.deadLetterQueue;
    }

    const properties: ParameterProperties = {
      Name: props.parameterName,
      KeyId: this.encryptionKey.keyArn,
      Tier: this.tier === DEFAULT_TIER ? undefined : this.tier,
      Source: props.value._properties,
      Description: props.description,
      AllowedPattern: props.allowedPattern,
      ...policyProperties(policies),
      Rotation: rotation?._properties,
      Adopt: props.adoptExisting ? 'true' : undefined,
      Tags: Lazy.any({ produce: () => this._renderTags(this.tags) }) as unknown as ParameterProperties['Tags'],
    };
    const resource = new CfnResource(this, 'Resource', {
      type: PARAMETER_RESOURCE_TYPE,
      // ServiceTimeout: CloudFormation gives up on a lost answer after 20 minutes instead of one hour
      properties: { ServiceToken: handler.serviceToken, ServiceTimeout: String(SERVICE_TIMEOUT_SECONDS), ...properties },
    });
    resource.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);
    this.parameterVersion = Token.asString(resource.getAtt(ATTRIBUTE_VERSION));
    // the handler answers the name as physical id and the ARN as attribute: consumers wait for the write
    this.parameterName = this.getResourceNameAttribute(resource.ref);
    this.parameterArn = this.getResourceArnAttribute(Token.asString(resource.getAtt(ATTRIBUTE_ARN)), {
      service: 'ssm',
      resource: 'parameter',
      resourceName: props.parameterName.replace(/^\//, ''),
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  /**
   * Shares this parameter through AWS RAM and lets the targets' principals decrypt it through Parameter
   * Store (a key-policy statement with this parameter's encryption context). Consumers read it by its full
   * ARN; shared parameters are not available to dynamic references or ECS secrets in the other account.
   * Needs tier Advanced and a key whose policy this app can edit.
   */
  public shareWith(id: string, targets: ShareTarget[]): ram.CfnResourceShare {
    if (this.tier !== ssm.ParameterTier.ADVANCED) {
      throw new ParameterValidationError(this, `${this._eventName}: tier ${this.tier} cannot be shared; Parameter Store shares Advanced parameters only (set tier: ParameterTier.ADVANCED)`);
    }
    return shareParameters(this, id, {
      // the share waits for the parameter; the key policy cannot (the parameter references the key)
      resourceArns: [this.parameterArn],
      contextOperator: 'StringEquals',
      contextArns: this._keyPolicyArn,
      key: this.encryptionKey,
      targets,
    });
  }

  /**
   * A `{{resolve:ssm-secure:name:version}}` reference pinned to the version this stack wrote, for the
   * few properties CloudFormation resolves it in (RDS and Redshift master passwords, ElastiCache
   * `AuthToken`, IAM `LoginProfile`, ...). Never usable in custom resources. Refused (it throws) for a
   * parameter with `rotation`, its own or its hierarchy's: the pinned version goes stale at the first
   * rotation, so read such a value at runtime by name (`grantRead`).
   *
   * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-ssm-secure-strings.html
   */
  public get secureValue(): SecretValue {
    // the rotation in force, its own or its hierarchy's default: both are known at construction
    const stale = pinnedReferenceProblem(this._rotation);
    if (stale) {
      throw new ParameterValidationError(this, `${this._eventName}: ${stale}`);
    }
    // the version attribute already makes the consumer wait for the write
    return SecretValue.ssmSecure(this._eventName, this.parameterVersion);
  }
}

function defaultKey(scope: IConstruct): kms.IKey {
  const stack = Stack.of(scope);
  return (stack.node.tryFindChild(DEFAULT_KEY_ID) as ParameterKey | undefined) ??
    new ParameterKey(stack, DEFAULT_KEY_ID, { description: 'Encrypts the SecureString parameters of this stack' });
}
