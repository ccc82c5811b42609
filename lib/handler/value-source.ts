import { DecryptCommand } from '@aws-sdk/client-kms';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { Clients } from './clients';
import { OperatorError } from './errors';
import { generateValue } from './generator';
import { sourceValue } from './replica-source';
import { withRetries } from './retry';
import { generatorOptions } from './source-fingerprint';
import { ENCRYPTION_CONTEXT_KEY, SourceProperties, SourceType } from '../private/handler-protocol';

/** What resolving a value needs to know about the parameter. */
export interface ValueTarget {
  readonly name: string;
  readonly parameterArn: string;
  readonly keyId: string;
  /** Epoch milliseconds after which no retry starts. */
  readonly deadline: number;
}

/** The plaintext of a value source. The caller must never log or return it. */
export async function resolveValue(source: SourceProperties, target: ValueTarget, clients: Clients): Promise<string> {
  switch (source.Type) {
    case SourceType.GENERATED:
      return generateValue(generatorOptions(source.Options));
    case SourceType.CIPHERTEXT:
      return decryptCiphertext(source.Ciphertext ?? '', target, clients);
    case SourceType.SECRET:
      return readSecret(source.SecretArn ?? '', source.JsonField, target, clients);
    case SourceType.PLACEHOLDER:
    case SourceType.PLAINTEXT:
      return source.Text ?? '';
    case SourceType.REPLICA:
      return sourceValue(target.name, source, clients, target.deadline);
    default:
      throw new OperatorError(`unknown value source '${source.Type}': the handler and the construct versions differ; redeploy with one version of cdk-secure-parameters`);
  }
}

/** Sources whose value, once written, is kept across updates unless the source itself changes. */
export function keepsWrittenValue(source: SourceProperties): boolean {
  return source.Type === SourceType.GENERATED || source.Type === SourceType.PLACEHOLDER;
}

async function decryptCiphertext(ciphertext: string, target: ValueTarget, clients: Clients): Promise<string> {
  const decrypt = new DecryptCommand({
    CiphertextBlob: Buffer.from(ciphertext, 'base64'),
    KeyId: target.keyId,
    EncryptionContext: { [ENCRYPTION_CONTEXT_KEY]: target.parameterArn },
  });
  const result = await withRetries('kms:Decrypt', (options) => clients.kms.send(decrypt, options), target.deadline);
  return Buffer.from(result.Plaintext ?? new Uint8Array()).toString('utf8');
}

async function readSecret(secretArn: string, jsonField: string | undefined, target: ValueTarget, clients: Clients): Promise<string> {
  const get = new GetSecretValueCommand({ SecretId: secretArn });
  const result = await withRetries('secretsmanager:GetSecretValue', (options) => clients.secrets.send(get, options), target.deadline);
  if (result.SecretString === undefined) {
    throw new OperatorError(`secret ${secretArn} holds a binary value; only string secrets can be copied into a SecureString`);
  }
  return jsonField === undefined ? result.SecretString : jsonFieldOf(result.SecretString, jsonField, secretArn);
}

/** A field of a JSON secret. Errors name the fields that exist, never a value. */
function jsonFieldOf(secretString: string, field: string, secretArn: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw new OperatorError(`secret ${secretArn} is not JSON, so it has no field '${field}'; copy the whole secret (no jsonField) or store JSON`);
  }
  const record = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  const value = record[field];
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  const fields = Object.keys(record).join(', ') || 'none';
  throw new OperatorError(
    value === undefined
      ? `secret ${secretArn} has no JSON field '${field}' (fields: ${fields})`
      : `field '${field}' of secret ${secretArn} is not a string, number or boolean`,
  );
}
