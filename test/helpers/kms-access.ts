import { AccessCheck, encryptionContextKeys } from './access-check';
import { EmulatorState } from './emulator-state';

/** Operations that take no key (CreateKey, ListKeys, ListAliases): authorized on `*`, no key policy. */
const KEYLESS = new Set(['CreateKey', 'ListKeys', 'ListAliases']);

/**
 * The check AWS makes for a direct KMS call: `kms:<Operation>` on the key's ARN, under its key policy,
 * with the request's encryption context and the caller's account.
 * @see https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html
 */
export async function kmsChecks(operation: string, input: Record<string, any>, state: EmulatorState, callerAccount: string): Promise<AccessCheck[]> {
  const action = `kms:${operation}`;
  if (KEYLESS.has(operation)) {
    return [{ action, resource: '*', context: {} }];
  }
  if (typeof input.KeyId !== 'string') {
    throw new Error(`the IAM layer needs the KeyId of ${action} to know which key policy applies`);
  }
  const keyArn = await state.keyArn(input.KeyId);
  const alias: Record<string, string> = input.KeyId.includes('alias/') ? { 'kms:RequestAlias': input.KeyId.replace(/^.*(alias\/)/, '$1') } : {};
  return [{ action, resource: keyArn, keyArn, context: { 'kms:CallerAccount': callerAccount, ...alias, ...encryptionContextKeys(input.EncryptionContext ?? {}) } }];
}
