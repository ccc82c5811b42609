import { CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { flattenReference } from '../../private/nag-finding-id';

/** What the rules need to read from a synthesized tree, shared by them. */

/** The CloudFormation type of each SecureString this library creates. */
export const SECURE_STRING_TYPE = 'Custom::SecureStringParameter';

export interface PolicyStatementJson {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly Resource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
  readonly [key: string]: unknown;
}

/** A resource's properties, resolved; works for raw CfnResources (custom resources) that have no typed props. */
export function resolvedProperties(node: CfnResource): Record<string, any> {
  const properties = (node as unknown as { cfnProperties: Record<string, unknown> }).cfnProperties ?? {};
  return Stack.of(node).resolve(properties) ?? {};
}

/** Every SecureString of this library in the node's stack, with its resolved properties. */
export function secureStringsOf(node: CfnResource): Array<Record<string, any>> {
  return Stack.of(node)
    .node.findAll()
    .filter((c): c is CfnResource => CfnResource.isCfnResource(c) && c.cfnResourceType === SECURE_STRING_TYPE)
    .map(resolvedProperties);
}

/** The keys the stack's SecureStrings use: logical ids of keys in the template, and literal key ids or ARNs. */
export function parameterKeysOf(node: CfnResource): { logicalIds: Set<string>; literals: Set<string> } {
  const logicalIds = new Set<string>();
  const literals = new Set<string>();
  for (const properties of secureStringsOf(node)) {
    const keyId = properties.KeyId;
    const getAtt = keyId?.['Fn::GetAtt'] ?? (keyId?.Ref ? [keyId.Ref] : undefined);
    if (getAtt) logicalIds.add(getAtt[0]);
    else if (typeof keyId === 'string') literals.add(keyId);
  }
  return { logicalIds, literals };
}

/** Every statement of an IAM identity policy (inline or managed) or a key policy on this resource. */
export function policyStatementsOf(node: CfnResource): PolicyStatementJson[] {
  const stack = Stack.of(node);
  const documents: unknown[] = [];
  if (node instanceof iam.CfnPolicy || node instanceof iam.CfnManagedPolicy) {
    documents.push(node.policyDocument);
  } else if (node instanceof iam.CfnRole || node instanceof iam.CfnUser || node instanceof iam.CfnGroup) {
    const inline = (stack.resolve(node.policies) ?? []) as Array<{ policyDocument: unknown }>;
    documents.push(...inline.map((p) => p.policyDocument));
  } else if (node instanceof kms.CfnKey) {
    documents.push(node.keyPolicy);
  }
  return documents.flatMap((d) => (stack.resolve(d)?.Statement ?? []) as PolicyStatementJson[]);
}

export function list<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Whether an IAM action pattern (`kms:*`, `ssm:GetParameter*`, `*`) covers `action`. */
export function actionCovers(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
  return regex.test(action);
}

/** A resource of a statement as one string (`arn:<AWS::Partition>:ssm:...`), or the logical id of a GetAtt/Ref. */
export function resourceText(resource: unknown): string {
  return flattenReference(resource);
}

/** Whether any condition of the statement (any operator) tests one of `keys`, compared without case. */
export function conditionsTest(statement: PolicyStatementJson, keys: string[]): boolean {
  const wanted = keys.map((k) => k.toLowerCase());
  return Object.values(statement.Condition ?? {}).some((byKey) => Object.keys(byKey).some((k) => wanted.includes(k.toLowerCase())));
}
