import { AddTagsToResourceCommand, GetParametersCommand, Tag } from '@aws-sdk/client-ssm';
import { BatchRequest, ChunkSpec, MemberSpec, chunkPhysicalId } from './batch-request';
import { DeferredReadBack } from './deferred-read-back';
import { OperatorError, explainError } from './errors';
import { LifecycleContext, runLifecycle } from './lifecycle';
import { readOwnership } from './ownership';
import { redact } from './redact';
import { LifecycleRequest, parameterArn } from './request';
import { withRetries } from './retry';
import { WritePacer } from './write-pacer';
import { ATTRIBUTE_PATH, chunkOf } from '../private/batch-protocol';
import { ATTRIBUTE_ARN, OWNER_TAG_KEY, REMOVED_TAG_KEY } from '../private/handler-protocol';

/** Members handled at once: their reads overlap, their writes wait for their slots in the pacer. */
const CONCURRENCY = 8;
/** GetParameters takes at most ten names. */
const NAMES_PER_READ = 10;
/** A member is not started with less time than this left: its write could not finish, and would only fail. */
const MEMBER_TIME_MS = 20_000;
/** Member messages quoted in the FAILED reason (CloudFormation shows about 1,500 characters); the log has all. */
const QUOTED_FAILURES = 3;

export interface BatchOutcome {
  readonly physicalId: string;
  readonly data: Record<string, string>;
}

/** One member's work in this request. */
interface MemberTask {
  readonly member: MemberSpec;
  readonly run: (ctx: LifecycleContext) => Promise<unknown>;
}

/**
 * A chunk's Create, Update or Delete: member by member, with the semantics of a per-parameter SecureString
 * (lifecycle.ts), and the chunk's writes paced to its WritesPerSecond. An Update is a diff: an unchanged
 * member costs no call at all. Every member is tried; the chunk fails if any failed, naming them.
 */
export async function runBatch(request: BatchRequest, ctx: LifecycleContext): Promise<BatchOutcome> {
  const { chunk } = request;
  const batchCtx: LifecycleContext = { ...ctx, pacer: new WritePacer(chunk.writesPerSecond), deferredReadBack: new DeferredReadBack() };
  const tasks = request.requestType === 'Delete' ? deleteTasks(request) : await convergeTasks(request, batchCtx);
  const failures = await runTasks(tasks, batchCtx);
  for (const [name, err] of await batchCtx.deferredReadBack!.verify(batchCtx)) {
    failures.set(name, err);
  }
  const members = new Map(tasks.map((t) => [t.member.spec.name, t.member]));
  console.log(`${request.requestType} ${request.physicalId}: ${tasks.length} members changed, ${failures.size} failed`);
  if (failures.size > 0) {
    throw new OperatorError(failureReason(chunk, [...failures].map(([name, err]) => memberMessage(members.get(name)!, err, ctx))));
  }
  return { physicalId: request.physicalId, data: { [ATTRIBUTE_PATH]: chunk.path, [ATTRIBUTE_ARN]: parameterArn(request.ssmArnPrefix, chunk.path) } };
}

/** What an Update or Create changes: added, changed and removed members; unchanged ones are not touched. */
async function convergeTasks(request: BatchRequest, ctx: LifecycleContext): Promise<MemberTask[]> {
  const { chunk, oldChunk } = request;
  const old = oldChunk?.members ?? new Map<string, MemberSpec>();
  const added = [...chunk.members.values()].filter((m) => !old.has(m.spec.name));
  const changed = [...chunk.members.values()].filter((m) => old.has(m.spec.name) && old.get(m.spec.name)!.fingerprint !== m.fingerprint);
  // a new path is a new physical id: CloudFormation's cleanup Delete of the old id handles the old names
  const samePath = oldChunk !== undefined && chunkPhysicalId(oldChunk.path, oldChunk.index) === request.physicalId;
  const removed = samePath ? [...old.values()].filter((m) => !chunk.members.has(m.spec.name)) : [];
  const existing = await existingNames(added.map((m) => m.spec.name), ctx);
  return [
    ...removed.map((member) => ({ member, run: (c: LifecycleContext) => leave(request, member, c) })),
    ...added.map((member) => ({ member, run: (c: LifecycleContext) => runLifecycle(memberRequest(request, 'Create', member, { exists: existing.has(member.spec.name) }), c) })),
    ...changed.map((member) => ({
      member,
      run: (c: LifecycleContext) => runLifecycle(memberRequest(request, 'Update', member, { oldSpec: old.get(member.spec.name)!.spec, physicalId: member.spec.name }), c),
    })),
  ];
}

/**
 * A chunk's Delete (the stack's, a removed chunk's, a failed Create's rollback, or the cleanup after a new
 * path): each member by its removal policy. Properties that do not give the physical id being deleted
 * describe another resource than the one CloudFormation deletes: nothing is deleted on their word.
 */
function deleteTasks(request: BatchRequest): MemberTask[] {
  if (request.knownPhysicalId !== request.physicalId) {
    console.log(`Delete ${request.knownPhysicalId}: its properties describe ${request.physicalId}; nothing deleted`);
    return [];
  }
  return [...request.chunk.members.values()]
    .filter((m) => m.destroy)
    .map((member) => ({ member, run: (c: LifecycleContext) => runLifecycle(memberRequest(request, 'Delete', member, { physicalId: member.spec.name }), c) }));
}

/**
 * A member that left this chunk's list. If another chunk took it (its owner tag changed), nothing to do. If
 * it is still in the batch, it moved to another chunk: it is handed over (its owner tag set to that chunk's),
 * which is what that chunk checks when it claims it, before or after this one runs. Else it left the app:
 * kept with RETAIN, like a per-parameter one; with DESTROY kept too, and marked (REMOVED_TAG_KEY), because
 * this deploy may still fail and roll back, and a deleted secret cannot come back with its value (an
 * adopted one is given back, as a Delete would).
 */
async function leave(request: BatchRequest, member: MemberSpec, ctx: LifecycleContext): Promise<void> {
  const { chunk } = request;
  const name = member.spec.name;
  const ownership = await readOwnership(name, ctx);
  if (ownership === undefined || ownership.owner !== request.owner) {
    return;
  }
  if (chunk.inBatch(name)) {
    const home = chunkOf(name, chunk.chunks);
    if (home !== chunk.index) {
      await addTags(name, [{ Key: OWNER_TAG_KEY, Value: chunk.ownerOf(home) }], ctx);
    }
    return;
  }
  if (member.destroy && ownership.adopted) {
    // giving back what existed before costs nothing a rollback cannot redo: adoptExisting takes it again
    await runLifecycle(memberRequest(request, 'Delete', member, { physicalId: name }), ctx);
  } else if (member.destroy) {
    await addTags(name, [{ Key: REMOVED_TAG_KEY, Value: new Date().toISOString() }], ctx);
    console.log(`${name}: left the app; kept and tagged ${REMOVED_TAG_KEY} (a rollback may still need it). Delete it once the deploy succeeded.`);
  }
}

async function addTags(name: string, tags: Tag[], ctx: LifecycleContext): Promise<void> {
  await withRetries(
    'ssm:AddTagsToResource',
    (options) => ctx.clients.ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: name, Tags: tags }), options),
    ctx.deadline,
  );
}

function memberRequest(request: BatchRequest, requestType: LifecycleRequest['requestType'], member: MemberSpec, extra: Partial<LifecycleRequest>): LifecycleRequest {
  return { requestType, spec: member.spec, owner: request.owner, ssmArnPrefix: request.ssmArnPrefix, ...extra };
}

/**
 * Which of these names exist, ten per GetParameters call (the read quota, not PutParameter's): those are
 * taken over without a write. A group the role may not read (another owner's parameter among them) is
 * left to the per-member path, which says whose parameter it is.
 */
async function existingNames(names: string[], ctx: LifecycleContext): Promise<Set<string>> {
  const existing = new Set<string>();
  for (let i = 0; i < names.length; i += NAMES_PER_READ) {
    const group = names.slice(i, i + NAMES_PER_READ);
    try {
      const result = await withRetries(
        'ssm:GetParameters',
        (options) => ctx.clients.ssm.send(new GetParametersCommand({ Names: group, WithDecryption: false }), options),
        ctx.deadline,
      );
      for (const p of result.Parameters ?? []) existing.add(p.Name!);
    } catch (err) {
      if (!(err instanceof Error && err.name === 'AccessDeniedException')) throw err;
    }
  }
  return existing;
}

/** Runs the tasks, a few at a time, and returns each failure by member name. */
async function runTasks(tasks: MemberTask[], ctx: LifecycleContext): Promise<Map<string, unknown>> {
  const failures = new Map<string, unknown>();
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++];
      try {
        if (ctx.deadline - Date.now() < MEMBER_TIME_MS) {
          throw new OperatorError(
            'not reached before the handler ran out of time: Parameter Store throttled the writes more than expected (another writer in the ' +
              'account may be using the PutParameter quota). Retry the deployment; members already written are kept, and not written again.',
          );
        }
        await task.run(ctx);
      } catch (err) {
        failures.set(task.member.spec.name, err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, tasks.length) }, worker));
  return failures;
}

/** The operator's message for one member, redacted, also written to the log. */
function memberMessage(member: MemberSpec, err: unknown, ctx: LifecycleContext): string {
  const { spec } = member;
  const secretArn = typeof spec.source.SecretArn === 'string' ? spec.source.SecretArn : undefined;
  const message = redact(explainError(err, { parameterName: spec.name, keyId: spec.keyId, secretArn }), ctx.secrets);
  console.error(`FAILED: ${message}`);
  return message;
}

function failureReason(chunk: ChunkSpec, messages: string[]): string {
  const quoted = messages.slice(0, QUOTED_FAILURES).join(' | ');
  const more = messages.length > QUOTED_FAILURES ? ` | and ${messages.length - QUOTED_FAILURES} more in the handler's log` : '';
  return `${messages.length} member(s) of chunk ${chunk.index + 1} of ${chunk.chunks} failed; the others are written. ${quoted}${more}`;
}
