import { createHash } from 'crypto';
import { AddTagsToResourceCommand, Tag } from '@aws-sdk/client-ssm';
import { BatchRequest, MemberSpec, chunkBaseId } from './batch-request';
import { LifecycleContext, runLifecycle } from './lifecycle';
import { readOwnership } from './ownership';
import { syncTags } from './parameter-writes';
import { LifecycleRequest } from './request';
import { withRetries } from './retry';
import { stopRotation } from './rotation-tags';
import { chunkOf } from '../private/batch-protocol';
import { OWNER_TAG_KEY, REMOVED_TAG_KEY } from '../private/handler-protocol';
import { ROTATION_OPTIONS_TAG_KEY } from '../private/rotation-protocol';

/**
 * How members leave a chunk without a rollback ever losing one. A DESTROY member that leaves the app during
 * an Update is not deleted then (the deploy may still fail, and a deleted secret cannot come back with its
 * value): it is marked with REMOVED_TAG_KEY = the chunk's next physical id, and the Update answers that id.
 * CloudFormation takes a new physical id for a replacement: once the whole deploy succeeded, it deletes the
 * previous id, and that Delete deletes the members the new id marked — the same moment a per-parameter
 * SecureString removed from the template is deleted. A Delete of the chunk's current id (the stack's, a
 * removed chunk's, a failed Create's) deletes every DESTROY member it owns; which of the two a Delete is,
 * CloudFormation's record of the chunk says.
 */

/** One member's work in a chunk's request. */
export interface MemberTask {
  readonly member: MemberSpec;
  readonly run: (ctx: LifecycleContext) => Promise<unknown>;
}

export function memberRequest(request: BatchRequest, requestType: LifecycleRequest['requestType'], member: MemberSpec, extra: Partial<LifecycleRequest>): LifecycleRequest {
  return { requestType, spec: member.spec, owner: request.owner, ssmArnPrefix: request.ssmArnPrefix, ...extra };
}

/** The removals of one Create or Update, and the physical id it answers. */
export class Removals {
  /** The id this request answers if it marks a member: the same chunk, a generation named by the request. */
  public readonly nextId: string;
  private marked = false;

  constructor(private readonly request: BatchRequest) {
    this.nextId = `${request.physicalId}@${createHash('sha256').update(request.requestId).digest('hex').slice(0, 12)}`;
  }

  /**
   * A member that left this chunk's list. If another chunk took it (its owner tag changed), nothing to do.
   * If it is still in the batch, it moved: it is handed over (its owner tag set to its new chunk's), which
   * that chunk checks when it claims it, before or after this one runs. Else it left the app: kept with
   * RETAIN (like a per-parameter one), marked with DESTROY, given back at once if adopted (adoptExisting
   * takes it again if a rollback brings it back), and in every case no longer rotated.
   */
  public async leave(member: MemberSpec, ctx: LifecycleContext): Promise<void> {
    const { chunk } = this.request;
    const name = member.spec.name;
    const ownership = await readOwnership(name, ctx);
    if (ownership === undefined || ownership.owner !== this.request.owner) {
      return;
    }
    if (chunk.inBatch(name)) {
      const home = chunkOf(name, chunk.chunks);
      if (home !== chunk.index) {
        await addTags(name, [{ Key: OWNER_TAG_KEY, Value: chunk.ownerOf(home) }], ctx);
      }
      return;
    }
    if (member.spec.rotation) {
      // the rotator stops with the member, as with a per-parameter one: its rotation tag says `stopped` (which refuses a
      // rotation's write still under way), its options go (a rollback that brings it back sets both again)
      await stopRotation(name, ctx);
      await syncTags(name, [], member.spec.tags.filter((t) => t.Key === ROTATION_OPTIONS_TAG_KEY), ctx);
    }
    if (member.destroy && ownership.adopted) {
      await runLifecycle(memberRequest(this.request, 'Delete', member, { physicalId: name }), ctx);
    } else if (member.destroy) {
      await addTags(name, [{ Key: REMOVED_TAG_KEY, Value: this.nextId }], ctx);
      this.marked = true;
    }
  }

  /** The physical id to answer: the next generation once a member was marked, else the one CloudFormation knows. */
  public answer(): string {
    if (this.marked) {
      return this.nextId;
    }
    const known = this.request.knownPhysicalId;
    return known !== undefined && chunkBaseId(known) === this.request.physicalId ? known : this.request.physicalId;
  }
}

/**
 * A chunk's Delete. Properties that do not give the physical id being deleted describe another resource:
 * nothing is deleted on their word. The chunk's previous generation (CloudFormation records another id for
 * it) deletes only the members its successor marked; its current one, every DESTROY member it owns.
 */
export async function deleteTasks(request: BatchRequest, ctx: LifecycleContext): Promise<MemberTask[]> {
  const known = request.knownPhysicalId ?? '';
  const destroy = [...request.chunk.members.values()].filter((m) => m.destroy);
  if (chunkBaseId(known) !== request.physicalId) {
    console.log(`Delete ${known}: its properties describe ${request.physicalId}; nothing deleted`);
    return [];
  }
  if (destroy.length === 0) {
    return [];
  }
  const current = await recordedPhysicalId(request, ctx);
  const superseded = current !== undefined && current !== known;
  return destroy.map((member) => ({
    member,
    run: async (c: LifecycleContext) => {
      if (superseded && (await readOwnership(member.spec.name, c))?.removedBy !== current) {
        return;
      }
      await runLifecycle(memberRequest(request, 'Delete', member, { physicalId: member.spec.name }), c);
    },
  }));
}

/** The chunk's physical id as CloudFormation records it now; undefined when the stack no longer has the chunk. */
async function recordedPhysicalId(request: BatchRequest, ctx: LifecycleContext): Promise<string | undefined> {
  // loaded here, not at the top: only a batched chunk's Delete needs it (clients.ts)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { DescribeStackResourceCommand } = require('@aws-sdk/client-cloudformation') as typeof import('@aws-sdk/client-cloudformation');
  try {
    const result = await withRetries(
      'cloudformation:DescribeStackResource',
      (options) => {
        const describe = new DescribeStackResourceCommand({ StackName: request.stackId, LogicalResourceId: request.logicalId });
        return ctx.clients.cloudformation.send(describe, options);
      },
      ctx.deadline,
    );
    return result.StackResourceDetail?.PhysicalResourceId;
  } catch (err) {
    // only "this resource (or stack) is not there" means gone; anything else (AccessDenied) fails the Delete
    if (err instanceof Error && err.name === 'ValidationError' && /does not exist/i.test(err.message)) {
      return undefined;
    }
    throw err;
  }
}

async function addTags(name: string, tags: Tag[], ctx: LifecycleContext): Promise<void> {
  await withRetries(
    'ssm:AddTagsToResource',
    (options) => ctx.clients.ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: name, Tags: tags }), options),
    ctx.deadline,
  );
}
