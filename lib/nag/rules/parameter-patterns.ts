import { globMatches } from './template-reading';

/**
 * How wide an ARN pattern (a statement's resource, or an encryption-context value) is over Parameter
 * Store parameters. The pattern is text as cdk-nag prints it: `<AWS::Region>` stands for a value known
 * at deploy time, which is as specific as a literal.
 */

/** A parameter name no real path starts with, to test whether a pattern leaves the first level open. */
const PROBE = '_cdk-nag-probe_';

export enum ParameterReach {
  /** The pattern cannot match a parameter ARN (another service, another resource type, a reference). */
  NONE = 'none',
  /** Named parameters, or paths whose wildcard follows a `/`. */
  SCOPED = 'scoped',
  /** Every parameter: `*`, `arn:aws:ssm:*:*:*`, `arn:*:ssm:*`, `parameter/*` in any region or account. */
  EVERY_PARAMETER = 'every-parameter',
  /** A wildcard that does not follow `/`: `parameter/app/prod*` also matches `/app/production`. */
  PREFIX_WITHOUT_SLASH = 'prefix-without-slash',
}

/** What part of Parameter Store an ARN pattern matches. */
export function parameterReach(pattern: string): ParameterReach {
  const resource = resourcePartFor(pattern, 'ssm');
  if (resource === undefined) {
    return ParameterReach.NONE;
  }
  if (globMatches(resource, `parameter/${PROBE}`) || globMatches(resource, `parameter/${PROBE}/${PROBE}`)) {
    return ParameterReach.EVERY_PARAMETER;
  }
  if (!resource.startsWith('parameter/')) {
    return globMatches(resource.split('/')[0], 'parameter') ? ParameterReach.SCOPED : ParameterReach.NONE;
  }
  return /[^/][*?]/.test(resource.slice('parameter'.length)) ? ParameterReach.PREFIX_WITHOUT_SLASH : ParameterReach.SCOPED;
}

/** Whether the pattern reaches beyond named parameters and `/`-terminated paths. */
export function isTooWide(pattern: string): boolean {
  const reach = parameterReach(pattern);
  return reach === ParameterReach.EVERY_PARAMETER || reach === ParameterReach.PREFIX_WITHOUT_SLASH;
}

/**
 * The resource part (`parameter/app/*`, `key/*`) of a pattern that can match ARNs of `service`, or
 * undefined. IAM lets a `*` that ends a segment match across the colons after it, so `arn:*:ssm:*`
 * covers every SSM resource; a pattern that is not an ARN (`*`) is matched against a whole ARN.
 *
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html#reference_policies_elements_resource_wildcards
 */
export function resourcePartFor(pattern: string, service: string): string | undefined {
  // deploy-time values (`<AWS::Partition>`) are one literal each; their own `::` must not split segments
  const text = pattern.replace(/<[^<>]*>/g, 'deploy-time-value');
  if (!text.startsWith('arn:')) {
    return globMatches(text, `arn:aws:${service}:region:account:${PROBE}`) ? '*' : undefined;
  }
  const segments = text.split(':');
  while (segments.length < 6 && segments[segments.length - 1].endsWith('*')) {
    segments.push('*');
  }
  if (segments.length < 6 || !globMatches(segments[2].toLowerCase(), service)) {
    return undefined;
  }
  return segments.slice(5).join(':');
}

/** Whether a pattern matches KMS keys it does not name: `*`, `arn:aws:kms:*`, `key/*`. */
export function coversUnnamedKeys(pattern: string): boolean {
  const resource = resourcePartFor(pattern, 'kms');
  return resource !== undefined && globMatches(resource, `key/${PROBE}`);
}
