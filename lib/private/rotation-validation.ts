import { Duration } from 'aws-cdk-lib';
import { recentWriteSeconds } from './rotation-protocol';
import { ParameterPolicy, ParameterPolicyType } from '../parameter-policy';
import type { ParameterRotation } from '../parameter-rotation';
import { SecureValue } from '../secure-value';
import { SecureValueSource } from '../secure-value-source';

/**
 * Everything that keeps a rotation from working, as sentences naming the rule and the fix; empty when valid.
 * Only generated values rotate: every other source needs someone (or something) to supply the new value.
 */
export function rotationProblems(rotation: ParameterRotation, value: SecureValue, policies: readonly ParameterPolicy[]): string[] {
  if (value.sourceType !== SecureValueSource.GENERATED) {
    return [
      `a ${value.sourceType} value cannot rotate; only ${SecureValueSource.GENERATED} values (SecureValue.generated()) do, because ` +
        'the rotator makes the new value itself',
    ];
  }
  const problems = rotation._intervalProblems();
  const expiration = policies.find((p) => p.policyType === ParameterPolicyType.EXPIRATION);
  if (expiration?.expiresAt) {
    problems.push(
      `rotation renews only a relative expiration: ParameterPolicy.expiration(${expiration.expiresAt.toISOString()}) would still delete ` +
        'the parameter then; use ParameterPolicy.expireAfter(...)',
    );
  }
  const lifetime = expiration?.expiresAfter;
  if (rotation.interval && lifetime && problems.length === 0) {
    problems.push(...lifetimeProblems(rotation.interval, lifetime));
  }
  if (!rotation.interval) {
    problems.push(...beforeExpirationProblems(lifetime !== undefined, policies));
  }
  return problems;
}

function beforeExpirationProblems(hasLifetime: boolean, policies: readonly ParameterPolicy[]): string[] {
  const missing = [
    ...(hasLifetime ? [] : ['ParameterPolicy.expireAfter(...) (the lifetime each rotation renews)']),
    ...(policies.some((p) => p.policyType === ParameterPolicyType.EXPIRATION_NOTIFICATION)
      ? []
      : ['ParameterPolicy.expirationNotification(...) (the event that starts each rotation)']),
  ];
  return missing.length === 0 ? [] : [`rotation before expiration needs ${missing.join(' and ')}`];
}

/**
 * A value written just before a scheduled rotation waits for the next one (the rotator skips what was written
 * recently), so the oldest a value gets is the interval plus that window: it must expire later than that.
 */
function lifetimeProblems(interval: Duration, lifetime: Duration): string[] {
  const oldest = interval.toSeconds() + recentWriteSeconds(interval.toSeconds());
  if (oldest < lifetime.toSeconds()) {
    return [];
  }
  return [
    `the rotation interval ${interval.toHumanString()} is too long for expireAfter ${lifetime.toHumanString()}: a value can be ` +
      `${Duration.seconds(oldest).toHumanString()} old when it rotates (the interval, plus up to half of it or an hour when a deploy ` +
      'wrote the value just before a rotation), so the parameter would expire first; shorten the interval or lengthen expireAfter',
  ];
}
