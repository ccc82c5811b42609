import { Duration } from 'aws-cdk-lib';
import {
  MIN_NOTIFICATION_LEAD_HOURS,
  NOTIFICATION_SLACK_SECONDS,
  ROTATIONS_PER_INVOCATION,
  ROTATOR_WRITES_PER_SECOND,
  dueAgeSeconds,
  dueLeadSeconds,
  recentWriteSeconds,
  tickSeconds,
} from './rotation-protocol';
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
 * A value rotates before it is as old as its interval; one the rotator did not reach in time rotates at the next
 * tick, at most recentWriteSeconds later: the parameter must expire later than that.
 */
function lifetimeProblems(interval: Duration, lifetime: Duration): string[] {
  const oldest = interval.toSeconds() + recentWriteSeconds(interval.toSeconds());
  if (oldest < lifetime.toSeconds()) {
    return [];
  }
  return [
    `the rotation interval ${interval.toHumanString()} is too long for expireAfter ${lifetime.toHumanString()}: a value can be ` +
      `${Duration.seconds(oldest).toHumanString()} old when it rotates (the interval, plus up to half of it or an hour when the rotator ` +
      'falls behind and rotates it at the next tick), so the parameter would expire first; shorten the interval or lengthen expireAfter',
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

/**
 * The share of its time the stack's rotator may spend writing on its schedules: it shares the account's PutParameter
 * quota (3 per second by default) with deploys, replicas and other stacks' rotators, and halves its pace while they
 * throttle it.
 */
const MAX_SCHEDULED_LOAD = 0.5;

/**
 * Why the stack's rotator could not keep up with its schedules once the one of `interval` seconds holds its count in
 * `members` (parameters by interval, in seconds); undefined when it can. A value rotates when it is between half its
 * interval and its interval old, so the lead a schedule needs for its number of parameters (dueLeadSeconds) may be
 * at most half its interval; and the writes of all schedules — each value once in the shortest time between its
 * rotations, its interval less the lead — may keep the rotator busy at most {@link MAX_SCHEDULED_LOAD} of the time.
 * The way out names how many fit on that schedule beside the others.
 */
export function scheduledLoadProblem(members: ReadonlyMap<number, number>, interval: number): string | undefined {
  const problem = leadProblem(members.get(interval)!, interval) ?? loadProblem(members);
  if (problem === undefined) {
    return undefined;
  }
  return `${problem}. At most ${fitting(members, interval).toLocaleString('en-US')} fit every ${human(interval)} in this stack: give them a longer interval, or put some in another stack`;
}

function leadProblem(count: number, interval: number): string | undefined {
  const tick = tickSeconds(interval, count);
  const lead = dueLeadSeconds(count, tick);
  if (lead <= interval / 2) {
    return undefined;
  }
  return (
    `${count.toLocaleString('en-US')} SecureStrings rotating every ${human(interval)} are more than the stack's rotator can rotate in time: ` +
    `at ${ROTATOR_WRITES_PER_SECOND} writes per second it rotates ${ROTATIONS_PER_INVOCATION.toLocaleString('en-US')} per tick of ${human(tick)}, ` +
    `so each value would be due ${human(lead)} before its interval ends (${lead / tick - 1} ticks for them all and one for the tick that may have ` +
    `just passed), but a value rotates when it is between half its interval and its interval old: the lead may be at most ${human(interval / 2)}`
  );
}

function loadProblem(members: ReadonlyMap<number, number>): string | undefined {
  const schedules = [...members].map(([seconds, count]) => ({
    seconds,
    count,
    writing: Math.ceil(count / ROTATOR_WRITES_PER_SECOND),
    cycle: dueAgeSeconds(seconds, count, tickSeconds(seconds, count)),
  }));
  const load = schedules.reduce((sum, s) => sum + s.writing / s.cycle, 0);
  if (load <= MAX_SCHEDULED_LOAD) {
    return undefined;
  }
  const parts = schedules.map((s) => `${s.count.toLocaleString('en-US')} every ${human(s.seconds)}: ${human(s.writing)} of writes in every ${human(s.cycle)}`);
  return (
    `the stack's rotator would be writing ${Math.ceil(load * 1000) / 10}% of the time on its schedules, each value once in the shortest time ` +
    `between two of its rotations at ${ROTATOR_WRITES_PER_SECOND} writes per second (${parts.join('; ')}), over ${MAX_SCHEDULED_LOAD * 100}%: it shares the ` +
    'account\'s PutParameter quota (3 per second by default) with deploys, replicas and other stacks\' rotators'
  );
}

/** The most parameters the schedule of `interval` takes beside the stack's other schedules. */
function fitting(members: ReadonlyMap<number, number>, interval: number): number {
  let count = members.get(interval)!;
  while (count > 0 && (leadProblem(count, interval) ?? loadProblem(new Map(members).set(interval, count))) !== undefined) {
    count--;
  }
  return count;
}

function human(seconds: number): string {
  return Duration.seconds(seconds).toHumanString();
}
