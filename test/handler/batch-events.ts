import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { KEY_ARN, STACK_ID } from './events';
import { chunkPhysicalId } from '../../lib/handler/batch-request';
import { BATCH_RESOURCE_TYPE, BatchProperties, MemberDefaults, MemberEntry, encodeNameSet } from '../../lib/private/batch-protocol';

/** The hierarchy's path and the chunks' logical id prefix, as a batched hierarchy `Prod` in `AppStack` would have them. */
export const PATH = '/app/prod';
let requests = 0;
export const BATCH = 'ProdBatchChunk';

/** The owner tag value of chunk `index`. */
export const chunkOwner = (index: number) => `AppStack/${BATCH}${index}`;

/** A member's full name from its relative one. */
export const fullName = (relative: string) => `${PATH}/${relative}`;

/** A member's relative name, whichever form its entry has. */
export const relativeName = (entry: MemberEntry) => (typeof entry === 'string' ? entry : entry.N);

export interface ChunkOptions {
  readonly members: MemberEntry[];
  readonly index?: number;
  readonly chunks?: number;
  readonly defaults?: MemberDefaults;
  /** Relative names of every member of the batch (all chunks); this chunk's members when absent. */
  readonly all?: string[];
  readonly writesPerSecond?: number;
}

/** One chunk's properties, with every scalar a string as CloudFormation delivers them. */
export function batchProperties(options: ChunkOptions): BatchProperties {
  const all = options.all ?? options.members.map(relativeName);
  return {
    Path: PATH,
    KeyId: KEY_ARN,
    Batch: BATCH,
    Index: String(options.index ?? 0),
    Chunks: String(options.chunks ?? 1),
    WritesPerSecond: String(options.writesPerSecond ?? 10),
    ...(options.defaults ? { Defaults: options.defaults } : {}),
    Members: options.members,
    All: encodeNameSet(all.map(fullName)),
  };
}

function common(props: BatchProperties) {
  return {
    ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:handler',
    ResponseURL: 'https://cloudformation-custom-resource-response.example/response',
    StackId: STACK_ID,
    // unique, as CloudFormation's are: an Update that marks removals names its generation after it
    RequestId: `request-${++requests}`,
    LogicalResourceId: `${props.Batch}${props.Index}`,
    ResourceType: BATCH_RESOURCE_TYPE,
  };
}

const withToken = (props: BatchProperties): any => ({ ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:handler', ...props });

export function batchCreate(props: BatchProperties): CloudFormationCustomResourceEvent {
  return { ...common(props), RequestType: 'Create', ResourceProperties: withToken(props) } as CloudFormationCustomResourceEvent;
}

/** An Update of a chunk (CloudFormation's rollback is one too, with the old properties as the new ones). */
export function batchUpdate(props: BatchProperties, oldProps: BatchProperties): CloudFormationCustomResourceEvent {
  return {
    ...common(props),
    RequestType: 'Update',
    PhysicalResourceId: chunkPhysicalId(oldProps.Path, Number(oldProps.Index)),
    ResourceProperties: withToken(props),
    OldResourceProperties: withToken(oldProps),
  } as CloudFormationCustomResourceEvent;
}

export function batchDelete(props: BatchProperties): CloudFormationCustomResourceEvent {
  return {
    ...common(props),
    RequestType: 'Delete',
    PhysicalResourceId: chunkPhysicalId(props.Path, Number(props.Index)),
    ResourceProperties: withToken(props),
  } as CloudFormationCustomResourceEvent;
}
