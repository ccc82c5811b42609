import { Duration, RemovalPolicy, Resource, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct, IConstruct } from 'constructs';
import { DIRECT_CRYPTO_ACTIONS, KEY_ADMIN_ACTIONS, PARAMETER_STORE_CRYPTO_ACTIONS } from './private/key-actions';
import { parameterStoreViaService } from './private/parameter-store-conditions';
import { assertSymmetricKey } from './private/symmetric-key';
import { ParameterValidationError } from './private/validation-error';

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
}

/**
 * A customer-managed symmetric KMS key for Parameter Store SecureString parameters.
 *
 * Always `SYMMETRIC_DEFAULT` / `ENCRYPT_DECRYPT` (the only keys Parameter Store can use), rotation on,
 * retained on removal by default. Its key policy delegates administration to the account's IAM policies
 * and lets cryptographic operations happen only through Parameter Store (`kms:ViaService`), unless
 * `allowDirectKmsUse` is set.
 */
export class ParameterKey extends Resource implements kms.IKey {
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

  /** The key policy. Add statements with `addToResourcePolicy`. */
  public readonly policy: iam.PolicyDocument;

  /** The alias created from the `alias` prop, if any. */
  public readonly alias?: kms.IAlias;

  private readonly grants: kms.KeyGrants;
  private aliasCount = 0;

  constructor(scope: Construct, id: string, props: ParameterKeyProps = {}) {
    super(scope, id);
    validateProps(this, props);

    this.policy = new iam.PolicyDocument({
      statements: [
        accountAdministrationStatement(),
        accountCryptoStatement(this, props.allowDirectKmsUse ?? false),
      ],
    });

    const resource = new kms.CfnKey(this, 'Resource', {
      description: props.description ?? 'Encrypts Parameter Store SecureString parameters',
      keySpec: 'SYMMETRIC_DEFAULT',
      keyUsage: 'ENCRYPT_DECRYPT',
      enableKeyRotation: true,
      rotationPeriodInDays: props.rotationPeriod?.toDays({ integral: false }),
      pendingWindowInDays: props.pendingWindow?.toDays({ integral: false }),
      keyPolicy: this.policy,
    });
    resource.applyRemovalPolicy(props.removalPolicy ?? RemovalPolicy.RETAIN);

    this.keyArn = resource.attrArn;
    this.keyId = resource.ref;
    // The key policy trusts the account's IAM policies, so same-account grants go to the principal only.
    this.grants = kms.KeyGrants.fromKey(this, true);
    this.node.addValidation({ validate: () => this.policy.validateForResourcePolicy() });

    for (const admin of props.admins ?? []) {
      this.grants.actions(admin, ...KEY_ADMIN_ACTIONS);
    }
    if (props.alias !== undefined) {
      this.alias = this.addAlias(props.alias);
    }
  }

  public get keyRef(): kms.KeyReference {
    return { keyArn: this.keyArn, keyId: this.keyId };
  }

  public addAlias(aliasName: string): kms.Alias {
    const id = this.aliasCount === 0 ? 'Alias' : `Alias${this.aliasCount}`;
    this.aliasCount += 1;
    return new kms.Alias(this, id, { aliasName, targetKey: this });
  }

  public addToResourcePolicy(statement: iam.PolicyStatement, _allowNoOp?: boolean): iam.AddToResourcePolicyResult {
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }

  public grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant {
    return this.grants.actions(grantee, ...actions);
  }

  public grantDecrypt(grantee: iam.IGrantable): iam.Grant {
    return this.grants.decrypt(grantee);
  }

  public grantEncrypt(grantee: iam.IGrantable): iam.Grant {
    return this.grants.encrypt(grantee);
  }

  public grantEncryptDecrypt(grantee: iam.IGrantable): iam.Grant {
    return this.grants.encryptDecrypt(grantee);
  }

  /** Always throws: a ParameterKey is symmetric and cannot sign. */
  public grantSign(_grantee: iam.IGrantable): iam.Grant {
    throw this.notSupported('grantSign');
  }

  /** Always throws: a ParameterKey is symmetric and cannot verify signatures. */
  public grantVerify(_grantee: iam.IGrantable): iam.Grant {
    throw this.notSupported('grantVerify');
  }

  /** Always throws: a ParameterKey is symmetric and cannot sign. */
  public grantSignVerify(_grantee: iam.IGrantable): iam.Grant {
    throw this.notSupported('grantSignVerify');
  }

  /** Always throws: a ParameterKey is not an HMAC key. */
  public grantGenerateMac(_grantee: iam.IGrantable): iam.Grant {
    throw this.notSupported('grantGenerateMac');
  }

  /** Always throws: a ParameterKey is not an HMAC key. */
  public grantVerifyMac(_grantee: iam.IGrantable): iam.Grant {
    throw this.notSupported('grantVerifyMac');
  }

  private notSupported(method: string): Error {
    return new ParameterValidationError(
      this,
      `${method} is not supported: a ParameterKey is a symmetric ENCRYPT_DECRYPT key`,
    );
  }
}

const ROTATION_DAYS = { min: 90, max: 2560 };
const PENDING_WINDOW_DAYS = { min: 7, max: 30 };
const ALIAS_PREFIX = 'alias/';
const ALIAS_PATTERN = /^alias\/[a-zA-Z0-9:/_-]+$/;
const ALIAS_MAX_LENGTH = 256;

function validateProps(scope: IConstruct, props: ParameterKeyProps): void {
  validateDays(scope, 'rotationPeriod', props.rotationPeriod, ROTATION_DAYS);
  validateDays(scope, 'pendingWindow', props.pendingWindow, PENDING_WINDOW_DAYS);
  if (props.alias !== undefined) {
    validateAlias(scope, props.alias);
  }
}

function validateDays(
  scope: IConstruct,
  name: string,
  value: Duration | undefined,
  range: { min: number; max: number },
): void {
  if (value === undefined || Token.isUnresolved(value.toDays({ integral: false }))) {
    return;
  }
  const days = value.toDays({ integral: false });
  if (!Number.isInteger(days) || days < range.min || days > range.max) {
    throw new ParameterValidationError(
      scope,
      `${name} ${value.toHumanString()} is invalid; KMS requires a whole number of days from ${range.min} to ${range.max}`,
    );
  }
}

function validateAlias(scope: IConstruct, alias: string): void {
  if (Token.isUnresolved(alias)) {
    return;
  }
  const full = alias.startsWith(ALIAS_PREFIX) ? alias : `${ALIAS_PREFIX}${alias}`;
  if (!ALIAS_PATTERN.test(full) || full.length > ALIAS_MAX_LENGTH) {
    throw new ParameterValidationError(
      scope,
      `alias '${alias}' is invalid; an alias is 'alias/' followed by 1 to 250 characters of a-z, A-Z, 0-9, ':', '/', '_' and '-'`,
    );
  }
  if (full.toLowerCase().startsWith(`${ALIAS_PREFIX}aws/`)) {
    throw new ParameterValidationError(
      scope,
      `alias '${alias}' is invalid; the 'alias/aws/' prefix is reserved for AWS managed keys`,
    );
  }
}

/** The account's IAM policies may administer the key; the account root is the principal that delegates to them. */
function accountAdministrationStatement(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'AllowKeyAdministrationThroughIamPolicies',
    principals: [new iam.AccountRootPrincipal()],
    actions: KEY_ADMIN_ACTIONS,
    resources: ['*'],
  });
}

function accountCryptoStatement(scope: IConstruct, allowDirectKmsUse: boolean): iam.PolicyStatement {
  if (allowDirectKmsUse) {
    return new iam.PolicyStatement({
      sid: 'AllowCryptographyThroughIamPolicies',
      principals: [new iam.AccountRootPrincipal()],
      actions: DIRECT_CRYPTO_ACTIONS,
      resources: ['*'],
    });
  }
  return new iam.PolicyStatement({
    sid: 'AllowCryptographyOnlyThroughParameterStore',
    principals: [new iam.AccountRootPrincipal()],
    actions: PARAMETER_STORE_CRYPTO_ACTIONS,
    resources: ['*'],
    conditions: {
      StringEquals: {
        'kms:ViaService': parameterStoreViaService(scope),
        'kms:CallerAccount': Stack.of(scope).account,
      },
    },
  });
}
