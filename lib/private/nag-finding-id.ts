import { Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * The id cdk-nag gives a wildcard resource in a policy (`Resource::arn:<AWS::Partition>:ssm:...`),
 * built the way cdk-nag flattens intrinsics: `Ref X` → `<X>`, `Fn::GetAtt [A, B]` → `<A.B>`,
 * `Fn::Join` concatenated. Used to acknowledge exactly that finding and no other.
 */
export function wildcardResourceFinding(scope: IConstruct, ruleId: string, resourceArn: string): string {
  return `${ruleId}[Resource::${flattenReference(Stack.of(scope).resolve(resourceArn))}]`;
}

/** A resolved template value as one string, the way cdk-nag prints it. */
export function flattenReference(node: unknown): string {
  const flatten = flattenReference;
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const value = node as Record<string, any>;
  if (value['Fn::Join']) {
    const [delimiter, items] = value['Fn::Join'];
    return (items as unknown[]).map(flatten).join(delimiter);
  }
  if (value['Fn::Sub']) return flatten(value['Fn::Sub']);
  if (value['Fn::GetAtt']) {
    const [resource, attribute] = value['Fn::GetAtt'];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (value['Fn::ImportValue']) return flatten(value['Fn::ImportValue']);
  if (value.Ref) return `<${flatten(value.Ref)}>`;
  return JSON.stringify(node);
}

/**
 * The id ParameterStoreChecks gives a `kms:Decrypt` encryption-context value that reaches every parameter
 * (`ParameterStore-ParameterKeyDecryptConditioned[Context::arn:<AWS::Partition>:ssm:...:parameter/*]`),
 * for the handler to acknowledge exactly its own account-wide context and no other finding.
 */
export function decryptContextFinding(scope: IConstruct, contextArn: string): string {
  return `ParameterStore-ParameterKeyDecryptConditioned[Context::${flattenReference(Stack.of(scope).resolve(contextArn))}]`;
}
