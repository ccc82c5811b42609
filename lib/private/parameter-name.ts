import { Stack, Token } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { IConstruct } from 'constructs';
import { ParameterValidationError } from './validation-error';

/** @see https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html */
const NAME_CHARACTERS = /^[a-zA-Z0-9_.\-/]+$/;
const RESERVED_PREFIX = /^\/?(aws|ssm)/i;
export const MAX_HIERARCHY_LEVELS = 15;
const MAX_ARN_LENGTH = 1011;
/** Stand-ins for a partition, region or account that are tokens: the longest each can be. */
const LONGEST = { partition: 'aws-us-gov', region: 'ap-southeast-5', account: '123456789012' };

/**
 * Everything wrong with a parameter name, as sentences naming the rule; empty when valid.
 * The name must be concrete: the handler's permissions and the encryption context derive from it.
 */
export function parameterNameProblems(scope: IConstruct, name: string): string[] {
  if (Token.isUnresolved(name)) {
    return ['it must be a concrete string, not a token: grants and the encryption context are derived from it at synth time'];
  }
  const problems: string[] = [];
  if (name.length === 0) {
    return ['a parameter name cannot be empty'];
  }
  if (!NAME_CHARACTERS.test(name)) {
    problems.push("it may contain only a-z, A-Z, 0-9, '_', '.', '-' and '/'");
  }
  if (name.includes('/') && !name.startsWith('/')) {
    problems.push("a name with '/' must start with '/'");
  }
  if (name.includes('//') || name.endsWith('/')) {
    problems.push("it cannot have an empty level ('//', or a trailing '/')");
  }
  const dots = dotLevelProblem(name);
  if (dots !== undefined) {
    problems.push(dots);
  }
  if (RESERVED_PREFIX.test(name)) {
    problems.push("it cannot start with 'aws' or 'ssm' (any case, with or without a leading '/')");
  }
  const levels = name.replace(/^\//, '').split('/').length;
  if (levels > MAX_HIERARCHY_LEVELS) {
    problems.push(`it has ${levels} levels; Parameter Store allows at most ${MAX_HIERARCHY_LEVELS}`);
  }
  const arnLength = arnPrefix(scope).length + name.replace(/^\//, '').length;
  if (arnLength > MAX_ARN_LENGTH) {
    problems.push(`its ARN would be ${arnLength} characters; Parameter Store allows at most ${MAX_ARN_LENGTH}`);
  }
  return problems;
}

/**
 * A level that is exactly `.` or `..` is refused, though Parameter Store's documented characters allow it
 * (`.` inside a level, as in `v1.2` or `.env`, stays legal): a name is not a file path and nothing resolves
 * them, so `/app/prod/../x` never means /app/x. Such a level is a mistake, found at synth, not at runtime.
 */
export function dotLevelProblem(name: string): string | undefined {
  return name.split('/').some((level) => level === '.' || level === '..')
    ? "no level can be '.' or '..' (names are not file paths: nothing resolves them, and /app/prod/../x is not /app/x)"
    : undefined;
}

function arnPrefix(scope: IConstruct): string {
  const stack = Stack.of(scope);
  const concrete = (value: string, longest: string) => (Token.isUnresolved(value) ? longest : value);
  // the partition is a token in most stacks, but a concrete region tells it
  const regionPartition = Token.isUnresolved(stack.region) ? undefined : RegionInfo.get(stack.region).partition;
  const partition = regionPartition ?? concrete(stack.partition, LONGEST.partition);
  return `arn:${partition}:ssm:${concrete(stack.region, LONGEST.region)}:${concrete(stack.account, LONGEST.account)}:parameter/`;
}

/** The parameter's ARN (a concrete name): Parameter Store drops the leading slash after `parameter/`. */
export function parameterArnFor(scope: IConstruct, name: string): string {
  const stack = Stack.of(scope);
  return `arn:${stack.partition}:ssm:${stack.region}:${stack.account}:parameter/${name.replace(/^\//, '')}`;
}

/** Throws unless `path` is a hierarchy's path: a parameter name that starts with `/` and names at least one level. */
export function assertValidHierarchyPath(scope: IConstruct, path: string): void {
  const problems = parameterNameProblems(scope, path);
  if (!path.startsWith('/') || path === '/') {
    problems.unshift("a hierarchy path starts with '/' and names at least one level (e.g. /myapp/prod)");
  }
  if (problems.length > 0) {
    throw new ParameterValidationError(scope, `path '${path}' is invalid: ${[...new Set(problems)].join('; ')}`);
  }
}
