import * as ssm from 'aws-cdk-lib/aws-ssm';
import { IConstruct } from 'constructs';
import { ParameterProperties, expirationJson } from './handler-protocol';
import { wholeUnits } from './policy-units';
import { ParameterValidationError } from './validation-error';
import { ParameterPolicy, ParameterPolicyType } from '../parameter-policy';

/** Parameter Store accepts at most this many policies per parameter... */
const MAX_POLICIES = 10;
/** ...serialized in a JSON array of at most this many characters. */
const MAX_POLICIES_JSON_LENGTH = 4096;
/** What a relative expiration becomes at deploy time, to measure the JSON before it exists. */
const SAMPLE_TIMESTAMP = '2031-01-01T00:00:00.000Z';

/** What the handler receives for a parameter's policies. */
export type PolicyProperties = Pick<ParameterProperties, 'Policies' | 'ExpireAfterSeconds'>;

/**
 * The tier a parameter asks for: the given one, else Advanced when it has policies (only Advanced and
 * Intelligent-Tiering carry them), else none (the caller's default).
 */
export function tierForPolicies(tier: ssm.ParameterTier | undefined, policies: ParameterPolicy[]): ssm.ParameterTier | undefined {
  return tier ?? (policies.length > 0 ? ssm.ParameterTier.ADVANCED : undefined);
}

/**
 * The one check of a parameter's tier and policies, for SecureStrings and plain parameters alike: throws
 * naming the construct, the parameter and the rule.
 */
export function assertValidPolicies(
  scope: IConstruct,
  parameterName: string,
  tier: ssm.ParameterTier | undefined,
  policies: ParameterPolicy[],
): void {
  if (policies.length === 0) {
    return;
  }
  if (tier === ssm.ParameterTier.STANDARD) {
    throw new ParameterValidationError(scope, `${parameterName}: tier Standard cannot carry policies; use Advanced (or leave tier unset)`);
  }
  const problems = policyProblems(policies, new Date());
  if (problems.length > 0) {
    throw new ParameterValidationError(scope, `${parameterName}: policies are invalid: ${problems.join('; ')}`);
  }
}

/** Everything wrong with a set of policies, as sentences naming the rule; empty when valid. */
export function policyProblems(policies: ParameterPolicy[], now: Date): string[] {
  const problems: string[] = [];
  const json: string[] = [];
  policies.forEach((policy, i) => {
    try {
      json.push(policyJsonToMeasure(policy));
    } catch (err) {
      problems.push(`policy ${i + 1} (${policy.policyType}): ${(err as Error).message}`);
    }
  });
  if (policies.length > MAX_POLICIES) {
    problems.push(`${policies.length} policies; Parameter Store allows at most ${MAX_POLICIES}`);
  }
  const expirations = policies.filter((p) => p.policyType === ParameterPolicyType.EXPIRATION);
  if (expirations.length > 1) {
    problems.push(`${expirations.length} Expiration policies; Parameter Store allows one (two are incompatible)`);
  }
  const [expiration] = expirations;
  if (expiration?.expiresAt && expiration.expiresAt.getTime() <= now.getTime()) {
    problems.push(`the expiration ${expiration.expiresAt.toISOString()} is in the past`);
  }
  for (const notification of policies.filter((p) => p.policyType === ParameterPolicyType.EXPIRATION_NOTIFICATION)) {
    problems.push(...notificationProblems(notification, expiration, now));
  }
  const length = `[${json.join(',')}]`.length;
  if (length > MAX_POLICIES_JSON_LENGTH) {
    problems.push(`the policies serialize to ${length} characters; Parameter Store allows at most ${MAX_POLICIES_JSON_LENGTH}`);
  }
  return problems;
}

/**
 * The JSON a policy will be sent as. A relative expiration is measured with a sample timestamp, after the
 * check that its duration is whole hours (at least one): the unit the README and its doc promise.
 */
function policyJsonToMeasure(policy: ParameterPolicy): string {
  if (policy.expiresAfter) {
    wholeUnits(policy.expiresAfter);
    return expirationJson(SAMPLE_TIMESTAMP);
  }
  return policy.toJson();
}

function notificationProblems(notification: ParameterPolicy, expiration: ParameterPolicy | undefined, now: Date): string[] {
  if (!expiration) {
    return ['an ExpirationNotification needs an Expiration policy (ParameterPolicy.expiration or expireAfter)'];
  }
  const before = notification.notificationDuration!.toMilliseconds();
  const lifetime = expiration.expiresAfter?.toMilliseconds() ?? expiration.expiresAt!.getTime() - now.getTime();
  return before >= lifetime
    ? [`the ExpirationNotification ${notification.notificationDuration!.toHumanString()} before expiry is not shorter than the parameter's lifetime`]
    : [];
}

/** The properties the handler needs; call only with policies that `policyProblems` accepted. */
export function policyProperties(policies: ParameterPolicy[]): PolicyProperties {
  const fixed = policies.filter((p) => !p.expiresAfter).map((p) => p.toJson());
  const relative = policies.find((p) => p.expiresAfter);
  return {
    Policies: fixed.length > 0 ? `[${fixed.join(',')}]` : undefined,
    ExpireAfterSeconds: relative ? String(relative.expiresAfter!.toSeconds()) : undefined,
  };
}
