import { Duration } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { recentWriteSeconds } from './rotation-protocol';
import type { SecureStringParameterBase } from './secure-string-parameter-base';
import { ParameterValidationError } from './validation-error';
import { ParameterPolicyType } from '../parameter-policy';

/**
 * The copier's sweep: Parameter Store's change events are best effort, so the copier also compares every replica
 * with its source on a schedule and copies what a lost event left behind. A replica carries its source's
 * Expiration timestamp: once the source is renewed (a rotation, an operator), the replica has until the old
 * timestamp to follow, or Parameter Store deletes it. The schedule is derived from that time, the renewal lead.
 */

/** However long the leads: a change whose event was lost reaches its replica within an hour. */
const MAX_SWEEP_MINUTES = 60;
/** EventBridge's most frequent schedule. */
const MIN_SWEEP_MINUTES = 1;
/** A lost event and one failed sweep still leave a sweep that repairs the replica before its old Expiration. */
const SWEEPS_WITHIN_LEAD = 2;
/** The stack's rotator sweeps twice within a notification lead: a renewal comes at the latest half the lead before expiry. */
const NOTIFIED_RENEWAL_SHARE = 0.5;

/**
 * How long before its old Expiration a source can be renewed at the latest, in seconds; undefined when nothing
 * says (no Expiration, or one without a notification or a scheduled rotation: an operator renews it at any time).
 * - after an ExpirationNotification (a rotation before expiration, or an operator it calls): half the shortest
 *   lead, as the stack's rotator sweeps twice within it when the notification is lost;
 * - a rotation every `interval` of an `expireAfter` lifetime: the lifetime less the oldest a value gets when it
 *   rotates (the interval plus the rotator's window for a recent write).
 */
function renewalLeadSeconds(source: SecureStringParameterBase): number | undefined {
  const expiration = source._policies.find((p) => p.policyType === ParameterPolicyType.EXPIRATION);
  if (!expiration) {
    return undefined;
  }
  const notified = source._policies
    .filter((p) => p.policyType === ParameterPolicyType.EXPIRATION_NOTIFICATION)
    .map((p) => p.notificationDuration!.toSeconds() * NOTIFIED_RENEWAL_SHARE);
  const interval = source._rotation?.interval?.toSeconds();
  const rotated = interval !== undefined && expiration.expiresAfter
    ? [expiration.expiresAfter.toSeconds() - interval - recentWriteSeconds(interval)]
    : [];
  const leads = [...notified, ...rotated];
  return leads.length === 0 ? undefined : Math.min(...leads);
}

/**
 * The copier's schedule: twice within the shortest renewal lead of the sources, in whole minutes, at most hourly.
 * The synth's rules (whole hours for expireAfter, rotation intervals and notifications; a lifetime longer than the
 * interval plus the recent-write window) leave every lead at 30 minutes or more: a sweep every 15 minutes at most often.
 */
export function sweepInterval(sources: ReadonlyMap<string, SecureStringParameterBase>): Duration {
  const leads = [...sources.values()].flatMap((source) => renewalLeadSeconds(source) ?? []);
  const minutes = Math.floor(Math.min(MAX_SWEEP_MINUTES * 60 * SWEEPS_WITHIN_LEAD, ...leads) / 60 / SWEEPS_WITHIN_LEAD);
  return Duration.minutes(Math.max(MIN_SWEEP_MINUTES, minutes));
}

/**
 * A replica without `follow` keeps the Expiration timestamp and the value of its last copy until a deploy changes
 * its source's definition: refused for a source that expires or rotates, which Parameter Store would delete at a
 * timestamp its source has renewed since, or which would serve a value its source rotated away.
 */
export function assertFollowNotNeeded(replica: IConstruct, sources: ReadonlyMap<string, SecureStringParameterBase>): void {
  const changing = [...sources].flatMap(([name, source]) => {
    const reasons = [
      ...(source._policies.some((p) => p.policyType === ParameterPolicyType.EXPIRATION) ? ['has an Expiration policy'] : []),
      ...(source._rotation ? ['rotates'] : []),
    ];
    return reasons.length === 0 ? [] : [`${name} (${reasons.join(' and ')})`];
  });
  if (changing.length === 0) {
    return;
  }
  const named = changing.length > 3 ? `${changing.slice(0, 3).join(', ')} and ${changing.length - 3} more` : changing.join(', ');
  throw new ParameterValidationError(
    replica,
    `follow: false cannot replicate ${named}: without follow, a replica keeps the Expiration timestamp and the value of its last copy until a deploy ` +
      'changes its source\'s definition, so Parameter Store would delete it at a time its source has renewed since, or it would serve a value its ' +
      'source rotated away. Keep follow: true (the default), whose sweep brings every replica in step with its source; or replicate only ' +
      'sources without an Expiration policy and rotation',
  );
}
