import { GetParametersCommand } from '@aws-sdk/client-ssm';
import { MemberTask, Removals, deleteTasks, memberRequest } from './batch-removals';
import { BatchRequest, ChunkSpec, MemberSpec } from './batch-request';
import { forEachConcurrently } from './concurrency';
import { DeferredReadBack } from './deferred-read-back';
import { OperatorError, explainError, quoteFailures } from './errors';
import { LifecycleContext, runLifecycle } from './lifecycle';
import { redact } from './redact';
import { parameterArn } from './request';
import { withRetries } from './retry';
import { WritePacer } from './write-pacer';
import { ATTRIBUTE_PATH } from '../private/batch-protocol';
import { ATTRIBUTE_ARN } from '../private/handler-protocol';

/** Members handled at once: their reads overlap, their writes wait for their slots in the pacer. */
const CONCURRENCY = 8;
/** GetParameters takes at most ten names. */
const NAMES_PER_READ = 10;
/** A member is not started with less time than this left: its write could not finish, and would only fail. */
const MEMBER_TIME_MS = 20_000;

export interface BatchOutcome {
  readonly physicalId: string;
  readonly data: Record<string, string>;
}

/**
 * A chunk's Create, Update or Delete: member by member, with the semantics of a per-parameter SecureString
 * (lifecycle.ts), and the chunk's writes paced to its WritesPerSecond. An Update is a diff: an unchanged
 * member costs no call at all. Every member is tried; the chunk fails if any failed, naming them.
 */
export async function runBatch(request: BatchRequest, ctx: LifecycleContext): Promise<BatchOutcome> {
  const { chunk } = request;
  const batchCtx: LifecycleContext = { ...ctx, pacer: new WritePacer(chunk.writesPerSecond), deferredReadBack: new DeferredReadBack() };
  const removals = new Removals(request);
  const tasks = request.requestType === 'Delete' ? await deleteTasks(request, batchCtx) : await convergeTasks(request, removals, batchCtx);
  const failures = await runTasks(tasks, batchCtx);
  for (const [name, err] of await batchCtx.deferredReadBack!.verify(batchCtx)) {
    failures.set(name, err);
  }
  const members = new Map(tasks.map((t) => [t.member.spec.name, t.member]));
  console.log(`${request.requestType} ${request.physicalId}: ${tasks.length} members changed, ${failures.size} failed`);
  if (failures.size > 0) {
    throw new OperatorError(failureReason(chunk, tasks.length, [...failures].map(([name, err]) => memberMessage(members.get(name)!, err, ctx))));
  }
  const physicalId = request.requestType === 'Delete' ? request.knownPhysicalId! : removals.answer();
  return { physicalId, data: { [ATTRIBUTE_PATH]: chunk.path, [ATTRIBUTE_ARN]: parameterArn(request.ssmArnPrefix, chunk.path) } };
}

/** What an Update or Create changes: added, changed and removed members; unchanged ones are not touched. */
async function convergeTasks(request: BatchRequest, removals: Removals, ctx: LifecycleContext): Promise<MemberTask[]> {
  const { chunk, oldChunk } = request;
  const old = oldChunk?.members ?? new Map<string, MemberSpec>();
  const added = [...chunk.members.values()].filter((m) => !old.has(m.spec.name));
  const changed = [...chunk.members.values()].filter((m) => old.has(m.spec.name) && old.get(m.spec.name)!.fingerprint !== m.fingerprint);
  const removed = [...old.values()].filter((m) => !chunk.members.has(m.spec.name));
  const existing = await existingNames(added.map((m) => m.spec.name), ctx);
  return [
    ...removed.map((member) => ({ member, run: (c: LifecycleContext) => removals.leave(member, c) })),
    ...added.map((member) => ({ member, run: (c: LifecycleContext) => runLifecycle(memberRequest(request, 'Create', member, { exists: existing.has(member.spec.name) }), c) })),
    ...changed.map((member) => ({
      member,
      run: (c: LifecycleContext) => runLifecycle(memberRequest(request, 'Update', member, { oldSpec: old.get(member.spec.name)!.spec, physicalId: member.spec.name }), c),
    })),
  ];
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
  await forEachConcurrently(tasks, CONCURRENCY, async (task) => {
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
  });
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

function failureReason(chunk: ChunkSpec, attempted: number, messages: string[]): string {
  const others = messages.length < attempted ? '; the others are written' : '';
  return `${messages.length} member(s) of chunk ${chunk.index + 1} of ${chunk.chunks} failed${others}. ${quoteFailures(messages, 'the handler\'s log')}`;
}
