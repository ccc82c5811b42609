import { AccessCheck, Environment, kmsViaService } from './access-check';
import { EmulatorState } from './emulator-state';

/**
 * The checks AWS makes for a Secrets Manager call: the action on the secret's full ARN and, when the
 * secret is encrypted under a customer-managed key, the kms:Decrypt Secrets Manager makes for the caller
 * (encryption context SecretARN and SecretVersionId; only SecretARN is known before the call).
 * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html
 */
export async function secretsChecks(operation: string, input: Record<string, any>, state: EmulatorState, env: Environment): Promise<AccessCheck[]> {
  const action = `secretsmanager:${operation}`;
  if (!['GetSecretValue', 'DescribeSecret'].includes(operation)) {
    throw new Error(`the IAM layer does not know ${action}: describe its checks in test/helpers/secrets-access.ts`);
  }
  const secret = await state.secret(input.SecretId);
  const resource = secret?.arn ?? input.SecretId;
  const checks: AccessCheck[] = [{ action, resource, context: {} }];
  if (operation === 'GetSecretValue' && secret?.kmsKeyId) {
    const keyArn = await state.keyArn(secret.kmsKeyId);
    checks.push(kmsViaService('secretsmanager', 'kms:Decrypt', keyArn, { SecretARN: secret.arn }, env));
  }
  return checks;
}
