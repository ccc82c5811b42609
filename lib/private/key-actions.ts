import * as ssm from 'aws-cdk-lib/aws-ssm';

/**
 * Key administration without any cryptographic action and without `kms:CreateGrant`:
 * a grant could hand out `kms:Decrypt` outside Parameter Store, bypassing the key policy's
 * `kms:ViaService` condition. Listed one by one so nothing new is granted by a wildcard.
 */
export const KEY_ADMIN_ACTIONS = [
  'kms:DescribeKey',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:ListGrants',
  'kms:RevokeGrant',
  'kms:PutKeyPolicy',
  'kms:EnableKey',
  'kms:DisableKey',
  'kms:EnableKeyRotation',
  'kms:DisableKeyRotation',
  'kms:RotateKeyOnDemand',
  'kms:UpdateKeyDescription',
  'kms:CreateAlias',
  'kms:UpdateAlias',
  'kms:DeleteAlias',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];

/**
 * What administering a multi-Region key adds: creating its replicas (CloudFormation calls ReplicateKey on the
 * primary for an `AWS::KMS::ReplicaKey`) and moving the primary to another region on failover (UpdatePrimaryRegion
 * is authorized on the primary and on the replica). Neither is cryptographic; a replica gets its own key policy.
 */
export const MULTI_REGION_ADMIN_ACTIONS = ['kms:ReplicateKey', 'kms:UpdatePrimaryRegion'];

/**
 * What Parameter Store calls on the caller's behalf: `Encrypt` (Standard tier writes),
 * `GenerateDataKey` (Advanced tier writes, envelope encryption) and `Decrypt` (reads).
 */
export const PARAMETER_STORE_CRYPTO_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'];

/**
 * What Parameter Store calls on a writer's behalf for each tier. Standard encrypts the value with
 * `kms:Encrypt`; Advanced uses envelope encryption (`kms:GenerateDataKey`); Intelligent-Tiering stores a
 * value as Standard while it fits Standard's limits and carries no policies, as Advanced otherwise, so it
 * needs both.
 *
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/services-parameter-store.html
 */
const TIER_KEY_ACTIONS: Record<string, string[]> = {
  [ssm.ParameterTier.STANDARD]: ['kms:Encrypt'],
  [ssm.ParameterTier.ADVANCED]: ['kms:GenerateDataKey'],
  [ssm.ParameterTier.INTELLIGENT_TIERING]: ['kms:Encrypt', 'kms:GenerateDataKey'],
};

/** The KMS actions a writer of a parameter of this tier needs (see {@link TIER_KEY_ACTIONS}). */
export function tierKeyActions(tier: string): string[] {
  const actions = TIER_KEY_ACTIONS[tier];
  if (actions === undefined) {
    throw new Error(`unknown parameter tier '${tier}': expected one of ${Object.keys(TIER_KEY_ACTIONS).join(', ')}`);
  }
  return [...actions];
}

/** Cryptographic actions a key that also serves direct KMS callers allows to the account's IAM policies. */
export const DIRECT_CRYPTO_ACTIONS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
];
