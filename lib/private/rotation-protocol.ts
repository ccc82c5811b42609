/**
 * The contract between ParameterRotation (synth time), the deploy-time handler (which tags each rotating
 * parameter) and the stack's rotator (which finds them by tag and rotates them). No aws-cdk-lib import: both
 * bundles include this file.
 *
 * The rotator learns everything from the parameter itself, so one schedule serves any number of parameters
 * (an EventBridge target's input holds at most 8 KB): the handler puts two tags on each rotating parameter,
 * - {@link ROTATION_TAG_KEY} `<stack name>/<trigger>`, which DescribeParameters filters on, and
 * - {@link ROTATION_OPTIONS_TAG_KEY} what a rotation writes: the generator options, the relative
 *   expiration, and whether the replaced version keeps the `previous` label.
 */
import { LOWERCASE, NUMBERS, PUNCTUATION, UPPERCASE } from './character-classes';
import { DEFAULT_GENERATOR_OPTIONS, GeneratorOptions } from './handler-protocol';

/** The tag the rotator finds its parameters by: `<stack name>/<trigger>`. */
export const ROTATION_TAG_KEY = 'cdk-secure-parameters:rotation';
/** The tag that tells the rotator what to write (see {@link rotationOptionsTagValue}). */
export const ROTATION_OPTIONS_TAG_KEY = 'cdk-secure-parameters:rotation-options';

/** Both tags, which the handler sets and removes together. */
export const ROTATION_TAG_KEYS: readonly string[] = [ROTATION_TAG_KEY, ROTATION_OPTIONS_TAG_KEY];

/**
 * The {@link ROTATION_TAG_KEY} value of a parameter a deploy took off rotation, set before the deploy's write or delete
 * and kept: no rotator's value (a stack name has no `/`), so IAM refuses a rotator's write still under way, which its
 * policy conditions on `<stack name>/*` when the tag is there (a removed tag would pass: `StringLikeIfExists`).
 */
export const ROTATION_STOPPED_TAG_VALUE = 'stopped';

/** The label of the newest version of a rotating parameter. */
export const CURRENT_LABEL = 'current';
/** The label of the version a rotation replaced, while `keepPrevious` is on. */
export const PREVIOUS_LABEL = 'previous';
/** Labels that rotation moves on its parameters; an operator's other labels are never touched. */
export const ROTATION_LABELS: readonly string[] = [CURRENT_LABEL, PREVIOUS_LABEL];

/** The trigger of a rotation on a schedule of `seconds`. */
export function everyTrigger(seconds: number): string {
  return `every-${seconds}`;
}

/** The trigger of a rotation on the parameter's ExpirationNotification. */
export const BEFORE_EXPIRATION_TRIGGER = 'before-expiration';

/** The interval of an `every-<seconds>` trigger; undefined for before-expiration. */
export function triggerInterval(trigger: string): number | undefined {
  const match = /^every-(\d+)$/.exec(trigger);
  return match ? Number(match[1]) : undefined;
}

/** The `Rotation` property of a rotating parameter's resource (and of a batched member). */
export interface RotationProperties {
  /** `every-<seconds>` or `before-expiration`. */
  readonly Trigger: string;
  /** `"false"` when the replaced version must not keep the `previous` label; absent means true. */
  readonly KeepPrevious?: string;
}

/**
 * The rotator's input from a schedule's rule, at each tick: rotate this stack's parameters of this trigger that
 * are due. The before-expiration sweep sends `Trigger` only.
 */
export interface ScheduledRotationInput {
  readonly Trigger: string;
  /**
   * The rule's period, which sets how early a value is due ({@link dueLeadSeconds}). Absent in an event from before
   * ticks, or a manual invocation: the rotator takes the period the synth gives its number of parameters.
   */
  readonly TickSeconds?: number;
  /**
   * The tick's scheduled time (EventBridge's `time`): its invocation starts no parameter later than
   * {@link ROTATOR_INVOCATION_SECONDS} after it, so an invocation delayed in Lambda's queue never works into the
   * next tick's, which would rotate the same parameters at the same time. Absent: from the invocation's start.
   */
  readonly Time?: string;
}

/** The rotator's pace: its share of the account's PutParameter quota (3 TPS by default), halved while other writers throttle it. */
export const ROTATOR_WRITES_PER_SECOND = 2;

/** Lambda's maximum duration: the rotator's timeout, and the longest a tick's invocation works after the tick's time. */
export const ROTATOR_INVOCATION_SECONDS = 900;

/**
 * The rotations the synth counts on per invocation: 13 of its 15 minutes at the rotator's pace. The rest lists the
 * parameters (DescribeParameters, 50 a page) and finishes the ones in progress; an invocation that has the account's
 * quota to itself rotates about 1,650.
 */
export const ROTATIONS_PER_INVOCATION = 13 * 60 * ROTATOR_WRITES_PER_SECOND;

/**
 * The longest period between ticks: an overdue value (the rotator fell behind) goes first at the next tick, so it
 * rotates at most {@link recentWriteSeconds} late — the tick and the invocation's 15 minutes within an hour.
 */
const MAX_TICK_SECONDS = 2_700;

/**
 * The period, in seconds (whole minutes), of the rule of a schedule of `intervalSeconds` (whole hours) with `members`
 * parameters: a quarter of the interval, at most 45 minutes; every 15 minutes, back to back, when one invocation cannot
 * rotate all its members (ticks never overlap: an invocation works at most 15 minutes after its tick).
 */
export function tickSeconds(intervalSeconds: number, members: number): number {
  return members > ROTATIONS_PER_INVOCATION ? ROTATOR_INVOCATION_SECONDS : Math.min(intervalSeconds / 4, MAX_TICK_SECONDS);
}

/**
 * How long before its interval ends a value is due, for `members` parameters on one schedule ticking every `tick`
 * seconds: the ticks that rotate them all (the oldest first, {@link ROTATIONS_PER_INVOCATION} per tick), and one
 * more for the tick that may have just passed when it became due. So each value rotates before it is as old as its
 * interval, however many became due together (a deploy writes them all at once), while each tick gets its invocation.
 */
export function dueLeadSeconds(members: number, tick: number): number {
  return (Math.ceil(members / ROTATIONS_PER_INVOCATION) + 1) * tick;
}

/**
 * The age, in seconds, from which a value of a schedule is due: its interval less the lead; never under half the
 * interval, so that no value rotates twice within half its interval (the synth refuses a lead longer than that).
 */
export function dueAgeSeconds(intervalSeconds: number, members: number, tick: number): number {
  return Math.max(intervalSeconds - dueLeadSeconds(members, tick), intervalSeconds / 2);
}

/** The {@link ROTATION_TAG_KEY} value of a parameter of `stackName` that rotates on `trigger`. */
export function rotationTagValue(stackName: string, trigger: string): string {
  return `${stackName}/${trigger}`;
}

/** What the rotator writes for one parameter. */
export interface RotationTagOptions {
  readonly keepPrevious: boolean;
  readonly generator: GeneratorOptions;
  /** A relative expiration: the new Expiration timestamp is the write's time plus this. */
  readonly expireAfterSeconds?: number;
}

/** Class letters of the `classes` field, in the generator's order. */
const CLASS_LETTERS = [
  { letter: 'l', excluded: 'excludeLowercase', chars: LOWERCASE },
  { letter: 'u', excluded: 'excludeUppercase', chars: UPPERCASE },
  { letter: 'n', excluded: 'excludeNumbers', chars: NUMBERS },
  { letter: 'p', excluded: 'excludePunctuation', chars: PUNCTUATION },
] as const;
/** Every character a generated value can hold: excluding any other character changes nothing. */
const GENERATOR_ALPHABET = `${LOWERCASE}${UPPERCASE}${NUMBERS}${PUNCTUATION} `;

/**
 * The {@link ROTATION_OPTIONS_TAG_KEY} value, e.g. `previous=keep expire=2592000 length=32 classes=lunp
 * each=1 exclude=IiQ=`. Tag values allow letters, digits, spaces and `_ . : / = + - @` up to 256 characters:
 * the excluded characters travel as base64 of the ones the generator could pick (at most 95), so the longest
 * value is under 200 characters. The generation is left out: it asks the handler for a new value, and a
 * rotation makes one anyway.
 */
export function rotationOptionsTagValue(options: RotationTagOptions): string {
  const g = options.generator;
  const classes = CLASS_LETTERS.filter((c) => !g[c.excluded]).map((c) => c.letter).join('') + (g.includeSpace ? 's' : '');
  const excluded = [...new Set(g.excludeCharacters)].filter((c) => GENERATOR_ALPHABET.includes(c)).sort().join('');
  const fields = [
    `previous=${options.keepPrevious ? 'keep' : 'drop'}`,
    ...(options.expireAfterSeconds === undefined ? [] : [`expire=${options.expireAfterSeconds}`]),
    `length=${g.length}`,
    `classes=${classes}`,
    `each=${g.requireEachIncludedType ? 1 : 0}`,
    ...(excluded ? [`exclude=${Buffer.from(excluded, 'latin1').toString('base64')}`] : []),
  ];
  return fields.join(' ');
}

/** Parses a {@link rotationOptionsTagValue}; throws naming the field that is wrong. */
export function parseRotationOptions(value: string): RotationTagOptions {
  const fields = new Map(value.split(' ').map((field) => field.split('=', 2) as [string, string]));
  const classes = fields.get('classes') ?? '';
  const length = Number(fields.get('length'));
  const expire = fields.get('expire');
  if (!['keep', 'drop'].includes(fields.get('previous') ?? '') || !Number.isInteger(length) || length < 1 || !/^l?u?n?p?s?$/.test(classes)) {
    throw new Error(`the ${ROTATION_OPTIONS_TAG_KEY} tag is malformed: "${value}"; deploy the stack again to rewrite it`);
  }
  const generator: GeneratorOptions = {
    ...DEFAULT_GENERATOR_OPTIONS,
    length,
    excludeLowercase: !classes.includes('l'),
    excludeUppercase: !classes.includes('u'),
    excludeNumbers: !classes.includes('n'),
    excludePunctuation: !classes.includes('p'),
    includeSpace: classes.includes('s'),
    requireEachIncludedType: fields.get('each') !== '0',
    excludeCharacters: Buffer.from(fields.get('exclude') ?? '', 'base64').toString('latin1'),
  };
  return {
    keepPrevious: fields.get('previous') === 'keep',
    generator,
    expireAfterSeconds: expire === undefined ? undefined : Number(expire),
  };
}

/**
 * How much older than its interval `intervalSeconds` a value may be when it rotates at the latest: one the rotator
 * did not reach in time (other writers throttled it, a write failed) is overdue, and goes first at the next tick,
 * within this time. Half the interval, at most an hour (a tick is at most a quarter of the interval and 45 minutes,
 * its invocation 15 minutes). The synth keeps expireAfter longer than the interval plus this.
 */
export function recentWriteSeconds(intervalSeconds: number): number {
  return Math.min(intervalSeconds / 2, 3600);
}

/**
 * The ExpirationNotification fires `Before` the Expiration; an event that arrives earlier than this before
 * the notification time still counts, and anything earlier is a stale event of a rotation already made.
 */
export const NOTIFICATION_SLACK_SECONDS = 3600;

/** EventBridge schedules the sweep in whole hours: no more often than hourly... */
const MIN_SWEEP_HOURS = 1;
/** ...and no less often than daily, however long the leads. */
const MAX_SWEEP_HOURS = 24;
/** A missed notification and one failed sweep still leave a sweep that renews the parameter in time. */
const SWEEPS_WITHIN_LEAD = 2;

/**
 * The shortest ExpirationNotification lead (`Before`, in hours) that a rotation before expiration accepts:
 * the lead must hold {@link SWEEPS_WITHIN_LEAD} sweeps at the most frequent schedule.
 */
export const MIN_NOTIFICATION_LEAD_HOURS = SWEEPS_WITHIN_LEAD * MIN_SWEEP_HOURS;

/**
 * The period, in whole hours, of the sweep that renews the parameters whose ExpirationNotification was not
 * delivered (Parameter Store emits it on a best-effort basis), for the shortest lead among them: two sweeps
 * fall within that lead, so within every parameter's due window (its lead plus
 * {@link NOTIFICATION_SLACK_SECONDS}) whatever the sweep's phase. Hourly at most often, daily at most rarely.
 */
export function sweepPeriodHours(shortestLeadHours: number): number {
  return Math.min(MAX_SWEEP_HOURS, Math.max(MIN_SWEEP_HOURS, Math.floor(shortestLeadHours / SWEEPS_WITHIN_LEAD)));
}
