import { Token, TokenComparison } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';
import { ENCRYPTION_CONTEXT_KEY } from './handler-protocol';
import { checkGranteePolicySize } from './limit-checks';
import { ParameterKeyBase } from './parameter-key-base';
import { parameterStoreViaService } from './parameter-store-conditions';

/** What a reader of a SecureString needs from Parameter Store. `DescribeParameters` is not here: it only works on `*`. */
export const READ_ACTIONS = ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParameterHistory'];
export const WRITE_ACTIONS = ['ssm:PutParameter'];
/** Authorized against the path itself (`parameter/app/prod`), unlike the other reads. */
export const READ_BY_PATH_ACTION = 'ssm:GetParametersByPath';

/** Which parameters a grant covers: one exact ARN, or every parameter under a path. */
export interface GrantTarget {
  /** `StringEquals` on one parameter ARN, or `StringLike` on `<path ARN>/*`. */
  readonly contextOperator: 'StringEquals' | 'StringLike';
  /**
   * The ARN (or `<path ARN>/*`) the SSM actions and the grantee's encryption context condition name. For a
   * parameter of this app it carries the dependency on the resource that writes it (Fn::GetAtt), so the
   * grantee's policy, and whatever waits for that policy, deploys after the parameter.
   */
  readonly parameterArns: string;
  /**
   * The same ARN without that dependency, for statements on the key's policy: the parameter's resource
   * references the key, so a key policy that referenced the parameter would be a circular dependency.
   *
   * @default - parameterArns
   */
  readonly keyPolicyArns?: string;
  /** For a path: the path's own ARN, which GetParametersByPath is authorized against. */
  readonly pathArn?: string;
}

/**
 * Grants SSM actions on the target and the key action for the target's encryption context only, only
 * through Parameter Store. The statements are the same whatever the number of parameters under a path.
 */
export function grantOnParameters(
  scope: IConstruct,
  grantee: iam.IGrantable,
  target: GrantTarget,
  ssmActions: string[],
  key: kms.IKey,
  keyActions: string[],
): iam.Grant {
  checkGranteePolicySize(grantee);
  let grant = iam.Grant.addToPrincipal({ grantee, actions: ssmActions, resourceArns: [target.parameterArns] });
  if (target.pathArn && ssmActions.includes(READ_ACTIONS[0])) {
    const byPath = iam.Grant.addToPrincipal({ grantee, actions: [READ_BY_PATH_ACTION], resourceArns: [target.pathArn, target.parameterArns] });
    grant = grant.combine(byPath);
  }
  const principalConditions = keyContextConditions(scope, target.contextOperator, target.parameterArns);
  const keyPolicyConditions = keyContextConditions(scope, target.contextOperator, target.keyPolicyArns ?? target.parameterArns);
  return grant.combine(grantOnKey(grantee, key, keyActions, principalConditions, keyPolicyConditions));
}

/**
 * Read access to several single parameters under one key in one statement each side: their ARNs listed, and
 * `kms:Decrypt` for an encryption context `StringEquals` any of them (IAM matches a list as any of its values),
 * instead of two statements per parameter. A replica of many single parameters then stays within IAM's policy
 * sizes far longer (limit-checks.ts refuses past them).
 */
export function grantReadOnEach(scope: IConstruct, grantee: iam.IGrantable, targets: GrantTarget[], key: kms.IKey): iam.Grant {
  checkGranteePolicySize(grantee);
  const parameterArns = targets.map((t) => t.parameterArns);
  const keyPolicyArns = targets.map((t) => t.keyPolicyArns ?? t.parameterArns);
  const grant = iam.Grant.addToPrincipal({ grantee, actions: READ_ACTIONS, resourceArns: parameterArns });
  const principalConditions = keyContextConditions(scope, 'StringEquals', parameterArns);
  const keyPolicyConditions = keyContextConditions(scope, 'StringEquals', keyPolicyArns);
  return grant.combine(grantOnKey(grantee, key, ['kms:Decrypt'], principalConditions, keyPolicyConditions));
}

/**
 * The conditions of every key statement for parameters: their encryption context (`StringEquals` one ARN,
 * `StringLike` `<path ARN>/*`) and Parameter Store as the only way in.
 */
export function keyContextConditions(
  scope: IConstruct,
  contextOperator: 'StringEquals' | 'StringLike',
  parameterArns: string | string[],
): Record<string, Record<string, unknown>> {
  const context = { [`kms:EncryptionContext:${ENCRYPTION_CONTEXT_KEY}`]: parameterArns };
  const viaService = { 'kms:ViaService': parameterStoreViaService(scope) };
  return contextOperator === 'StringEquals'
    ? { StringEquals: { ...context, ...viaService } }
    : { StringLike: context, StringEquals: viaService };
}

/**
 * The key side of a grant, with its conditions in both places it may be needed. The principal's policy
 * is enough for a ParameterKey in the grantee's account (its key policy delegates to IAM). For any other
 * key defined in the app, or a grantee of another account, the key policy must allow it too — the way
 * aws-kms decides, but keeping the conditions, which `Grant.addToPrincipalOrResource` drops.
 * An imported key's policy cannot be edited: its owner must allow the grantee.
 */
function grantOnKey(
  grantee: iam.IGrantable,
  key: kms.IKey,
  actions: string[],
  principalConditions: Record<string, Record<string, unknown>>,
  keyPolicyConditions: Record<string, Record<string, unknown>>,
): iam.Grant {
  const principalGrant = iam.Grant.addToPrincipal({ grantee, actions, resourceArns: [key.keyArn], conditions: principalConditions });
  if (trustsAccountIdentities(key) && principalGrant.success && sameAccount(key, grantee)) {
    return principalGrant;
  }
  const statement = new iam.PolicyStatement({ actions, resources: ['*'], principals: [grantee.grantPrincipal], conditions: keyPolicyConditions });
  const keyGrant = iam.Grant.addStatementToResourcePolicy({ grantee, actions, resourceArns: ['*'], resource: key, statement });
  return principalGrant.combine(keyGrant);
}

/** A key whose policy delegates to the account's IAM policies (aws-kms keeps this flag protected). */
function trustsAccountIdentities(key: kms.IKey): boolean {
  return key instanceof ParameterKeyBase || (key as unknown as { trustAccountIdentities?: boolean }).trustAccountIdentities === true;
}

function sameAccount(key: kms.IKey, grantee: iam.IGrantable): boolean {
  const principalAccount = grantee.grantPrincipal.principalAccount;
  if (principalAccount === undefined) {
    return false;
  }
  const comparison = Token.compareStrings(key.env.account, principalAccount);
  return comparison === TokenComparison.SAME || comparison === TokenComparison.BOTH_UNRESOLVED;
}
