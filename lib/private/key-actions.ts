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
 * What Parameter Store calls on the caller's behalf: `Encrypt` (Standard tier writes),
 * `GenerateDataKey` (Advanced tier writes, envelope encryption) and `Decrypt` (reads).
 */
export const PARAMETER_STORE_CRYPTO_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'];

/** Cryptographic actions a key that also serves direct KMS callers allows to the account's IAM policies. */
export const DIRECT_CRYPTO_ACTIONS = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
];
