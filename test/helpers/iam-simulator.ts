import { runSimulation, runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';

/**
 * IAM evaluation with @cloud-copilot/iam-simulate: identity policies, the resource's own policy (a KMS key
 * policy, with KMS's rule that a key policy must trust the account before IAM policies count), Deny,
 * every condition operator and set operator IAM has.
 *
 * Why `runUnsafeSimulation` evaluates and `runSimulation` only validates: in 0.1.173 `runSimulation`
 * drops every request context key that the action's data does not list literally
 * (`normalizeSimulationParameters` in simulation_engine/simulationEngine.js). A variable key is kept
 * only when its variable follows a `/` (`aws:ResourceTag/${TagKey}`, found by `listHasVariableKeyMatch`);
 * KMS declares `kms:EncryptionContext:${EncryptionContextKey}`, with a `:`, so
 * `kms:EncryptionContext:PARAMETER_ARN` is dropped in any spelling and every request that needs it is
 * denied. `runUnsafeSimulation` takes the context as given, so each policy is first validated by
 * `runSimulation` (the same request without its context), which refuses what the library cannot read.
 * `runUnsafeSimulation` also loads the resource policy without its name and then reads the name: it is
 * given as an already validated policy, which carries the name.
 * The library's validation is syntactic and an unknown condition operator simply matches nothing (so a
 * misspelled operator in a Deny would deny nothing), while IAM refuses such a policy: operators are
 * checked here against IAM's list.
 */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: unknown;
}

export interface AccessRequest {
  /** The IAM principal's ARN (a role ARN for a role session, as `aws:PrincipalArn` has it). */
  readonly principalArn: string;
  readonly action: string;
  readonly resource: string;
  /** Request context keys; multivalued keys (`aws:TagKeys`) as arrays. */
  readonly context: Readonly<Record<string, string | string[]>>;
}

export interface Policies {
  /** The identity policies of the principal. */
  readonly identity: readonly PolicyDocument[];
  /** The resource's own policy, when the resource has one (a KMS key policy). */
  readonly resource?: PolicyDocument;
}

export interface Decision {
  readonly allowed: boolean;
  /** Why a denied request is denied, worded as AWS words it after "is not authorized to perform: <action> on resource: <arn>". */
  readonly reason?: string;
}

/** Whether `policies` allow `request`, and if not, why. */
export async function authorize(request: AccessRequest, policies: Policies): Promise<Decision> {
  await validate(request, policies);
  const result = simulate(request, policies);
  if (result === 'Allowed') {
    return { allowed: true };
  }
  return { allowed: false, reason: denialReason(request, policies, result === 'ExplicitlyDenied') };
}

function simulate(request: AccessRequest, policies: Policies): string {
  const simulation: Simulation = {
    request: {
      principal: request.principalArn,
      action: request.action,
      resource: { resource: request.resource, accountId: accountOf(request.resource) ?? accountOf(request.principalArn)! },
      contextVariables: { ...request.context },
    },
    identityPolicies: policies.identity.map((policy, i) => ({ name: `identity-${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: policies.resource && { __validated: true, policyDocument: policies.resource, metadata: { name: 'resource' }, errors: [] },
  };
  // typed as EvaluationResult, it is the result string
  return runUnsafeSimulation(simulation, { simulationMode: 'Strict' }) as unknown as string;
}

/** Which side refused: the identity policies (against a resource policy that trusts the account) or the resource policy. */
function denialReason(request: AccessRequest, policies: Policies, explicit: boolean): string {
  const [, partition, , , account] = request.principalArn.split(':');
  const trustsAccount: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:${partition}:iam::${account}:root` }, Action: '*', Resource: '*' }],
  };
  const identityResult = simulate(request, { identity: policies.identity, resource: policies.resource && trustsAccount });
  const side = identityResult === 'Allowed' ? 'resource-based' : 'identity-based';
  return explicit ? `with an explicit deny in ${side === 'identity-based' ? 'an' : 'a'} ${side} policy` : `because no ${side} policy allows the ${request.action} action`;
}

const validated = new Set<string>();

/** Lets the library's validator refuse any document it would not read as IAM does. */
async function validate(request: AccessRequest, policies: Policies): Promise<void> {
  const key = JSON.stringify([request.action, policies]);
  if (validated.has(key)) {
    return;
  }
  const result = await runSimulation(
    {
      request: {
        principal: request.principalArn,
        action: request.action,
        resource: { resource: request.resource, accountId: accountOf(request.resource) ?? accountOf(request.principalArn)! },
        contextVariables: {},
      },
      identityPolicies: policies.identity.map((policy, i) => ({ name: `identity-${i}`, policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policies.resource,
    },
    {},
  );
  if (result.resultType === 'error') {
    throw new Error(`iam-simulate cannot evaluate ${request.action} on ${request.resource}: ${JSON.stringify(result.errors)}`);
  }
  const unknown = conditionOperators(policies).filter((op) => !IAM_CONDITION_OPERATOR.test(op));
  if (unknown.length > 0) {
    throw new Error(`iam-simulate cannot evaluate ${request.action} on ${request.resource}: IAM has no condition operator ${unknown.join(', ')}`);
  }
  validated.add(key);
}

/** IAM's condition operators, with their set and IfExists forms (IAM User Guide, "IAM JSON policy elements: Condition operators"). */
const IAM_CONDITION_OPERATOR = new RegExp(
  '^(ForAnyValue:|ForAllValues:)?(' +
    ['String(Not)?Equals(IgnoreCase)?', 'String(Not)?Like', 'Numeric(Not)?Equals', 'Numeric(LessThan|GreaterThan)(Equals)?', 'Date(Not)?Equals',
      'Date(LessThan|GreaterThan)(Equals)?', 'Bool', 'BinaryEquals', '(Not)?IpAddress', 'Arn(Not)?(Equals|Like)'].join('|') +
    ')(IfExists)?$|^Null$',
);

function conditionOperators(policies: Policies): string[] {
  const documents = [...policies.identity, ...(policies.resource ? [policies.resource] : [])];
  const statements = documents.flatMap((d) => [d.Statement].flat() as Array<{ Condition?: Record<string, unknown> }>);
  return statements.flatMap((s) => Object.keys(s.Condition ?? {}));
}

function accountOf(arn: string): string | undefined {
  return arn.split(':')[4] || undefined;
}
