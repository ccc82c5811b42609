import { Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * The `kms:ViaService` value for Parameter Store in the scope's region and partition
 * (`ssm.us-east-1.amazonaws.com`, `ssm.cn-north-1.amazonaws.com.cn`).
 */
export function parameterStoreViaService(scope: IConstruct): string {
  const stack = Stack.of(scope);
  return `ssm.${stack.region}.${stack.urlSuffix}`;
}
