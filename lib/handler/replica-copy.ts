import { OperatorError } from './errors';
import { WriteContext, writeVersion } from './parameter-writes';
import { LiveParameter, readHistory, readHistoryIn } from './read-back';
import { SourceUnreadableError, currentSourceVersion, policiesOf, readSource } from './replica-source';
import { ParameterSpec } from './request';
import { SourceType } from '../private/handler-protocol';
import { ParameterChangeEvent, isReplicated } from '../private/replica-protocol';

/** What one copier serves: the source region and the names (paths ending in `/`, or exact names) it replicates. */
export interface CopierConfig {
  readonly sourceRegion: string;
  readonly names: readonly string[];
}

/** What became of one change event. Never a value. */
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
  // the copier may read only parameters with this stack's owner tag: IAM refuses any other name (one that does
  // not exist included), which is how a name under the path that is no replica of this stack is told apart
  let replica = await readHistory(name, ctx).catch(notFoundAs(undefined, 'AccessDeniedException'));
  if (replica === undefined || replica.version === undefined) {
    return { name, copied: false, skipped: 'it is no replica of this stack here (none deployed yet, or not ours)' };
  }
  if (event.detail.operation === 'Delete') {
    return sourceDeleted(name, config, ctx);
  }
  for (let attempt = 1; ; attempt++) {
    const source = await readSource(name, config.sourceRegion, { decrypt: true }, ctx.clients, ctx.deadline);
    const sourceModified = source.LastModifiedDate?.getTime() ?? Infinity;
    if (attempt === 1 && replica.lastModified && replica.lastModified.getTime() >= sourceModified) {
      return { name, copied: false, skipped: `the replica (version ${replica.version}) is as new as the source (version ${source.Version})` };
    }
    const value = source.Value ?? '';
    ctx.secrets.add(value);
    const policies = replica.policies.length > 0 ? await sourcePolicies(name, config, ctx) : undefined;
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

/** Answers `fallback` for a parameter that does not exist (or for another of `names`), rethrows any other error. */
function notFoundAs<T>(fallback: T, ...names: string[]): (err: unknown) => T {
  return (err) => {
    if (err instanceof Error && ['ParameterNotFound', ...names].includes(err.name)) return fallback;
    throw err;
  };
}
