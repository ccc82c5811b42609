import { ParameterMetadata } from '@aws-sdk/client-ssm';
import { forEachConcurrently } from './concurrency';
import { OperatorError, explainError, quoteFailures } from './errors';
import { redact } from './redact';
import { DueFacts, DueRule, dueRule, dueTime, rotateParameter } from './rotation';
import { RotationContext } from './rotation-context';
import { parametersTagged } from './rotation-search';
import { BEFORE_EXPIRATION_TRIGGER, ROTATOR_INVOCATION_SECONDS, ScheduledRotationInput, rotationTagValue, triggerInterval } from '../private/rotation-protocol';

/** Parameters rotated at once: their reads overlap, their writes wait for their slots in the pacer. */
const CONCURRENCY = 8;
/** A parameter is started only with this much time left: one paced write, its labels, and the reads before. */
const PARAMETER_TIME_MS = 30_000;

/** What one invocation did; the counts and names only. */
export interface RotationSummary {
  readonly rotated: number;
  /** Not rotated: not due (most of them told by the listing alone), another stack's, retained, gone. */
  readonly skipped: number;
  /** The operator's message of each parameter that failed (redacted, never a value). */
  readonly failures: readonly string[];
  /** Due parameters not reached before the invocation's end: the next tick takes them first. */
  readonly notReached: number;
  /**
   * Of those, the ones that could not wait: on a schedule, a value already as old as its interval (the rotator
   * falls behind); before expiration, every one (a sweep or a notification that did not renew it).
   */
  readonly overdue: number;
}

/** One parameter to try, and when not reaching it is a failure. */
interface Candidate {
  readonly name: string;
  /** When (ms) its value is overdue: as old as its interval on a schedule; at once before expiration. */
  readonly overdueFrom: number;
}

/** What an invocation works on. */
interface Plan {
  readonly rule: DueRule;
  /** The parameters that may be due, those due the longest first. */
  readonly candidates: readonly Candidate[];
  /** Parameters the listing showed not due: skipped without a call. */
  readonly notDue: number;
  /** The names come from a `Parameter Store Policy Action` event: Parameter Store announced their expiration. */
  readonly announced: boolean;
  /** A tick's end (ms on ctx.now's clock): no parameter is started later, so the next tick never overlaps. */
  readonly until?: number;
}

/**
 * One invocation of the rotator: at a schedule's tick, the parameters of this stack that rotate on it and are due
 * (found by their rotation tag, DescribeParameters with a tag filter, which also tells their age), those due the
 * longest first, so that a tick that cannot reach them all leaves the youngest to the next one and no parameter
 * starves; or the one parameter whose ExpirationNotification fired. Each is rotated if due (rotation.ts), a few at a
 * time, writes paced by `ctx.pacer`.
 */
export async function runRotation(event: unknown, ctx: RotationContext): Promise<RotationSummary> {
  const plan = await planOf(event, ctx);
  if (plan.notDue > 0) {
    console.log(`${plan.notDue} parameter(s) of ${plan.rule.trigger} not due yet: skipped`);
  }
  const counts = { rotated: 0, skipped: plan.notDue, notReached: 0, overdue: 0 };
  const failures: string[] = [];
  await forEachConcurrently(plan.candidates, CONCURRENCY, async (candidate) => {
    const name = candidate.name;
    if (outOfTime(plan, ctx)) {
      counts.notReached++;
      counts.overdue += ctx.now() >= candidate.overdueFrom ? 1 : 0;
      return;
    }
    try {
      const outcome = await rotateParameter(name, plan.rule, ctx);
      if (outcome.rotated) {
        counts.rotated++;
        console.log(`${name}: rotated (${plan.rule.trigger}), version ${outcome.version}`);
      } else if (outcome.gone && plan.announced) {
        // its expiration was announced and it is gone: it expired before a rotation renewed it
        throw new OperatorError('it expired (or was deleted) before the rotator renewed it. Deploy the stack again to re-create it with a new value.');
      } else {
        counts.skipped++;
        console.log(`${name}: not rotated: ${outcome.reason}`);
      }
    } catch (err) {
      const message = redact(explainError(err, { parameterName: name, keyId: '-', caller: 'rotator' }), ctx.secrets);
      console.error(`${name}: rotation FAILED: ${message}`);
      failures.push(message);
    }
  });
  return { ...counts, failures };
}

/** The Lambda deadline is on the real clock, like every retry's; a tick's end on the due checks' clock. */
function outOfTime(plan: Plan, ctx: RotationContext): boolean {
  return ctx.deadline - Date.now() < PARAMETER_TIME_MS || (plan.until !== undefined && plan.until - ctx.now() < PARAMETER_TIME_MS);
}

/**
 * The message an invocation fails with, so that it goes to the dead-letter queue (whose alarm the construct
 * exposes); undefined when every parameter is rotated, skipped, or left for the next tick before it is overdue.
 */
export function failureMessage(summary: RotationSummary): string | undefined {
  if (summary.failures.length === 0 && summary.overdue === 0) {
    return undefined;
  }
  const quoted = quoteFailures(summary.failures, 'the rotator\'s log');
  const failed = summary.failures.length > 0 ? ` ${summary.failures.length} failed, their current value kept: ${quoted}` : '';
  const late = summary.overdue > 0
    ? ` ${summary.overdue} overdue parameter(s) not reached in time: the rotator falls behind, because other writers use the account's PutParameter ` +
      'quota (it halves its pace while they throttle it) or writes failed; the next tick or sweep takes them first. If this persists, raise the ' +
      'quota (Parameter Store\'s higher throughput), rotate less often, or move parameters to another stack.'
    : '';
  return `Rotation incomplete (${summary.rotated} rotated, ${summary.skipped} skipped, ${summary.notReached} not reached).${failed}${late}`;
}

/**
 * A schedule's tick `{ "Trigger": "every-<seconds>", "TickSeconds": …, "Time": … }` (or the `before-expiration`
 * sweep, for the notifications EventBridge may not deliver: Parameter Store emits them on a best-effort basis), or a
 * `Parameter Store Policy Action` event.
 */
async function planOf(event: unknown, ctx: RotationContext): Promise<Plan> {
  const e = (event ?? {}) as Partial<Record<keyof ScheduledRotationInput, unknown>> & { 'detail-type'?: unknown; 'detail'?: { 'parameter-name'?: unknown } };
  if (e['detail-type'] === 'Parameter Store Policy Action' && typeof e.detail?.['parameter-name'] === 'string') {
    return { rule: dueRule(BEFORE_EXPIRATION_TRIGGER), candidates: [{ name: e.detail['parameter-name'], overdueFrom: -Infinity }], notDue: 0, announced: true };
  }
  if (typeof e.Trigger === 'string' && (triggerInterval(e.Trigger) !== undefined || e.Trigger === BEFORE_EXPIRATION_TRIGGER)) {
    const listed = await parametersTagged(rotationTagValue(ctx.stackName, e.Trigger), ctx);
    const rule = dueRule(e.Trigger, listed.length, typeof e.TickSeconds === 'number' ? e.TickSeconds : undefined);
    return { rule, ...inDueOrder(rule, listed, ctx.now()), announced: false, until: tickEnd(rule, e.Time, ctx) };
  }
  throw new OperatorError('the rotator received an event that is neither a schedule of this stack nor a Parameter Store Policy Action');
}

/**
 * The listed parameters that may be due, those due the longest first (on a schedule, the oldest values), and the
 * count of those the listing shows not due: they need no call of their own. One whose listing cannot tell is a
 * candidate, and its history decides.
 */
function inDueOrder(rule: DueRule, listed: readonly ParameterMetadata[], now: number): Pick<Plan, 'candidates' | 'notDue'> {
  const due = listed
    .map((p) => ({ name: p.Name!, facts: factsOf(p) }))
    .map((p) => ({ ...p, dueAt: dueTime(rule, p.facts) ?? -Infinity }))
    .filter((p) => p.dueAt <= now)
    .sort((a, b) => a.dueAt - b.dueAt || a.name.localeCompare(b.name));
  const candidates = due.map((p) => ({ name: p.name, overdueFrom: overdueFrom(rule, p.facts) }));
  return { candidates, notDue: listed.length - candidates.length };
}

function factsOf(p: ParameterMetadata): DueFacts {
  return { lastModified: p.LastModifiedDate, policies: (p.Policies ?? []).flatMap((policy) => (policy.PolicyText ? [policy.PolicyText] : [])) };
}

/** When a candidate not reached is a failure: on a schedule, once its value is as old as its interval; before expiration, always. */
function overdueFrom(rule: DueRule, facts: DueFacts): number {
  return 'intervalSeconds' in rule && facts.lastModified ? facts.lastModified.getTime() + rule.intervalSeconds * 1000 : -Infinity;
}

/** A schedule's tick ends 15 minutes after its scheduled time (or the invocation's start): the next tick starts no earlier. */
function tickEnd(rule: DueRule, time: unknown, ctx: RotationContext): number | undefined {
  if (!('intervalSeconds' in rule)) {
    return undefined;
  }
  const scheduled = typeof time === 'string' ? Date.parse(time) : NaN;
  return (Number.isNaN(scheduled) ? ctx.now() : scheduled) + ROTATOR_INVOCATION_SECONDS * 1000;
}
