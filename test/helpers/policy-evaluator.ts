/**
 * IAM policy evaluation for the subset this library emits, to prove what grants allow and deny.
 *
 * Why our own: @cloud-copilot/iam-simulate 0.1.173 drops `kms:EncryptionContext:*` request keys and
 * reports every such request as denied — a test on it would pass with the grant removed.
 * This one throws on anything it does not implement (NotAction, NotResource, unknown operators),
 * so it can never answer by accident.
 */
export interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Principal?: { AWS: string | string[] } | '*';
  readonly Condition?: Record<string, Record<string, string | string[]>>;
  readonly [other: string]: unknown;
}

export interface AuthorizationRequest {
  readonly principalArn: string;
  readonly action: string;
  readonly resource: string;
  /** Request context keys, e.g. `kms:ViaService`, `kms:EncryptionContext:PARAMETER_ARN`. */
  readonly context: Record<string, string>;
}

/** Whether `request` is allowed by identity policies and, when the resource has one, its resource policy. */
export function isAllowed(
  request: AuthorizationRequest,
  identity: Statement[],
  resourcePolicy?: { statements: Statement[]; account: string },
): boolean {
  const all = [...identity, ...(resourcePolicy?.statements ?? [])];
  if (all.some((s) => s.Effect === 'Deny' && matches(s, request, resourcePolicy !== undefined && resourcePolicy.statements.includes(s)))) {
    return false;
  }
  const identityAllows = identity.some((s) => s.Effect === 'Allow' && matches(s, request, false));
  if (!resourcePolicy) {
    return identityAllows;
  }
  const principalAccount = request.principalArn.split(':')[4];
  const direct = resourcePolicy.statements.some((s) => s.Effect === 'Allow' && principalMatch(s, request) === 'principal' && matches(s, request, true));
  const delegated = resourcePolicy.statements.some((s) => s.Effect === 'Allow' && principalMatch(s, request) === 'account' && matches(s, request, true));
  if (principalAccount === resourcePolicy.account) {
    // KMS: the key policy allows the principal itself, or delegates to the account's IAM policies
    return direct || (delegated && identityAllows);
  }
  // another account: both the key policy and the principal's own policy must allow it
  return (direct || delegated) && identityAllows;
}

function matches(statement: Statement, request: AuthorizationRequest, isResourcePolicy: boolean): boolean {
  for (const unsupported of ['NotAction', 'NotResource', 'NotPrincipal']) {
    if (unsupported in statement) throw new Error(`the evaluator does not implement ${unsupported}`);
  }
  if (isResourcePolicy && principalMatch(statement, request) === 'none') return false;
  return (
    list(statement.Action).some((a) => glob(a, request.action, true)) &&
    list(statement.Resource).some((r) => glob(r, request.resource, false)) &&
    conditionsMatch(statement.Condition ?? {}, request.context)
  );
}

function principalMatch(statement: Statement, request: AuthorizationRequest): 'principal' | 'account' | 'none' {
  if (statement.Principal === undefined) return 'none';
  if (statement.Principal === '*') return 'principal';
  const account = request.principalArn.split(':')[4];
  for (const p of list(statement.Principal.AWS)) {
    if (p === request.principalArn) return 'principal';
    if (p === `arn:${request.principalArn.split(':')[1]}:iam::${account}:root` || p === account) return 'account';
  }
  return 'none';
}

const OPERATORS: Record<string, (expected: string, actual: string) => boolean> = {
  StringEquals: (e, a) => e === a,
  StringLike: (e, a) => glob(e, a, false),
  ArnEquals: (e, a) => e === a,
  ArnLike: (e, a) => glob(e, a, false),
};

function conditionsMatch(conditions: Record<string, Record<string, string | string[]>>, context: Record<string, string>): boolean {
  return Object.entries(conditions).every(([operator, keys]) => {
    const compare = OPERATORS[operator];
    if (!compare) throw new Error(`the evaluator does not implement the ${operator} operator`);
    return Object.entries(keys).every(([key, expected]) => {
      // condition key names are case-insensitive; a missing key never matches
      const actual = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
      return actual !== undefined && list(expected).some((e) => compare(e, actual));
    });
  });
}

function glob(pattern: string, value: string, ignoreCase: boolean): boolean {
  const regex = new RegExp(`^${pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`, ignoreCase ? 'i' : '');
  return regex.test(value);
}

function list<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}
