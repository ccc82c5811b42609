import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, IConstruct } from 'constructs';
import { ParameterKeyBase } from './private/parameter-key-base';
import { parameterKeyPolicyStatements } from './private/parameter-key-policy';
import { validateParameterKeyProps } from './private/parameter-key-validation';
import { assertSymmetricKey } from './private/symmetric-key';

/**
 * Properties of a {@link ParameterKey}.
 */
export interface ParameterKeyProps {
  /**
   * An alias for the key, with or without the `alias/` prefix.
   *
   * @default - no alias
   */
  readonly alias?: string;

  /**
   * A description of the key.
   *
   * @default 'Encrypts Parameter Store SecureString parameters'
   */
  readonly description?: string;

  /**
   * How often KMS rotates the key material. Rotation is always on.
   *
   * @see https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html
   * @default Duration.days(365) - the KMS default
   */
  readonly rotationPeriod?: Duration;

  /**
   * How long KMS waits before deleting the key once it is scheduled for deletion.
   *
   * @default Duration.days(30)
   */
  readonly pendingWindow?: Duration;

  /**
   * What happens to the key when it is removed from the stack.
   * Deleting a key makes every parameter encrypted under it unreadable, hence the default.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Principals that may administer the key (never use it for cryptography).
   *
   * @default - administration is delegated to the account's IAM policies only
   */
  readonly admins?: iam.IPrincipal[];

  /**
   * Let the account's IAM policies also grant direct KMS calls (Encrypt, Decrypt, ReEncrypt,
   * GenerateDataKey) that do not go through Parameter Store.
   *
   * Leave this off unless the key must also serve other services or direct callers:
   * with it off, a principal that somehow got `kms:Decrypt` still cannot decrypt anything
   * except by reading a parameter it is allowed to read.
   *
   * @default false - cryptographic operations work only through Parameter Store (`kms:ViaService`)
   */
  readonly allowDirectKmsUse?: boolean;

  /**
   * Make the key a multi-Region primary key, which a `ParameterKeyReplica` in another region can replicate
   * (the default key of a `ParameterReplica` of a hierarchy under this key). A key cannot become
   * multi-Region after it is created.
   *
   * @default false
   */
  readonly multiRegion?: boolean;
}

/**
 * A customer-managed symmetric KMS key for Parameter Store SecureString parameters.
 *
 * Always `SYMMETRIC_DEFAULT` / `ENCRYPT_DECRYPT` (the only keys Parameter Store can use), rotation on,
 * retained on removal by default. Its key policy delegates administration to the account's IAM policies
 * and lets cryptographic operations happen only through Parameter Store (`kms:ViaService`), unless
 * `allowDirectKmsUse` is set.
 */
export class ParameterKey extends ParameterKeyBase {
  /**
   * Throws at synth time when `key` is a key (or an alias of a key) defined in this app whose key spec or
   * key usage Parameter Store cannot use. Imported keys cannot be checked and pass.
   *
   * @param consumer the construct that will use the key; its path starts the error message
   * @param key the key to check
   */
  public static assertSymmetric(consumer: IConstruct, key: kms.IKey): void {
    assertSymmetricKey(consumer, key);
  }

  public readonly keyArn: string;
  public readonly keyId: string;

  /** Whether the key is a multi-Region primary key, which a `ParameterKeyReplica` can replicate. */
  public readonly multiRegion: boolean;

  /** The alias created from the `alias` prop, if any. */
  public readonly alias?: kms.IAlias;

  /**
   * Whether direct KMS calls are allowed (`allowDirectKmsUse`): its replicas follow the same rule.
   * @internal
   */
  public readonly _allowDirectKmsUse: boolean;

  constructor(scope: Construct, id: string, props: ParameterKeyProps = {}) {
    super(scope, id);
    validateParameterKeyProps(this, props);
    this.multiRegion = props.multiRegion ?? false;
    this._allowDirectKmsUse = props.allowDirectKmsUse ?? false;
    this.policy.addStatements(...parameterKeyPolicyStatements(this, this._allowDirectKmsUse, this.multiRegion));

    const resource = new kms.CfnKey(this, 'Resource', {
      description: props.description ?? 'Encrypts Parameter Store SecureString parameters',
      keySpec: 'SYMMETRIC_DEFAULT',
      keyUsage: 'ENCRYPT_DECRYPT',
      enableKeyRotation: true,
      rotationPeriodInDays: props.rotationPeriod?.toDays({ integral: false }),
      pendingWindowInDays: props.pendingWindow?.toDays({ integral: false }),
      multiRegion: props.multiRegion,
      keyPolicy: this.policy,
    });
    resource.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);

    this.keyArn = resource.attrArn;
    this.keyId = resource.ref;
    this.node.addValidation({ validate: () => this.policy.validateForResourcePolicy() });

    this._grantAdministration(props.admins ?? []);
    if (props.alias !== undefined) {
      this.alias = this.addAlias(props.alias);
    }
  }
}
