import { TemplateResource } from './stack-template';
import { flattenReference } from '../../private/nag-finding-id';

/** What the rules read from policy documents, shared by them. */

export interface PolicyStatementJson {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly NotAction?: string | string[];
  readonly Resource?: unknown;
  readonly NotResource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
  readonly [key: string]: unknown;
}

/** Resources whose policies are identity policies: what a principal may do. */
export const IDENTITY_POLICY_TYPES = ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group'];

/** Every statement of an IAM identity policy (inline or managed) or a key policy in this resource. */
export function policyStatementsOf(resource: TemplateResource): PolicyStatementJson[] {
  const p = resource.properties;
  let documents: unknown[] = [];
  if (resource.type === 'AWS::IAM::Policy' || resource.type === 'AWS::IAM::ManagedPolicy') {
    documents = [p.PolicyDocument];
  } else if (IDENTITY_POLICY_TYPES.includes(resource.type)) {
    // L1 roles keep aws-cdk-lib's names (`policyDocument`), raw ones CloudFormation's
    const inlinePolicies = list(p.Policies as Array<{ PolicyDocument?: unknown; policyDocument?: unknown }> | undefined);
    documents = inlinePolicies.map((inline) => inline.PolicyDocument ?? inline.policyDocument);
  } else if (resource.type === 'AWS::KMS::Key') {
    documents = [p.KeyPolicy];
  }
  return documents.flatMap((d) => list((d as { Statement?: PolicyStatementJson | PolicyStatementJson[] } | undefined)?.Statement));
}

export function list<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Whether an IAM action pattern (`kms:*`, `ssm:GetParameter*`, `*`) covers `action`. Actions compare without case. */
export function actionCovers(pattern: string, action: string): boolean {
  return globMatches(pattern.toLowerCase(), action.toLowerCase());
}

/** Whether an Allow statement allows `action`: listed in `Action`, or not excluded by its `NotAction`. */
export function allowsAction(statement: PolicyStatementJson, action: string): boolean {
  if (statement.Effect !== 'Allow') {
    return false;
  }
  if (statement.NotAction !== undefined) {
    return !list(statement.NotAction).some((pattern) => actionCovers(pattern, action));
  }
  return list(statement.Action).some((pattern) => actionCovers(pattern, action));
}

/** IAM's wildcards: `*` any run of characters (colons and slashes included), `?` one character. */
export function globMatches(pattern: string, text: string): boolean {
  const regex = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${regex}$`, 's').test(text);
}

/** A template value as one string (`arn:<AWS::Partition>:ssm:...`, `<Key1234.Arn>`), the way cdk-nag prints it. */
export function resourceText(resource: unknown): string {
  return flattenReference(resource);
}

/**
 * The values that a statement's conditions compare `key` with (compared without case), by operator,
 * e.g. `{ StringLike: ['arn:...:parameter/app/*'] }`.
 */
export function conditionValues(statement: PolicyStatementJson, key: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const [operator, byKey] of Object.entries(statement.Condition ?? {})) {
    for (const [k, values] of Object.entries(byKey ?? {})) {
      if (k.toLowerCase() === key.toLowerCase()) {
        found.set(operator, [...(found.get(operator) ?? []), ...list(values).map(resourceText)]);
      }
    }
  }
  return found;
}

/**
 * Operators under which a condition restricts a single-valued key: it must be in the request and match.
 * Not `…IfExists` (true when the key is absent), not `ForAllValues:` (true when the request has no value
 * for the key), not the negations (`StringNotEquals` opens everything else).
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
 */
export const RESTRICTING_OPERATORS = ['StringEquals', 'StringEqualsIgnoreCase', 'StringLike'].flatMap((o) => [o, `ForAnyValue:${o}`]);

/** A pattern value that matches anything (`*`, `**`, `?*`): no restriction at all. */
export function matchesAnything(value: string): boolean {
  return /^[*?]*\*[*?]*$/.test(value);
}
