import { ParameterHistory } from '@aws-sdk/client-ssm';

/** Values up to this many bytes fit the Standard tier. */
const STANDARD_MAX_BYTES = 4096;

/**
 * The tier Parameter Store stores a write under. Intelligent-Tiering is no tier of its own: it stores
 * Standard unless the value is over 4 KB, the write has policies, or the parameter is already Advanced
 * (Advanced never goes back). moto keeps "Intelligent-Tiering" as given, so the IAM layer also rewrites
 * the request to the stored tier.
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html
 */
export function storedTier(input: { Tier?: string; Value?: string; Policies?: string }, current: ParameterHistory | undefined): string {
  const tier = input.Tier ?? current?.Tier ?? 'Standard';
  if (tier !== 'Intelligent-Tiering') {
    return tier;
  }
  const needsAdvanced = current?.Tier === 'Advanced' || Buffer.byteLength(input.Value ?? '', 'utf8') > STANDARD_MAX_BYTES || hasPolicies(input.Policies);
  return needsAdvanced ? 'Advanced' : 'Standard';
}

/** The KMS action Parameter Store calls to encrypt a SecureString under each stored tier. */
export function encryptActionOf(tier: string): string {
  // Standard encrypts the value with KMS; Advanced encrypts it under a data key (envelope encryption)
  return tier === 'Advanced' ? 'kms:GenerateDataKey' : 'kms:Encrypt';
}

/** `[{}]` (and an empty array) clears the policies: no policy to hold. */
function hasPolicies(policies: string | undefined): boolean {
  if (!policies) {
    return false;
  }
  const parsed = JSON.parse(policies) as unknown[];
  return parsed.some((p) => p !== null && typeof p === 'object' && Object.keys(p).length > 0);
}
