import { DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import { Tag } from '@aws-sdk/client-ssm';
import { OperatorError, unlessParameterNotFound } from './errors';
import { tagsIfExists } from './ownership';
import { LiveParameter, readHistory, versionOf } from './read-back';
import { withRetries } from './retry';
import { RotationContext, RotationOutcome } from './rotation-context';
import { namesTagged } from './rotation-search';
import { Decision, Replaced, rotateOnce } from './rotation-write';
import { MAX_TAG_VALUE_LENGTH, OWNER_TAG_KEY } from '../private/handler-protocol';
import { isCoveredBy } from '../private/parameter-prefixes';
import {
  BEFORE_EXPIRATION_TRIGGER,
  NOTIFICATION_SLACK_SECONDS,
  ROTATION_OPTIONS_TAG_KEY,
  ROTATION_TAG_KEY,
  RotationTagOptions,
  dueAgeSeconds,
  parseRotationOptions,
  rotationTagValue,
  tickSeconds,
  triggerInterval,
} from '../private/rotation-protocol';

/**
 * When a parameter of a trigger is due. On a schedule: from the age `dueAgeSeconds` (its interval less the lead
 * its number of parameters needs); before expiration: from its notification lead before the Expiration.
 */
export type DueRule =
  | { readonly trigger: string; readonly intervalSeconds: number; readonly dueAgeSeconds: number }
  | { readonly trigger: typeof BEFORE_EXPIRATION_TRIGGER };

/** What the due checks read of a parameter: from its history, or from DescribeParameters' listing. */
export type DueFacts = Pick<LiveParameter, 'lastModified' | 'policies'>;

/**
 * The due rule of `trigger`. On a schedule, for its `members` parameters, the rule ticking every `tick` seconds
 * (by default the period the synth gives that many).
 */
export function dueRule(trigger: string, members = 1, tick?: number): DueRule {
  const intervalSeconds = triggerInterval(trigger);
  if (intervalSeconds !== undefined) {
    return { trigger, intervalSeconds, dueAgeSeconds: dueAgeSeconds(intervalSeconds, members, tick ?? tickSeconds(intervalSeconds, members)) };
  }
  if (trigger !== BEFORE_EXPIRATION_TRIGGER) {
    throw new OperatorError(`unknown rotation trigger ${trigger}`);
  }
  return { trigger };
}

/** Writes of one rotation: its own, and one more when it replaced a version a deploy wrote meanwhile (rotation-write.ts). */
const ROTATION_WRITES = 2;

/**
 * Rotates one parameter if it is this stack's, set to rotate on the rule's trigger, and due. A rotation is one
 * PutParameter (the new value, the parameter's own key, tier, description and pattern, its policies with a
 * renewed relative Expiration) and at most two label calls: the source label and `current` move to the new
 * version, `previous` to the replaced one. The value is never read: the write needs no kms:Decrypt. A deploy that
 * writes the parameter at the same time is met as rotation-write.ts says.
 */
export async function rotateParameter(name: string, rule: DueRule, ctx: RotationContext): Promise<RotationOutcome> {
  if (ctx.rotatingNames && !isCoveredBy(name, ctx.rotatingNames)) {
    return { rotated: false, reason: `it is not one of the rotating parameters of stack ${ctx.stackName} (its resource left the app, or it is another stack's)` };
  }
  let replaced: Replaced | undefined;
  for (let write = 1; ; write++) {
    const step = await rotateOnce(name, (r) => decide(name, rule, r, ctx), replaced, ctx);
    if ('outcome' in step) {
      return step.outcome;
    }
    if (write === ROTATION_WRITES) {
      throw new OperatorError(
        `its version ${step.replaced.version} was written while the rotation wrote version ${step.replaced.stale} over it, twice in a row: ` +
          'another writer keeps writing it. Stop it; the next rotation writes from the newest version.',
      );
    }
    replaced = step.replaced;
  }
}

/**
 * Whether to rotate, from the tags (this stack's, rotating on this trigger), the stack's record (the resource its
 * owner tag names is still in the stack) and, read last, right before the write, the history (due). Making good a
 * write of ours that replaced another writer's version (`replaced`) needs no due check, and the parameter must still
 * rotate here: else that version's value is lost, which the rotator cannot write back (it never reads values).
 */
async function decide(name: string, rule: DueRule, replaced: Replaced | undefined, ctx: RotationContext): Promise<Decision> {
  let tags: Tag[] | undefined;
  try {
    tags = await tagsIfExists(name, ctx);
  } catch (err) {
    return { skip: await skipIfAnotherStacks(err, name, rule.trigger, ctx) };
  }
  if (tags === undefined) {
    return { skip: { rotated: false, reason: 'it no longer exists', gone: true } };
  }
  const refusal = notRotatingReason(tags, replaced ? undefined : rule.trigger, ctx.stackName);
  if (refusal) {
    return refuse(refusal, replaced);
  }
  const options = rotationOptions(tagValue(tags, ROTATION_OPTIONS_TAG_KEY)!);
  const retained = await leftStackReason(tagValue(tags, OWNER_TAG_KEY)!, ctx);
  if (retained) {
    return refuse(retained, replaced);
  }
  const live = await historyIfExists(name, ctx);
  if (live === undefined) {
    return { skip: { rotated: false, reason: 'it no longer exists', gone: true } };
  }
  const notDue = replaced ? undefined : notDueReason(rule, live, ctx.now());
  if (notDue) {
    return { skip: { rotated: false, reason: notDue } };
  }
  const base = replaced ? versionOf(live, replaced.version) : live;
  return base ? { live, base, options } : refuse(`its version ${replaced!.version} is gone`, replaced);
}

function historyIfExists(name: string, ctx: RotationContext): Promise<LiveParameter | undefined> {
  return unlessParameterNotFound(() => readHistory(name, ctx));
}

function refuse(reason: string, replaced: Replaced | undefined): Decision {
  if (!replaced) {
    return { skip: { rotated: false, reason } };
  }
  throw new OperatorError(
    `a deploy (or another writer) wrote version ${replaced.version} while this rotation was under way, and the rotation's write, ` +
      `version ${replaced.stale}, replaced it; the parameter no longer rotates here (${reason}), so the rotator cannot write again from ` +
      `version ${replaced.version}, whose value it never reads. Restore that value: deploy the stack twice, with the value's source ` +
      `changed and then back, or write the value of version ${replaced.version} again as the newest version.`,
  );
}

/**
 * The rotator may read the tags of this stack's parameters only (its policy's owner-tag condition), so IAM
 * denies another stack's parameter before its owner tag could say whose it is. One reaches the rotator when
 * its ExpirationNotification matches the event pattern of a path this stack rotates under. DescribeParameters
 * (allowed on every parameter, a tag filter but no tags in its answer) tells: a name without this stack's
 * rotation tag is not ours and is skipped; with it, the denial is a fault of the rotator's permissions.
 */
async function skipIfAnotherStacks(err: unknown, name: string, trigger: string, ctx: RotationContext): Promise<RotationOutcome> {
  const denied = err instanceof Error && err.name === 'AccessDeniedException';
  if (!denied || (await namesTagged(rotationTagValue(ctx.stackName, trigger), ctx, name)).length > 0) {
    throw err;
  }
  return {
    rotated: false,
    reason: `it is not stack ${ctx.stackName}'s to rotate: IAM denies the rotator its tags (another stack owns it, or none does), and it carries no ${ROTATION_TAG_KEY} tag of this stack`,
  };
}

/**
 * A parameter removed from the template with RETAIN keeps its tags (CloudFormation sends its resource no
 * Delete): it is rotated only while the resource its owner tag names is in the stack. An owner tag cut to the
 * tag limit (ownerTagValue) no longer names its logical id, and is taken as present.
 */
async function leftStackReason(owner: string, ctx: RotationContext): Promise<string | undefined> {
  if (owner.length >= MAX_TAG_VALUE_LENGTH) {
    return undefined;
  }
  const logicalId = owner.slice(ctx.stackName.length + 1);
  try {
    await withRetries(
      'cloudformation:DescribeStackResource',
      (options) =>
        ctx.clients.cloudformation.send(new DescribeStackResourceCommand({ StackName: ctx.stackId, LogicalResourceId: logicalId }), options),
      ctx.deadline,
    );
    return undefined;
  } catch (err) {
    if (err instanceof Error && err.name === 'ValidationError' && /does not exist/.test(err.message)) {
      return `its resource ${logicalId} is no longer in stack ${ctx.stackName} (it was retained when removed)`;
    }
    throw err;
  }
}

/** Why the tags say this parameter is not ours to rotate on `trigger` (any trigger when undefined), or undefined when it is. */
function notRotatingReason(tags: readonly Tag[], trigger: string | undefined, stackName: string): string | undefined {
  const owner = tagValue(tags, OWNER_TAG_KEY);
  if (!owner?.startsWith(`${stackName}/`)) {
    return `it is not owned by stack ${stackName} (${OWNER_TAG_KEY}: ${owner ?? 'none'})`;
  }
  const rotation = tagValue(tags, ROTATION_TAG_KEY);
  if (trigger === undefined ? !rotation?.startsWith(`${stackName}/`) : rotation !== rotationTagValue(stackName, trigger)) {
    return `it is not set to rotate ${trigger === undefined ? `in stack ${stackName}` : `on ${trigger}`} (${ROTATION_TAG_KEY}: ${rotation ?? 'none'})`;
  }
  return tagValue(tags, ROTATION_OPTIONS_TAG_KEY) === undefined ? `it has no ${ROTATION_OPTIONS_TAG_KEY} tag` : undefined;
}

function rotationOptions(tag: string): RotationTagOptions {
  try {
    return parseRotationOptions(tag);
  } catch (err) {
    throw new OperatorError((err as Error).message);
  }
}

function tagValue(tags: readonly Tag[], key: string): string | undefined {
  return tags.find((t) => t.Key === key)?.Value;
}

/**
 * When the parameter becomes due (ms), or undefined when its facts cannot tell: no write time on a schedule, no
 * Expiration and ExpirationNotification before expiration. Before expiration, it is due from its longest
 * notification lead (plus slack for an early event) before the Expiration: the first notification's event renews it,
 * and when that event is lost, the sweep does (it runs at least twice within every lead the synth accepts, see
 * sweepPeriodHours).
 */
export function dueTime(rule: DueRule, facts: DueFacts): number | undefined {
  if ('dueAgeSeconds' in rule) {
    return facts.lastModified && facts.lastModified.getTime() + rule.dueAgeSeconds * 1000;
  }
  const expiresAt = expirationTime(facts);
  const leadSeconds = Math.max(...policiesOfType(facts, 'ExpirationNotification').map((n) => Number(n.Before) * (n.Unit === 'Days' ? 86400 : 3600)));
  return Number.isNaN(expiresAt) || !Number.isFinite(leadSeconds) ? undefined : expiresAt - (leadSeconds + NOTIFICATION_SLACK_SECONDS) * 1000;
}

/**
 * Why a rotation now would come too early, or undefined when it is due. On a schedule: the value is younger than
 * the rule's due age — a rotation, a deploy or a duplicate event wrote it since (EventBridge and Lambda deliver at
 * least once); a value without a write time is due. Before expiration: the live Expiration is further away than its
 * notification lead (plus slack for an early event), which means a rotation has already renewed it.
 */
export function notDueReason(rule: DueRule, live: DueFacts, now: number): string | undefined {
  const dueAt = dueTime(rule, live);
  if ('dueAgeSeconds' in rule) {
    return dueAt !== undefined && now < dueAt
      ? `it was written ${Math.round((now - live.lastModified!.getTime()) / 1000)} s ago, less than ${rule.dueAgeSeconds} s: not due yet`
      : undefined;
  }
  if (dueAt === undefined) {
    return 'it has no Expiration and ExpirationNotification policies to rotate before';
  }
  return now < dueAt ? `it expires at ${new Date(expirationTime(live)).toISOString()}, not within its notification time: already rotated` : undefined;
}

/** The live Expiration's time (ms); NaN without one. */
function expirationTime(facts: DueFacts): number {
  return Date.parse(policiesOfType(facts, 'Expiration')[0]?.Timestamp ?? '');
}

/** The attributes of each live policy of this type, in order. */
function policiesOfType(live: DueFacts, type: string): Array<Record<string, string>> {
  return live.policies
    .map((p) => JSON.parse(p) as { Type?: string; Attributes?: Record<string, string> })
    .flatMap((p) => (p.Type === type && p.Attributes ? [p.Attributes] : []));
}
