import { failedOperation } from './retry';

/**
 * Turns AWS errors into FAILED reasons an operator can act on: which parameter, which key or secret,
 * what state it is in, and what to do. Raw AWS messages are quoted only where they cannot carry the
 * value (policy, pattern and IAM messages); `redact` in the entry point is the last safety net.
 */

/** What the handler was doing when the error happened. */
export interface ErrorContext {
  /** The parameter's name. */
  readonly parameterName: string;
  /** The KMS key of the parameter (or of the ciphertext). */
  readonly keyId: string;
  /** The Secrets Manager secret, for `fromSecret` values. */
  readonly secretArn?: string;
  /** Whose role made the call, as the fix names it: `handler` (the default), `rotator` or `copier`. */
  readonly caller?: string;
}

/** An error whose message is already written for the operator and is safe to return. */
export class OperatorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OperatorError';
  }
}

interface AwsError {
  readonly name: string;
  readonly message: string;
}

interface ExplainContext extends ErrorContext {
  readonly operation: string;
}

type Explainer = (ctx: ExplainContext, err: AwsError) => string;

/** The operator's message for any error the handler can meet. */
export function explainError(err: unknown, ctx: ErrorContext): string {
  if (err instanceof OperatorError) {
    return `${ctx.parameterName}: ${err.message}`;
  }
  const aws = asAwsError(err);
  const operation = failedOperation(err) ?? 'the handler';
  const explain = EXPLAINERS[aws.name];
  const where = `${ctx.parameterName}: ${operation} failed`;
  return explain
    ? `${where}: ${explain({ ...ctx, operation }, aws)}`
    : `${where} with ${aws.name}. ${retryAdvice(ctx)}; if it fails again, check the parameter and its KMS key in the console.`;
}

/** What to do about a transient failure: deploy again, or (the rotator's) nothing, since its retries follow. */
function retryAdvice(ctx: ErrorContext): string {
  switch (ctx.caller) {
    case 'rotator':
      return 'Lambda retries the rotation, and the next scheduled one tries again';
    case 'copier':
      return 'Lambda retries the copy, and the next change of the source copies it again';
    default:
      return 'Retry the deployment';
  }
}

function asAwsError(err: unknown): AwsError {
  if (err && typeof err === 'object' && 'name' in err) {
    const e = err as { name: unknown; message?: unknown };
    return { name: String(e.name), message: typeof e.message === 'string' ? e.message : '' };
  }
  return { name: 'UnknownError', message: '' };
}

/** Key states reported in KMS and SSM messages, and what the operator must do about each. */
const KEY_STATES: Array<{ pattern: RegExp; explain: (key: string) => string }> = [
  {
    pattern: /pending ?deletion/i,
    explain: (key) => `KMS key ${key} is pending deletion. Cancel the deletion (aws kms cancel-key-deletion --key-id ${key}) and enable the key, or choose another key.`,
  },
  {
    pattern: /pending ?import/i,
    explain: (key) => `KMS key ${key} is pending import: its key material was never imported or has expired. Finish the import (aws kms import-key-material) or choose another key.`,
  },
  {
    pattern: /disabled/i,
    explain: (key) => `KMS key ${key} is disabled. Enable it (aws kms enable-key --key-id ${key}) or choose another key.`,
  },
  {
    pattern: /not ?found|does not exist|doesn't exist/i,
    explain: (key) => `KMS key ${key} was not found. Check that the key ARN or alias is right and that the key is in the same region as the parameter.`,
  },
];

function keyState(ctx: ExplainContext, err: AwsError): string {
  const state = KEY_STATES.find((s) => s.pattern.test(err.message));
  return state
    ? state.explain(ctx.keyId)
    : `KMS key ${ctx.keyId} cannot be used (${err.name}). Check that it exists in this region, is enabled, and is a symmetric ENCRYPT_DECRYPT key.`;
}

/** `User: arn:... is not authorized to perform: kms:GenerateDataKey on resource: ...` → `kms:GenerateDataKey`. */
function deniedAction(err: AwsError, fallback: string): string {
  return /not authorized to perform:? ([a-z0-9-]+:[A-Za-z0-9]+)/.exec(err.message)?.[1] ?? fallback;
}

/**
 * The key a denied KMS call was on, from `... on resource: arn:aws:kms:<region>:<account>:key/<id> because ...`;
 * the template's key otherwise. They differ when Parameter Store decrypts a version written under another
 * key (a key change, a stack re-created over retained parameters).
 */
function deniedKey(err: AwsError, fallback: string): string {
  return /on resource:? (arn:[a-z-]+:kms:[a-z0-9-]*:\d*:(?:key|alias)\/[A-Za-z0-9/_-]+)/.exec(err.message)?.[1] ?? fallback;
}

function accessDenied(ctx: ExplainContext, err: AwsError): string {
  const action = deniedAction(err, ctx.operation);
  const byKeyPolicy = /resource-based policy|key policy/i.test(err.message);
  const onKey = action.startsWith('kms:');
  const resource = onKey ? `KMS key ${deniedKey(err, ctx.keyId)}` : action.startsWith('secretsmanager:') ? `secret ${ctx.secretArn}` : `parameter ${ctx.parameterName}`;
  const caller = ctx.caller ?? 'handler';
  const fix = byKeyPolicy || onKey
    ? `Allow ${action} for the ${caller}'s role in the key policy of ${resource} (a ParameterKey does this for you) and in the role's IAM policy.`
    : `Allow ${action} on ${resource} in the ${caller} role's IAM policy.`;
  return `access denied for ${action} on ${resource}. ${fix}${onKey ? ' Keys that are not ParameterKeys must allow it with kms:ViaService ssm.<region>.amazonaws.com or without conditions.' : ''}`;
}

/** How to make a committed ciphertext for this parameter (README, "Bringing an existing secret"). */
const encryptAgain = (ctx: ExplainContext) =>
  `Encrypt the value again for this parameter (printf '%s' "$VALUE" | npx --no-install cdk-secure-parameters encrypt --parameter ${ctx.parameterName}) and commit the output.`;

const policyRejected: Explainer = (_ctx, err) =>
  `Parameter Store rejected the parameter policies (${err.name}): ${err.message} Fix the policies of this parameter (at most one Expiration, notifications only with an Expiration, at most 10 policies).`;

const EXPLAINERS: Record<string, Explainer> = {
  // KMS key state, as SSM reports it
  InvalidKeyId: keyState,
  // KMS key state, as KMS reports it (committed ciphertext is decrypted directly)
  DisabledException: keyState,
  KMSInvalidStateException: keyState,
  NotFoundException: keyState,
  KeyUnavailableException: (ctx) => `KMS key ${ctx.keyId} is temporarily unavailable. ${retryAdvice(ctx)}.`,
  InvalidCiphertextException: (ctx) =>
    `the committed ciphertext cannot be decrypted under key ${ctx.keyId} with encryption context PARAMETER_ARN=<this parameter's ARN>. ` +
    `It was made under another key, for another parameter, or is corrupted. ${encryptAgain(ctx)}`,
  IncorrectKeyException: (ctx) =>
    `the committed ciphertext was made under another KMS key, not ${ctx.keyId}. ${encryptAgain(ctx)}`,
  AccessDeniedException: accessDenied,
  KMSAccessDeniedException: accessDenied,
  // Secrets Manager
  ResourceNotFoundException: (ctx) =>
    `secret ${ctx.secretArn} was not found, or has no current version. Check the secret ARN and region, and that the secret has a value.`,
  DecryptionFailure: (ctx) =>
    `Secrets Manager cannot decrypt secret ${ctx.secretArn} with its KMS key. Check that the secret's key is enabled and its key policy allows the handler's role kms:Decrypt via secretsmanager.`,
  InvalidRequestException: (ctx) =>
    `secret ${ctx.secretArn} cannot be read now (it may be scheduled for deletion). Restore it (aws secretsmanager restore-secret) or point to another secret.`,
  // Parameter Store
  ParameterNotFound: (ctx) => `parameter ${ctx.parameterName} does not exist (it may have been deleted outside CloudFormation).`,
  HierarchyLevelLimitExceededException: () => 'the name has more than 15 hierarchy levels. Use a shorter path.',
  HierarchyTypeMismatchException: () =>
    'a parameter of another type already has this name, and a parameter cannot change type. Delete it or choose another name.',
  ParameterLimitExceeded: () =>
    'the account has reached its Standard-tier parameter quota (10,000 per region). Use tier Advanced or delete unused parameters.',
  ParameterMaxVersionLimitExceeded: () =>
    'the parameter has 100 versions and the oldest one carries a label set outside this stack (the handler moves its own src- labels), ' +
    'so it cannot be dropped for a new version. Move or remove that label (aws ssm unlabel-parameter-version) and retry.',
  TooManyUpdates: () =>
    'another writer kept updating this parameter while the handler retried. Stop the concurrent writer (or another stack managing the same name) and retry the deployment.',
  ThrottlingException: () =>
    'Parameter Store throttled the request even after retries. Enable higher throughput (aws ssm update-service-setting --setting-id /ssm/parameter-store/high-throughput-enabled --setting-value true) or deploy fewer parameters at once.',
  InvalidAllowedPatternException: () => 'allowedPattern is not a valid regular expression for Parameter Store. Fix the pattern.',
  ParameterPatternMismatchException: () => 'the value does not match the parameter\'s allowedPattern. Change the value source or the pattern.',
  UnsupportedParameterType: () => 'Parameter Store does not support this parameter type here.',
  InvalidPolicyTypeException: policyRejected,
  InvalidPolicyAttributeException: policyRejected,
  IncompatiblePolicyException: policyRejected,
  PoliciesLimitExceededException: policyRejected,
  InternalServerError: (ctx) => `Parameter Store failed internally. ${retryAdvice(ctx)}.`,
  // the handler's own deadline (retry.ts): it stops waiting so that CloudFormation still gets this answer
  AbortError: (ctx) =>
    `no answer from ${ctx.operation} before the handler's time limit, so it stopped to answer CloudFormation. Retry the deployment; ` +
    'if it recurs, check that the handler reaches the AWS APIs (NAT gateway or ssm, kms and secretsmanager VPC endpoints) and whether Parameter Store throttles this account.',
  ValidationException: () =>
    'Parameter Store rejected the request as invalid. Check that the value fits the tier (4 KB Standard, 8 KB Advanced) and that the tier is not being lowered from Advanced to Standard.',
};

/** Failure messages quoted in an error that CloudFormation or a dead-letter queue shows; the log has all of them. */
const QUOTED_FAILURES = 3;

/** The first failure messages, joined, and how many more `log` holds: `a | b | c | and 4 more in the rotator's log`. */
export function quoteFailures(messages: readonly string[], log: string): string {
  const more = messages.length > QUOTED_FAILURES ? ` | and ${messages.length - QUOTED_FAILURES} more in ${log}` : '';
  return `${messages.slice(0, QUOTED_FAILURES).join(' | ')}${more}`;
}

/** Whether `err` is the AWS error named `name` (the SDK sets an error's name to the service's error code). */
export function isAwsError(err: unknown, name: string): boolean {
  return err instanceof Error && err.name === name;
}

/** What `call` returns, or nothing when the parameter it reads or deletes does not exist (any other error is thrown). */
export async function unlessParameterNotFound<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    if (isAwsError(err, 'ParameterNotFound')) {
      return undefined;
    }
    throw err;
  }
}
