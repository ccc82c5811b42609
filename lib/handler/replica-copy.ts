import { OperatorError, isAwsError } from './errors';
import { tagsIfExists } from './ownership';
import { WriteContext, writeVersion } from './parameter-writes';
import { LiveParameter, readHistory, readHistoryIn, samePolicies } from './read-back';
import { SourceUnreadableError, currentSourceVersion, policiesOf, readSource } from './replica-source';
import { ParameterSpec } from './request';
import { OWNER_TAG_KEY, SourceType } from '../private/handler-protocol';
import { ParameterChangeEvent, isReplicated } from '../private/replica-protocol';

/** What one copier serves: the source region, the names (paths ending in `/`, or exact names) it replicates, its stack. */
export interface CopierConfig {
  readonly sourceRegion: string;
  readonly names: readonly string[];
  /** The copier's stack: the owner tag of each of its replicas is `<stackName>/<logical id>`. */
  readonly stackName: string;
}

/** What became of one change event, or of one replica a sweep found behind. Never a value. */
export interface CopyOutcome {
  readonly name: string;
  readonly copied: boolean;
  /** Why nothing was written. */
  readonly skipped?: string;
  /** The replica's new version. */
  readonly version?: number;
}

/** Copies of one event before the copier stops following a source that keeps moving (its next event copies again). */
const COPY_ATTEMPTS = 3;

const NOT_OURS = 'it is no replica of this stack here (none deployed yet, or not ours)';

/**
 * Brings the replica of the changed source parameter up to date with the source as it is now: an event that
 * arrives twice, late or out of order finds the replica already as new as the source and writes nothing; after a
 * write, a source that moved meanwhile is copied again, so a replica never ends on an older source version than the
 * current one. Four calls for a change (the replica's history, the source's value, the write, the source's version),
 * one more when the replica carries policies (the source's, for an Expiration the source renewed); two for an event
 * that finds nothing new. The copier never creates a replica (the deploy does) and never deletes one.
 */
export async function copyChange(event: ParameterChangeEvent, config: CopierConfig, ctx: WriteContext): Promise<CopyOutcome> {
  const name = String(event.detail?.name ?? '');
  const ignored = ignoredBecause(event, config, name);
  if (ignored) {
    return { name, copied: false, skipped: ignored };
  }
  const replica = await ownReplica(name, config, ctx);
  if (replica === undefined) {
    return { name, copied: false, skipped: NOT_OURS };
  }
  if (event.detail.operation === 'Delete') {
    return sourceDeleted(name, config, ctx);
  }
  return followSource(name, replica, config, ctx, { comparePolicies: false });
}

/**
 * Brings one replica that the sweep found behind its source (by both regions' listings) in step, as an event of
 * its source would; and also when only the policies differ, which a renewed Expiration copied with an older value
 * (a race) would leave. One more call than an event for a replica with policies that proves in step after all.
 */
export async function reconcileReplica(name: string, config: CopierConfig, ctx: WriteContext): Promise<CopyOutcome> {
  const replica = await ownReplica(name, config, ctx);
  if (replica === undefined) {
    return { name, copied: false, skipped: NOT_OURS };
  }
  return followSource(name, replica, config, ctx, { comparePolicies: true });
}

/** Copies the source's value (and, to a replica with policies, its policies) until the source stays put. */
async function followSource(
  name: string,
  first: LiveParameter,
  config: CopierConfig,
  ctx: WriteContext,
  check: { readonly comparePolicies: boolean },
): Promise<CopyOutcome> {
  let replica = first;
  for (let attempt = 1; ; attempt++) {
    const source = await readSource(name, config.sourceRegion, { decrypt: true }, ctx.clients, ctx.deadline);
    const sourceModified = source.LastModifiedDate?.getTime() ?? Infinity;
    const asNew = attempt === 1 && replica.lastModified !== undefined && replica.lastModified.getTime() >= sourceModified;
    const inStep = `the replica (version ${replica.version}) is as new as the source (version ${source.Version})`;
    if (asNew && !(check.comparePolicies && replica.policies.length > 0)) {
      return { name, copied: false, skipped: inStep };
    }
    const policies = replica.policies.length > 0 ? await sourcePolicies(name, config, ctx) : undefined;
    if (asNew && samePolicies(policies, replica.policies)) {
      return { name, copied: false, skipped: `${inStep}, with its policies` };
    }
    const value = source.Value ?? '';
    ctx.secrets.add(value);
    const written = await writeVersion(replicaSpec(name, replica, policies), value, [], replica, { Overwrite: true }, ctx);
    const now = await currentSourceVersion(name, config.sourceRegion, ctx.clients, ctx.deadline);
    if (now === source.Version || attempt === COPY_ATTEMPTS) {
      return { name, copied: true, version: written.version };
    }
    // the source moved after it was read: the replica now has a newer time than that change, so copy it at once
    replica = { ...replica, version: written.version, versionCount: replica.versionCount + 1 };
  }
}

/**
 * The replica's history, or undefined when `name` is no replica of this stack here. The copier may read the
 * history only of a parameter with this stack's owner tag, so IAM answers AccessDenied both for a name that is not
 * ours (absent, untagged, another stack's) and for a replica of ours that a broken role, a permissions boundary or
 * a service control policy keeps it from. Its tags, which the copier may read on every replicated name, tell the
 * two apart: the first is skipped quietly, the second fails (Lambda retries, then the dead-letter queue's alarm).
 */
async function ownReplica(name: string, config: CopierConfig, ctx: WriteContext): Promise<LiveParameter | undefined> {
  try {
    const replica = await readHistory(name, ctx);
    return replica.version === undefined ? undefined : replica;
  } catch (err) {
    if (isAwsError(err, 'ParameterNotFound')) return undefined;
    if (isAwsError(err, 'AccessDeniedException')) return deniedUnlessOurs(name, config, ctx);
    throw err;
  }
}

/** Undefined for a name that does not exist or is not this stack's; throws for a replica of ours that IAM refused. */
async function deniedUnlessOurs(name: string, config: CopierConfig, ctx: WriteContext): Promise<undefined> {
  const owner = (await tagsIfExists(name, ctx))?.find((t) => t.Key === OWNER_TAG_KEY)?.Value;
  if (owner === undefined || !owner.startsWith(`${config.stackName}/`)) {
    return undefined;
  }
  throw new OperatorError(
    `IAM refused the copier ssm:GetParameterHistory on this replica, which this stack owns (owner tag ${owner}): the copier's role is missing its ` +
      'ReadAndUnlabelOwnReplicas statement, or a permissions boundary or service control policy denies it. Deploy the replica\'s stack again to ' +
      'restore the role\'s policy, or lift the denial; until then this replica does not follow its source.',
  );
}

/**
 * A source deletion is not copied: the replica stays as it is. Unless the source exists again (a Create after the
 * Delete, delivered first), the copier fails, so that the event lands in its dead-letter queue and the alarm tells.
 */
async function sourceDeleted(name: string, config: CopierConfig, ctx: WriteContext): Promise<CopyOutcome> {
  const exists = await currentSourceVersion(name, config.sourceRegion, ctx.clients, ctx.deadline).then(
    () => true,
    (err) => (err instanceof SourceUnreadableError ? false : Promise.reject(err)),
  );
  if (exists) {
    return { name, copied: false, skipped: `the source exists again in ${config.sourceRegion}` };
  }
  throw new OperatorError(
    `the source was deleted in ${config.sourceRegion}; its replica here is kept and no longer follows it. ` +
      'Create the source again (the next change is copied), or remove the replica from the app.',
  );
}

/**
 * Events this copier does not act on: another path, type or operation. The event only names the parameter: the
 * copier reads the source region it serves whatever region the event carries, so a stray event costs reads only.
 */
function ignoredBecause(event: ParameterChangeEvent, config: CopierConfig, name: string): string | undefined {
  if (event.source !== 'aws.ssm' || event['detail-type'] !== 'Parameter Store Change') {
    return `not a Parameter Store Change event (${String(event['detail-type']).slice(0, 40)})`;
  }
  if (!isReplicated(name, config.names)) {
    return 'not a replicated name';
  }
  if (event.detail.type !== 'SecureString') {
    return `a ${String(event.detail.type).slice(0, 20)}, not a SecureString`;
  }
  const operation = event.detail.operation;
  return operation === 'Create' || operation === 'Update' || operation === 'Delete' ? undefined : `operation ${String(operation).slice(0, 30)}`;
}

/** The source's policies as they are now (an Expiration renewed with the value), as one JSON array. */
async function sourcePolicies(name: string, config: CopierConfig, ctx: WriteContext): Promise<string | undefined> {
  return policiesOf(await readHistoryIn(ctx.clients.ssmIn(config.sourceRegion), name, ctx.deadline));
}

/** The replica keeps its key, tier, description and pattern: the deploy set them from the source. */
function replicaSpec(name: string, replica: LiveParameter, policies: string | undefined): ParameterSpec {
  return {
    name,
    keyId: replica.keyId ?? '',
    tier: replica.tier ?? 'Standard',
    source: { Type: SourceType.REPLICA },
    description: replica.description,
    allowedPattern: replica.allowedPattern,
    policies,
    adopt: false,
    tags: [],
  };
}
