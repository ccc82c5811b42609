import { DeleteParameterCommand } from '@aws-sdk/client-ssm';
import { OperatorError, isAwsError } from './errors';
import { policiesWithExpiration } from './expiration';
import { generateValue } from './generator';
import { tagsIfExists } from './ownership';
import { pacedWrite, putCommand, writtenVersion } from './parameter-writes';
import { LiveParameter, VersionFacts, readHistory, sameWrite, versionOf } from './read-back';
import { ParameterSpec } from './request';
import { SendOptions } from './retry';
import { RotationContext, RotationOutcome } from './rotation-context';
import { SOURCE_LABEL_PREFIX } from './source-fingerprint';
import { labelVersion, makeRoomForWrite } from './source-labels';
import { SourceType } from '../private/handler-protocol';
import {
  CURRENT_LABEL,
  PREVIOUS_LABEL,
  ROTATION_OPTIONS_TAG_KEY,
  ROTATION_TAG_KEY,
  RotationTagOptions,
  parseRotationOptions,
} from '../private/rotation-protocol';

/**
 * The rotator's write, safe against a deploy that writes the same parameter at the same time (PutParameter has no
 * compare-and-swap; the handler's side is deploy-write.ts):
 * - it decides in its write slot, right before its PutParameter: a deploy that changed the parameter first is seen;
 * - its PutParameter is conditioned on the rotation tag, which a deploy that ends the rotation removes first;
 * - after its write it reads the history: a version another writer wrote between its decision and its write was
 *   replaced by a value made from stale attributes, so it writes once more from that version (the deploy's
 *   attributes and value source), or fails loudly when the parameter no longer rotates; a version written after its
 *   own is left alone, and the labels its late label calls moved off that version go back;
 * - a write that answers version 1 created the parameter again after its stack deleted it: it deletes that.
 */

/** What a rotation decided, in its write slot, from the parameter's tags and history. */
export type Decision =
  | { readonly skip: RotationOutcome }
  | { readonly live: LiveParameter; readonly base: VersionFacts; readonly options: RotationTagOptions };

/** A write of ours that replaced another writer's version: the next write starts from that version. */
export interface Replaced {
  /** The other writer's version our write replaced. */
  readonly version: number;
  /** Our write, made from stale attributes. */
  readonly stale: number;
}

/** Decides whether and from which version to rotate; `replaced` set when an earlier write of ours must be made good. */
export type Decide = (replaced: Replaced | undefined) => Promise<Decision>;

/** One write's result: the rotation's outcome, or a write of ours that replaced a newer version. */
export type Step = { readonly outcome: RotationOutcome } | { readonly replaced: Replaced };

/** What a rotation wrote, and from what it decided. */
interface RotationWrite {
  readonly version: number;
  /** The newest version when it decided: the one just before its own, unless another writer wrote in between. */
  readonly decidedOn: VersionFacts;
  /** The version whose attributes and labels it took, and which it replaces. */
  readonly base: VersionFacts;
  readonly labels: readonly string[];
  readonly keepPrevious: boolean;
}

export async function rotateOnce(name: string, decide: Decide, replaced: Replaced | undefined, ctx: RotationContext): Promise<Step> {
  const written = await pacedWrite('ssm:PutParameter', (options) => decideAndWrite(name, decide, replaced, ctx, options), ctx);
  return 'skip' in written ? { outcome: written.skip } : settle(name, written, ctx);
}

/**
 * One PutParameter with `Overwrite`: a new value, the base version's key, tier, description and pattern, its policies
 * with a renewed relative Expiration. The value is never read: the write needs no kms:Decrypt.
 */
async function decideAndWrite(
  name: string,
  decide: Decide,
  replaced: Replaced | undefined,
  ctx: RotationContext,
  send: SendOptions,
): Promise<RotationWrite | { readonly skip: RotationOutcome }> {
  const decision = await decide(replaced);
  if ('skip' in decision) {
    return decision;
  }
  const { live, base, options } = decision;
  if (base.type !== 'SecureString' || base.keyId === undefined) {
    throw new OperatorError(`it is a ${base.type ?? 'missing'} parameter, not a SecureString with a key: deploy the stack again to restore it`);
  }
  const value = generateValue(options.generator);
  ctx.secrets.add(value);
  await makeRoomForWrite(name, live, true, ctx);
  try {
    const result = await ctx.clients.ssm.send(putCommand(rotationSpec(name, base, options, ctx.now()), value, live, { Overwrite: true }), send);
    const labels = [...baseSources(live, base, replaced), ...(options.keepPrevious ? [CURRENT_LABEL] : [])];
    return { version: writtenVersion(result).version, decidedOn: live, base, labels, keepPrevious: options.keepPrevious };
  } catch (err) {
    if (err instanceof Error && err.name === 'AccessDeniedException' && !(await rotatesHere(name, ctx))) {
      return { skip: { rotated: false, reason: 'a deploy took it off rotation while it was rotated: IAM refused the write (its rotation tag is no longer this stack\'s)' } };
    }
    throw err;
  }
}

function rotationSpec(name: string, base: VersionFacts, options: RotationTagOptions, now: number): ParameterSpec {
  return {
    name,
    keyId: base.keyId!,
    tier: base.tier ?? 'Standard',
    source: { Type: SourceType.GENERATED },
    description: base.description,
    allowedPattern: base.allowedPattern,
    policies: renewedPolicies(base.policies, options.expireAfterSeconds, now),
    adopt: false,
    tags: [],
    rotation: { trigger: '', keepPrevious: options.keepPrevious },
  };
}

/**
 * The labels (the source label and `current` to the new version, `previous` to the replaced one), then the history:
 * whether another writer wrote between the decision and the write, or after it.
 */
async function settle(name: string, write: RotationWrite, ctx: RotationContext): Promise<Step> {
  if (write.version === 1) {
    return { outcome: await deleteRecreated(name, ctx) };
  }
  try {
    await labelRotation(name, write, ctx);
    const live = await readHistory(name, ctx);
    if (!sameWrite(versionOf(live, write.version - 1), write.decidedOn)) {
      return { replaced: { version: write.version - 1, stale: write.version } };
    }
    if (live.version! > write.version) {
      await restoreLabels(name, write, live, ctx);
    }
  } catch (err) {
    if (isAwsError(err, 'ParameterNotFound')) {
      return { outcome: { rotated: false, reason: `its stack deleted it right after the rotation wrote version ${write.version}` } };
    }
    throw err;
  }
  return { outcome: { rotated: true, version: write.version } };
}

async function labelRotation(name: string, write: RotationWrite, ctx: RotationContext): Promise<void> {
  if (write.labels.length > 0) {
    await labelVersion(name, write.version, write.labels, ctx);
  }
  if (write.keepPrevious && write.base.version !== undefined) {
    await labelVersion(name, write.base.version, [PREVIOUS_LABEL], ctx);
  }
}

/**
 * A deploy wrote after this rotation, and this rotation's label calls may have landed after the deploy's: the labels
 * they took from the deploy's version go back to it. The deploy's version carries no source label when it was written
 * from the same source (ours moved it), and `current` when the parameter still rotates keeping the previous value; a
 * new value from another source replaced ours, which is then `previous`.
 */
async function restoreLabels(name: string, write: RotationWrite, live: LiveParameter, ctx: RotationContext): Promise<void> {
  const newest = versionOf(live, live.version!)!;
  const newestSources = sourceLabels(newest);
  const ourSources = write.labels.filter((l) => l.startsWith(SOURCE_LABEL_PREFIX));
  const keepPrevious = write.keepPrevious && keepsPrevious(await tagsIfExists(name, ctx), ctx.stackName);
  const back = [
    ...(newestSources.length === 0 ? ourSources : []),
    ...(keepPrevious && !newest.labels?.includes(CURRENT_LABEL) ? [CURRENT_LABEL] : []),
  ];
  if (back.length > 0) {
    await labelVersion(name, newest.version!, back, ctx);
  }
  const newValue = newestSources.length > 0 && !newestSources.some((l) => ourSources.includes(l));
  if (keepPrevious && newValue && newest.version === write.version + 1 && !versionOf(live, write.version)?.labels?.includes(PREVIOUS_LABEL)) {
    await labelVersion(name, write.version, [PREVIOUS_LABEL], ctx);
  }
}

/**
 * Our write created the parameter again: its stack deleted it after the rotation had decided (a DESTROY delete, or the
 * stack's). The rotator may delete a parameter of its names only while no stack's owner tag is on it.
 */
async function deleteRecreated(name: string, ctx: RotationContext): Promise<RotationOutcome> {
  try {
    await pacedWrite('ssm:DeleteParameter', (options) => ctx.clients.ssm.send(new DeleteParameterCommand({ Name: name }), options), ctx);
  } catch (err) {
    if (!isAwsError(err, 'ParameterNotFound')) {
      throw new OperatorError(
        'its stack deleted it while it was rotated, and the rotation\'s write created it again (version 1, without tags); deleting that failed ' +
          `(${(err as Error).name}). Delete it: aws ssm delete-parameter --name ${name}`,
      );
    }
  }
  return { rotated: false, reason: 'its stack deleted it while it was rotated: the rotation\'s write created it again, and the rotator deleted that' };
}

/** Whether the parameter still carries this stack's rotation tag. */
async function rotatesHere(name: string, ctx: RotationContext): Promise<boolean> {
  const tags = await tagsIfExists(name, ctx);
  return tags?.find((t) => t.Key === ROTATION_TAG_KEY)?.Value?.startsWith(`${ctx.stackName}/`) === true;
}

/** Whether the tags say the parameter rotates here keeping the previous value. */
function keepsPrevious(tags: ReadonlyArray<{ Key?: string; Value?: string }> | undefined, stackName: string): boolean {
  const value = (key: string) => tags?.find((t) => t.Key === key)?.Value;
  if (!value(ROTATION_TAG_KEY)?.startsWith(`${stackName}/`)) {
    return false;
  }
  try {
    return parseRotationOptions(value(ROTATION_OPTIONS_TAG_KEY) ?? '').keepPrevious;
  } catch {
    return false;
  }
}

/**
 * The source labels the new version takes: the base version's, so that a rollback to that source restores the rotated
 * value, never an older one. Making good a stale write, the base may have lost its label to that write's label call.
 */
function baseSources(live: LiveParameter, base: VersionFacts, replaced: Replaced | undefined): string[] {
  const own = sourceLabels(base);
  const stale = replaced && versionOf(live, replaced.stale);
  return own.length > 0 || !stale ? own : sourceLabels(stale);
}

function sourceLabels(version: VersionFacts): string[] {
  return (version.labels ?? []).filter((l) => l.startsWith(SOURCE_LABEL_PREFIX));
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
