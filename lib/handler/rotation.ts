import { DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import { Tag } from '@aws-sdk/client-ssm';
import { OperatorError } from './errors';
import { policiesWithExpiration } from './expiration';
import { generateValue } from './generator';
import { tagsIfExists } from './ownership';
import { WriteContext, writeVersion } from './parameter-writes';
import { LiveParameter, readHistory } from './read-back';
import { ParameterSpec } from './request';
import { withRetries } from './retry';
import { namesTagged } from './rotation-search';
import { SOURCE_LABEL_PREFIX } from './source-fingerprint';
import { labelVersion } from './source-labels';
import { MAX_TAG_VALUE_LENGTH, OWNER_TAG_KEY, SourceType } from '../private/handler-protocol';
import { isCoveredBy } from '../private/parameter-prefixes';
import {
  BEFORE_EXPIRATION_TRIGGER,
  CURRENT_LABEL,
  NOTIFICATION_SLACK_SECONDS,
  PREVIOUS_LABEL,
  ROTATION_OPTIONS_TAG_KEY,
  ROTATION_TAG_KEY,
  RotationTagOptions,
  dueAgeSeconds,
  parseRotationOptions,
  rotationTagValue,
  tickSeconds,
  triggerInterval,
} from '../private/rotation-protocol';

/** What one rotation did: a new version, or why the parameter was left as it is. Never a value. */
export type RotationOutcome =
  | { readonly rotated: true; readonly version: number }
  | { readonly rotated: false; readonly reason: string; readonly gone?: boolean };

/** Everything a rotation needs besides the parameter. */
export interface RotationContext extends WriteContext {
  /** The stack whose parameters this rotator may rotate: their owner tag starts with `<stack name>/`. */
  readonly stackName: string;
  /** The stack's id (its ARN), to ask CloudFormation whether a parameter's resource is still in it. */
  readonly stackId: string;
  /**
   * The names the stack's rotator may rotate, as its policy names them: exact names (without a leading `/`),
   * or paths ending in `/*`. A parameter outside them (its resource left the app, or it is another stack's
   * under the same path) is skipped without a call its policy would deny. Undefined: no such limit (tests).
   */
  readonly rotatingNames?: readonly string[];
  /** The time the due checks and a renewed Expiration count from (the deadline is on the real clock). */
  readonly now: () => number;
}

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

/**
 * Rotates one parameter if it is this stack's, set to rotate on the rule's trigger, and due. A rotation is one
 * PutParameter (the new value, the parameter's own key, tier, description and pattern, its policies with a
 * renewed relative Expiration) and at most two label calls: the source label and `current` move to the new
 * version, `previous` to the replaced one. The value is never read: the write needs no kms:Decrypt.
 */
export async function rotateParameter(name: string, rule: DueRule, ctx: RotationContext): Promise<RotationOutcome> {
  const trigger = rule.trigger;
  if (ctx.rotatingNames && !isCoveredBy(name, ctx.rotatingNames)) {
    return { rotated: false, reason: `it is not one of the rotating parameters of stack ${ctx.stackName} (its resource left the app, or it is another stack's)` };
  }
  let tags: Tag[] | undefined;
  try {
    tags = await tagsIfExists(name, ctx);
  } catch (err) {
    return skipIfAnotherStacks(err, name, trigger, ctx);
  }
  if (tags === undefined) {
    return { rotated: false, reason: 'it no longer exists', gone: true };
  }
  const refusal = notRotatingReason(tags, trigger, ctx.stackName);
  if (refusal) {
    return { rotated: false, reason: refusal };
  }
  const options = rotationOptions(tagValue(tags, ROTATION_OPTIONS_TAG_KEY)!);
  const live = await readHistory(name, ctx);
  const notDue = notDueReason(rule, live, ctx.now());
  if (notDue) {
    return { rotated: false, reason: notDue };
  }
  const retained = await leftStackReason(tagValue(tags, OWNER_TAG_KEY)!, ctx);
  if (retained) {
    return { rotated: false, reason: retained };
  }
  return { rotated: true, version: await writeRotation(name, live, options, ctx) };
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
    reason: `it is not stack ${ctx.stackName}'s to rotate: IAM denies the rotator its tags (another stack owns it), and it carries no ${ROTATION_TAG_KEY} tag of this stack`,
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

async function writeRotation(name: string, live: LiveParameter, options: RotationTagOptions, ctx: RotationContext): Promise<number> {
  if (live.type !== 'SecureString' || live.keyId === undefined) {
    throw new OperatorError(`it is a ${live.type ?? 'missing'} parameter, not a SecureString with a key: deploy the stack again to restore it`);
  }
  const value = generateValue(options.generator);
  ctx.secrets.add(value);
  const spec: ParameterSpec = {
    name,
    keyId: live.keyId,
    tier: live.tier ?? 'Standard',
    source: { Type: SourceType.GENERATED },
    description: live.description,
    allowedPattern: live.allowedPattern,
    policies: renewedPolicies(live.policies, options.expireAfterSeconds, ctx.now()),
    adopt: false,
    tags: [],
    rotation: { trigger: '', keepPrevious: options.keepPrevious },
  };
  // the source label moves with the value: a rollback to this source restores the rotated value, never an older one
  const sourceLabels = (live.labels ?? []).filter((l) => l.startsWith(SOURCE_LABEL_PREFIX));
  const labels = [...sourceLabels, ...(options.keepPrevious ? [CURRENT_LABEL] : [])];
  const written = await writeVersion(spec, value, labels, live, { Overwrite: true }, ctx);
  if (options.keepPrevious && live.version !== undefined) {
    await labelVersion(name, live.version, [PREVIOUS_LABEL], ctx);
  }
  return written.version;
}

/** Why the tags say this parameter is not ours to rotate on `trigger`, or undefined when it is. */
function notRotatingReason(tags: readonly Tag[], trigger: string, stackName: string): string | undefined {
  const owner = tagValue(tags, OWNER_TAG_KEY);
  if (!owner?.startsWith(`${stackName}/`)) {
    return `it is not owned by stack ${stackName} (${OWNER_TAG_KEY}: ${owner ?? 'none'})`;
  }
  const rotation = tagValue(tags, ROTATION_TAG_KEY);
  if (rotation !== rotationTagValue(stackName, trigger)) {
    return `it is not set to rotate on ${trigger} (${ROTATION_TAG_KEY}: ${rotation ?? 'none'})`;
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

/**
 * The live policies with a relative Expiration renewed from now (an absolute one, or none, is kept); undefined
 * when the parameter has none.
 */
function renewedPolicies(live: readonly string[], expireAfterSeconds: number | undefined, now: number): string | undefined {
  if (expireAfterSeconds === undefined) {
    return live.length > 0 ? `[${live.join(',')}]` : undefined;
  }
  const others = live.filter((p) => (JSON.parse(p) as { Type?: string }).Type !== 'Expiration');
  return policiesWithExpiration(expireAfterSeconds, `[${others.join(',')}]`, undefined, now);
}
