import { Aws, Stack, Token, TokenComparison } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { IConstruct } from 'constructs';
import { ENCRYPTION_CONTEXT_KEY, OWNER_TAG_KEY } from './handler-protocol';
import { PARAMETER_STORE_CRYPTO_ACTIONS } from './key-actions';
import { parameterArnFor } from './parameter-name';
import { parameterStoreViaService } from './parameter-store-conditions';

/**
 * The handler role's statements, one function per statement. Their size depends on the template's
 * covering name patterns (at most ten) and on the secrets and committed ciphertexts it copies, never on
 * the number of parameters or of Parameter Store keys: IAM limits a managed policy to 6,144 characters.
 */

/**
 * What the handler does to a parameter it manages: write, read back, delete, tag, and move the labels that
 * bind each version to the source it was written from. `ssm:ListTagsForResource` is not here: see
 * {@link readOwnershipTags}.
 */
export const HANDLER_SSM_ACTIONS = [
  'ssm:PutParameter',
  'ssm:GetParameter',
  'ssm:GetParameters',
  'ssm:GetParameterHistory',
  'ssm:DeleteParameter',
  'ssm:AddTagsToResource',
  'ssm:RemoveTagsFromResource',
  'ssm:LabelParameterVersion',
  'ssm:UnlabelParameterVersion',
];

/** The condition key that holds a parameter's owner tag. */
export const OWNER_TAG_CONDITION_KEY = `aws:ResourceTag/${OWNER_TAG_KEY}`;

/** Every parameter of the stack's account and region: what S2 and S3 scope further by condition. */
export function accountParametersArn(scope: IConstruct): string {
  return parameterArnFor(scope, '*');
}

/** Every KMS key of the stack's account and region: S4 scopes it to Parameter Store and to parameters. */
export function accountKeysArn(scope: IConstruct): string {
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:kms:${stack.region}:${stack.account}:key/*`;
}

/**
 * S1: the parameters the current template names, by their covering patterns (each ending in `/*`, or exact),
 * unless another owner's tag is on them: a pattern such as `parameter/app/*` also covers other stacks'
 * parameters under that path, and IAM, not only the handler's ownership check, keeps the handler off them.
 * `IfExists`: a name that does not exist yet (a create) or an untagged one (adoptExisting) has no such key.
 */
export function manageParametersOfThisStack(patternArns: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'ManageParametersOfThisStack',
    actions: HANDLER_SSM_ACTIONS,
    resources: patternArns,
    conditions: { StringLikeIfExists: { [OWNER_TAG_CONDITION_KEY]: ownedByThisStack() } },
  });
}

/** The owner tag values of this stack's resources: `<stack name>/<logical id>`. */
function ownedByThisStack(): string {
  // the pseudo parameter, not Stack.stackName: a nested stack's real name is known only at deploy time
  return `${Aws.STACK_NAME}/*`;
}

/**
 * S2: the parameters this stack owns wherever they are: the old name of a rename, a DESTROY cleanup of a
 * name the template no longer has, parameters a deleted stack of the same name retained. The owner tag is
 * `<stack name>/<logical id>` (ownerTagValue), and a stack name cannot contain `/`, so `Stack/*` never
 * matches another stack's `Stack-2/...`.
 *
 * The Service Authorization Reference lists `aws:ResourceTag/${TagKey}` for the `parameter` resource type
 * and on each of these actions except PutParameter, whose own row lists only request keys. For
 * PutParameter the key is then present only for a parameter that exists and carries the tag (an
 * overwrite); a new parameter has no tags, the condition fails and this statement never lets the handler
 * create a parameter outside the template's patterns. Nothing broader is granted in its place.
 */
export function reachParametersThisStackOwns(scope: IConstruct): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'ReachParametersThisStackOwns',
    actions: HANDLER_SSM_ACTIONS,
    resources: [accountParametersArn(scope)],
    conditions: { StringLike: { [OWNER_TAG_CONDITION_KEY]: ownedByThisStack() } },
  });
}

/**
 * S3: reading tags on any parameter of the account and region. Tags hold no secret, and the handler must
 * tell a parameter that is gone from one another owner holds for any name, so an AccessDenied here always
 * means a broken IAM setup, never "not ours".
 */
export function readOwnershipTags(scope: IConstruct): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'ReadOwnershipTags',
    actions: ['ssm:ListTagsForResource'],
    resources: [accountParametersArn(scope)],
  });
}

/**
 * S4: the three calls Parameter Store makes on the handler's behalf (Encrypt for Standard, GenerateDataKey
 * for Advanced, Decrypt on reads), on any key of the account, only through Parameter Store
 * (`kms:ViaService`) and only for a parameter's encryption context (`kms:EncryptionContext:PARAMETER_ARN`;
 * both keys apply to Encrypt, GenerateDataKey and Decrypt per the Service Authorization Reference for KMS).
 *
 * Parameter Store makes these calls only for a parameter the SSM statements already let the handler touch,
 * so S1 and S2 are the gate. Naming the keys instead would lock the handler out of what it owns after a
 * key change (decrypt under the old key, write under the new) or over parameters a deleted stack retained
 * under a key the template no longer has, and would grow the policy with every key. All three actions
 * whatever the tiers: a parameter may move from Standard to Advanced, and the old value is read back.
 *
 * @param otherAccountKeyArns keys of the template that may live in another account (`key/*` is this account's)
 */
export function useKeysOnlyThroughParameterStore(scope: IConstruct, otherAccountKeyArns: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'UseKeysOnlyThroughParameterStore',
    actions: [...PARAMETER_STORE_CRYPTO_ACTIONS].sort(),
    resources: [accountKeysArn(scope), ...otherAccountKeyArns],
    conditions: {
      StringEquals: { 'kms:ViaService': parameterStoreViaService(scope) },
      StringLike: { [`kms:EncryptionContext:${ENCRYPTION_CONTEXT_KEY}`]: accountParametersArn(scope) },
    },
  });
}

/**
 * S5: committed ciphertext (SecureValue.fromCiphertext) is decrypted by the handler itself, not through
 * Parameter Store: only on the keys that encrypted it, and only with the encryption context of a parameter
 * the template names.
 */
export function decryptCommittedCiphertext(keyArns: string[], patternArns: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'DecryptCommittedCiphertext',
    actions: ['kms:Decrypt'],
    resources: keyArns,
    conditions: { StringLike: { [`kms:EncryptionContext:${ENCRYPTION_CONTEXT_KEY}`]: patternArns } },
  });
}

/** Reading the secrets that SecureValue.fromSecret copies, and their keys only through Secrets Manager. */
export function copySecrets(scope: IConstruct, secrets: secretsmanager.ISecret[]): iam.PolicyStatement[] {
  if (secrets.length === 0) {
    return [];
  }
  const stack = Stack.of(scope);
  const keyArns = uniqueArns(scope, secrets.flatMap((s) => (s.encryptionKey ? [s.encryptionKey.keyArn] : [])));
  const read = new iam.PolicyStatement({
    sid: 'CopySecrets',
    actions: ['secretsmanager:GetSecretValue'],
    // a secret ARN has a random suffix; a partial ARN from fromSecretNameV2 needs the wildcard
    resources: uniqueArns(scope, secrets.map((s) => s.secretFullArn ?? `${s.secretArn}-??????`)),
  });
  if (keyArns.length === 0) {
    return [read];
  }
  const decrypt = new iam.PolicyStatement({
    sid: 'DecryptCopiedSecrets',
    actions: ['kms:Decrypt'],
    resources: keyArns,
    conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.${stack.urlSuffix}` } },
  });
  return [read, decrypt];
}

/**
 * Whether a key may live in another account than the scope's stack: its account differs, or only one of
 * the two is known at synth time. Such a key is not covered by `key/*` of the stack's account.
 */
export function mayBeInOtherAccount(scope: IConstruct, key: kms.IKey): boolean {
  const comparison = Token.compareStrings(key.env.account, Stack.of(scope).account);
  return comparison === TokenComparison.DIFFERENT || comparison === TokenComparison.ONE_UNRESOLVED;
}

/** ARNs without duplicates, compared as the template will hold them. */
export function uniqueArns(scope: IConstruct, arns: string[]): string[] {
  const stack = Stack.of(scope);
  const byResolved = new Map<string, string>();
  for (const arn of arns) {
    byResolved.set(JSON.stringify(stack.resolve(arn)), arn);
  }
  return [...byResolved.values()];
}

/**
 * A batched chunk's Delete asks CloudFormation for the chunk's recorded physical id, to tell the cleanup of
 * its previous generation (delete only the members its successor marked) from its own deletion
 * (batch-removals.ts). Only this stack's records: `stack/<stack name>/*`. In every handler's policy, like S2:
 * the cleanup Delete of a batched hierarchy that left the template runs under the new template's policy.
 */
export function readOwnStackRecords(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'ReadOwnStackRecords',
    actions: ['cloudformation:DescribeStackResource'],
    resources: [ownStackArns()],
  });
}

/** This stack, whatever the id CloudFormation gave it: `stack/<stack name>/*`. */
export function ownStackArns(): string {
  return `arn:${Aws.PARTITION}:cloudformation:${Aws.REGION}:${Aws.ACCOUNT_ID}:stack/${Aws.STACK_NAME}/*`;
}

/**
 * A ParameterReplica's sources: the history and value of the parameters of the same names in the source
 * region (their covering patterns, each ending in `/*` or exact), and only those that carry a source stack's
 * owner tag: another stack's parameter, or one made by hand under the same path, stays out of reach.
 */
export function readReplicaSources(sourceRegion: string, patternArns: string[], sourceStackNames: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: `ReadReplicaSourcesIn${regionSid(sourceRegion)}`,
    actions: ['ssm:GetParameter', 'ssm:GetParameterHistory'],
    resources: patternArns,
    conditions: { StringLike: { [OWNER_TAG_CONDITION_KEY]: oneOrMany([...new Set(sourceStackNames)].sort().map((name) => `${name}/*`)) } },
  });
}

/**
 * Reading a source decrypts it: Parameter Store of the source region calls kms:Decrypt for the role, under the
 * source parameter's encryption context. Any key of the account in that region (like S4: a source's key may
 * change), only through that region's Parameter Store and only for the sources' contexts.
 */
export function decryptReplicaSources(scope: IConstruct, sourceRegion: string, patternArns: string[]): iam.PolicyStatement {
  const stack = Stack.of(scope);
  // the partition and URL suffix of the replica's stack: one account, so one partition
  return new iam.PolicyStatement({
    sid: `DecryptReplicaSourcesIn${regionSid(sourceRegion)}`,
    actions: ['kms:Decrypt'],
    resources: [sourceKeysArn(scope, sourceRegion)],
    conditions: {
      StringEquals: { 'kms:ViaService': `ssm.${sourceRegion}.${stack.urlSuffix}` },
      StringLike: { [`kms:EncryptionContext:${ENCRYPTION_CONTEXT_KEY}`]: patternArns },
    },
  });
}

/** A condition value as IAM shows it: a string for one, a list for more. */
function oneOrMany(values: string[]): string | string[] {
  return values.length === 1 ? values[0] : values;
}

/** Every KMS key of the stack's account in the source region. */
export function sourceKeysArn(scope: IConstruct, sourceRegion: string): string {
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:kms:${sourceRegion}:${stack.account}:key/*`;
}

/** `eu-west-1` → `EuWest1`: statement ids are alphanumeric. */
function regionSid(region: string): string {
  return region.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
}

/**
 * A function in a VPC: what AWSLambdaVPCAccessExecutionRole grants, without an AWS-managed policy (AwsSolutions-IAM4).
 * aws-cdk-lib adds nothing to a role the app gives a function, and Lambda refuses to create the function without it.
 */
export function attachToVpc(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'AttachToVpc',
    actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
    resources: ['*'],
  });
}
