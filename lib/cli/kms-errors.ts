export const NO_CREDENTIALS =
  'no AWS credentials were found. Sign in (aws sso login, or set AWS_PROFILE) with the account that the stack deploys to, and run this again';

/** What the command was doing when KMS answered with an error. */
export interface KmsCallContext {
  readonly action: 'kms:Encrypt' | 'kms:Decrypt';
  readonly keyId: string;
  readonly parameterArn: string;
}

type Explainer = (ctx: KmsCallContext, message: string) => string;

const denied: Explainer = (ctx, message) =>
  `KMS refused ${ctx.action} on ${ctx.keyId} with encryption context PARAMETER_ARN=${ctx.parameterArn} (${message}). ` +
  (ctx.action === 'kms:Encrypt'
    ? 'Allow kms:Encrypt on the key in your IAM policy. A ParameterKey\'s key policy allows it (statement AllowEncryptingValuesForCommittedCiphertext) ' +
      'once a stack with a SecureValue.fromCiphertext or SecureValue.placeholder() value under that key is deployed; ' +
      'for another key, its key policy must allow it'
    : 'A ParameterKey lets only the stack\'s handler role decrypt committed ciphertext directly (anyone else would see the value): ' +
      'run --check as a principal that the key policy allows kms:Decrypt with this encryption context. ' +
      'If the message says the key does not exist, the ciphertext was made in another region or account');

const EXPLAINERS: Record<string, Explainer> = {
  AccessDeniedException: denied,
  KMSAccessDeniedException: denied,
  NotFoundException: (ctx) => `KMS key ${ctx.keyId} does not exist in this account and region (or the alias names no key). Check --key, or deploy the stack that creates the key`,
  DisabledException: (ctx) => `KMS key ${ctx.keyId} is disabled. Enable it (aws kms enable-key --key-id <key id>) and run this again`,
  KMSInvalidStateException: (ctx) =>
    `KMS key ${ctx.keyId} cannot be used in its state (pending deletion, or pending import of its key material). ` +
    'Cancel the deletion (aws kms cancel-key-deletion) or finish the import, then run this again',
  KeyUnavailableException: (ctx) => `KMS key ${ctx.keyId} is temporarily unavailable. Run this again in a moment`,
  InvalidKeyUsageException: (ctx) => `KMS key ${ctx.keyId} is not a symmetric encryption key; Parameter Store supports only those`,
  InvalidCiphertextException: (ctx) =>
    `the ciphertext does not belong to this parameter: it does not decrypt under ${ctx.keyId} with PARAMETER_ARN=${ctx.parameterArn}. ` +
    'It was made for another parameter, under another key, or is corrupted. Encrypt the value again for this parameter',
  IncorrectKeyException: (ctx) => `the ciphertext was made under another KMS key, not ${ctx.keyId}. Encrypt the value again for this parameter`,
  CredentialsProviderError: () => NO_CREDENTIALS,
};

/** The user's message for an error of a KMS call: what happened, and what to do. */
export function explainKmsError(err: unknown, ctx: KmsCallContext): string {
  const name = (err as { name?: string }).name ?? 'Error';
  const message = (err as { message?: string }).message ?? String(err);
  const explain = EXPLAINERS[name];
  return explain ? explain(ctx, message) : `${ctx.action} failed with ${name}: ${message}`;
}
