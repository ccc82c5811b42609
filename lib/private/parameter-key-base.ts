import { Resource } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { KEY_ADMIN_ACTIONS } from './key-actions';
import { checkKeyPolicySize } from './limit-checks';
import { ParameterValidationError } from './validation-error';

/**
 * What a ParameterKey and a ParameterKeyReplica do alike: a symmetric key whose policy delegates to the
 * account's IAM policies, so grants go to the principal only, and which refuses signing and MAC grants.
 * A hidden base class: jsii copies its members into each subclass.
 *
 * @internal
 */
export abstract class ParameterKeyBase extends Resource implements kms.IKey {
  public abstract readonly keyArn: string;
  public abstract readonly keyId: string;

  /** The key policy. Add statements with `addToResourcePolicy`. */
  public readonly policy = new iam.PolicyDocument();

  private keyGrants?: kms.KeyGrants;
  private aliasCount = 0;

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
    // shares and grants that name principals add statements: refused at synth past KMS's 32 KB
    checkKeyPolicySize(this, () => this.policy);
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

  /** Always throws: a Parameter Store key is symmetric and cannot sign. */
  public grantSign(_grantee: iam.IGrantable): iam.Grant {
    throw this.notSupported('grantSign');
  }

  /** Always throws: a Parameter Store key is symmetric and cannot verify signatures. */
  public grantVerify(_grantee: iam.IGrantable): iam.Grant {
    throw this.notSupported('grantVerify');
  }

  /** Always throws: a Parameter Store key is symmetric and cannot sign. */
  public grantSignVerify(_grantee: iam.IGrantable): iam.Grant {
    throw this.notSupported('grantSignVerify');
  }

  /** Always throws: a Parameter Store key is not an HMAC key. */
  public grantGenerateMac(_grantee: iam.IGrantable): iam.Grant {
    throw this.notSupported('grantGenerateMac');
  }

  /** Always throws: a Parameter Store key is not an HMAC key. */
  public grantVerifyMac(_grantee: iam.IGrantable): iam.Grant {
    throw this.notSupported('grantVerifyMac');
  }

  /**
   * Key administration for these principals (never cryptography).
   * @internal
   */
  protected _grantAdministration(admins: iam.IPrincipal[]): void {
    for (const admin of admins) {
      this.grants.actions(admin, ...KEY_ADMIN_ACTIONS);
    }
  }

  private get grants(): kms.KeyGrants {
    // the key policy trusts the account's IAM policies, so same-account grants go to the principal only
    this.keyGrants ??= kms.KeyGrants.fromKey(this, true);
    return this.keyGrants;
  }

  private notSupported(method: string): Error {
    return new ParameterValidationError(this, `${method} is not supported: a ${this.constructor.name} is a symmetric ENCRYPT_DECRYPT key`);
  }
}
