import { Duration } from 'aws-cdk-lib';
import { MIN_NOTIFICATION_LEAD_HOURS, NOTIFICATION_SLACK_SECONDS, recentWriteSeconds } from './rotation-protocol';
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
    problems.push(...beforeExpirationProblems(lifetime, notificationLead(policies)));
  }
  return problems;
}

/**
 * The lead a rotation before expiration works with: the longest ExpirationNotification's `before` (its event
 * comes first, and the rotator takes the parameter as due from then on); undefined without one.
 */
export function notificationLead(policies: readonly ParameterPolicy[]): Duration | undefined {
  const leads = policies.filter((p) => p.policyType === ParameterPolicyType.EXPIRATION_NOTIFICATION).map((p) => p.notificationDuration!);
  return leads.sort((a, b) => b.toSeconds() - a.toSeconds())[0];
}

function beforeExpirationProblems(lifetime: Duration | undefined, lead: Duration | undefined): string[] {
  const missing = [
    ...(lifetime ? [] : ['ParameterPolicy.expireAfter(...) (the lifetime each rotation renews)']),
    ...(lead ? [] : ['ParameterPolicy.expirationNotification(...) (the event that starts each rotation)']),
  ];
  if (missing.length > 0) {
    return [`rotation before expiration needs ${missing.join(' and ')}`];
  }
  return [...leadProblems(lead!), ...dueWindowProblems(lifetime!, lead!)];
}

/**
 * Parameter Store emits the notification on a best-effort basis: the stack's sweep renews the parameter when
 * the event is lost, and runs at least twice within the shortest lead (sweepPeriodHours), at most hourly.
 */
function leadProblems(lead: Duration): string[] {
  if (lead.toHours({ integral: false }) >= MIN_NOTIFICATION_LEAD_HOURS) {
    return [];
  }
  return [
    `the ExpirationNotification ${lead.toHumanString()} before expiry is too short for rotation before expiration: its event is best effort, ` +
      "and the rotator's sweep, which renews the parameter when the event is lost, runs at most hourly and must run twice within the lead; " +
      `give ParameterPolicy.expirationNotification(Duration.hours(${MIN_NOTIFICATION_LEAD_HOURS})) or longer`,
  ];
}

/**
 * The rotator takes a parameter as due once it expires within its lead plus the slack of an early event: a
 * lifetime no longer than that would be due again as soon as it is renewed, and rotate at every event.
 */
function dueWindowProblems(lifetime: Duration, lead: Duration): string[] {
  const dueWindow = Duration.seconds(lead.toSeconds() + NOTIFICATION_SLACK_SECONDS);
  if (lifetime.toSeconds() > dueWindow.toSeconds()) {
    return [];
  }
  return [
    `expireAfter ${lifetime.toHumanString()} is too short for the ExpirationNotification ${lead.toHumanString()} before expiry: the rotator renews ` +
      `a parameter once it expires within its notification lead plus ${Duration.seconds(NOTIFICATION_SLACK_SECONDS).toHumanString()}, so a renewed ` +
      `value would be due again at once; make expireAfter longer than ${dueWindow.toHumanString()}, or the notification shorter`,
  ];
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

/**
 * Why a `{{resolve:ssm-secure:name:version}}` reference to a parameter with this rotation would go stale, or
 * undefined when it stays right. The reference is pinned to the version the deploy wrote, and CloudFormation
 * resolves it only when its consumer is deployed: after the first rotation, the consumer (an RDS
 * MasterUserPassword, say) holds a value the parameter no longer has. The one place to admit a rotation whose
 * hook updates that consumer itself.
 */
export function pinnedReferenceProblem(rotation: ParameterRotation | undefined): string | undefined {
  if (rotation === undefined) {
    return undefined;
  }
  const when = rotation.interval ? `every ${rotation.interval.toHumanString()}` : 'before it expires';
  return (
    `secureValue is refused: the value rotates (${when}), and a {{resolve:ssm-secure:name:version}} reference is pinned to the version ` +
    'this deploy wrote, so whatever resolves it would keep a stale value after the first rotation. Read the value at runtime by name ' +
    'instead: grantRead(...) and GetParameter with the AWS SDK, the AWS Parameters and Secrets Lambda extension, or ecs.Secret.fromSsmParameter(...)'
  );
}
