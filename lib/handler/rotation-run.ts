import { forEachConcurrently } from './concurrency';
import { OperatorError, explainError } from './errors';
import { redact } from './redact';
import { RotationContext, rotateParameter } from './rotation';
import { namesTagged } from './rotation-search';
import { BEFORE_EXPIRATION_TRIGGER, rotationTagValue, triggerInterval } from '../private/rotation-protocol';

/** Parameters rotated at once: their reads overlap, their writes wait for their slots in the pacer. */
const CONCURRENCY = 8;
/** A parameter is started only with this much time left: one paced write, its labels, and the reads before. */
const PARAMETER_TIME_MS = 30_000;
/** Failed parameters quoted in the invocation's error; all of them are in the log. */
const QUOTED_FAILURES = 3;

/** What one invocation did; the counts and names only. */
export interface RotationSummary {
  readonly rotated: number;
  readonly skipped: number;
  /** The operator's message of each parameter that failed (redacted, never a value). */
  readonly failures: readonly string[];
  /** Parameters not reached before the deadline: the next invocation (a retry) takes them. */
  readonly notReached: number;
}

/**
 * One invocation of the rotator: the parameters of this stack that rotate on the scheduled trigger (found by
 * their rotation tag, DescribeParameters with a tag filter), or the one parameter whose ExpirationNotification
 * fired. Each is rotated if due (rotation.ts), a few at a time, writes paced by `ctx.pacer`.
 */
export async function runRotation(event: unknown, ctx: RotationContext): Promise<RotationSummary> {
  const { trigger, names, announced } = await targetsOf(event, ctx);
  const counts = { rotated: 0, skipped: 0, notReached: 0 };
  const failures: string[] = [];
  await forEachConcurrently(names, CONCURRENCY, async (name) => {
    // the Lambda deadline is on the real clock, like every retry's
    if (ctx.deadline - Date.now() < PARAMETER_TIME_MS) {
      counts.notReached++;
      return;
    }
    try {
      const outcome = await rotateParameter(name, trigger, ctx);
      if (outcome.rotated) {
        counts.rotated++;
        console.log(`${name}: rotated (${trigger}), version ${outcome.version}`);
      } else if (outcome.gone && announced) {
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

/**
 * The message an invocation fails with, so that Lambda retries it and, after its retries, sends it to the
 * dead-letter queue; undefined when every parameter is rotated or skipped.
 */
export function failureMessage(summary: RotationSummary): string | undefined {
  if (summary.failures.length === 0 && summary.notReached === 0) {
    return undefined;
  }
  const quoted = summary.failures.slice(0, QUOTED_FAILURES).join(' | ');
  const more = summary.failures.length > QUOTED_FAILURES ? ` | and ${summary.failures.length - QUOTED_FAILURES} more in the rotator's log` : '';
  const late = summary.notReached > 0 ? ` ${summary.notReached} parameter(s) not reached in time are left for the retry.` : '';
  const failed = summary.failures.length > 0 ? ` ${summary.failures.length} failed, their current value kept: ${quoted}${more}` : '';
  return `Rotation incomplete (${summary.rotated} rotated, ${summary.skipped} skipped).${failed}${late}`;
}

interface Targets {
  readonly trigger: string;
  readonly names: readonly string[];
  /** The names come from a `Parameter Store Policy Action` event: Parameter Store announced their expiration. */
  readonly announced: boolean;
}

/**
 * A schedule's input `{ "Trigger": "every-<seconds>" }` (or the `before-expiration` sweep, for the
 * notifications EventBridge may not deliver: Parameter Store emits them on a best-effort basis), or a
 * `Parameter Store Policy Action` event.
 */
async function targetsOf(event: unknown, ctx: RotationContext): Promise<Targets> {
  const e = (event ?? {}) as { 'Trigger'?: unknown; 'detail-type'?: unknown; 'detail'?: { 'parameter-name'?: unknown } };
  if (e['detail-type'] === 'Parameter Store Policy Action' && typeof e.detail?.['parameter-name'] === 'string') {
    return { trigger: BEFORE_EXPIRATION_TRIGGER, names: [e.detail['parameter-name']], announced: true };
  }
  if (typeof e.Trigger === 'string' && (triggerInterval(e.Trigger) !== undefined || e.Trigger === BEFORE_EXPIRATION_TRIGGER)) {
    return { trigger: e.Trigger, names: await namesTagged(rotationTagValue(ctx.stackName, e.Trigger), ctx), announced: false };
  }
  throw new OperatorError('the rotator received an event that is neither a schedule of this stack nor a Parameter Store Policy Action');
}
