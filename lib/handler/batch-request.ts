import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { OperatorError } from './errors';
import { ParameterSpec, parseEnvelope, requireString } from './request';
import { rotationSpec, withRotationTags } from './rotation-tags';
import { canonicalJson } from './source-fingerprint';
import { BatchProperties, MemberDefaults, MemberEntry, REMOVAL_DESTROY, decodeNameSet, memberObject, memberSource, memberValue, nameHash } from '../private/batch-protocol';
import { DEFAULT_TIER, ownerTagValue } from '../private/handler-protocol';

/** One member of a chunk as the handler understands it. */
export interface MemberSpec {
  readonly spec: ParameterSpec;
  /** Deleted (or released, if adopted) when removed from the app or with its chunk; else retained. */
  readonly destroy: boolean;
  /** Everything the template says about the member, canonical: equal fingerprints mean "unchanged". */
  readonly fingerprint: string;
}

/** One chunk's properties, decoded. */
export interface ChunkSpec {
  readonly path: string;
  readonly index: number;
  readonly chunks: number;
  readonly writesPerSecond: number;
  /** By full name. */
  readonly members: ReadonlyMap<string, MemberSpec>;
  /** Whether a name is a member of the batch, in any chunk. */
  readonly inBatch: (name: string) => boolean;
  /** The owner tag value of chunk `index` of this batch. */
  readonly ownerOf: (index: number) => string;
}

/** A chunk's request: the chunk's old and new properties, and its own owner tag value. */
export interface BatchRequest {
  readonly requestType: 'Create' | 'Update' | 'Delete';
  readonly chunk: ChunkSpec;
  readonly oldChunk?: ChunkSpec;
  /** The physical id the chunk's properties give: what a Create or Update answers. */
  readonly physicalId: string;
  /** The physical id CloudFormation knows (Update and Delete). */
  readonly knownPhysicalId?: string;
  readonly owner: string;
  readonly ssmArnPrefix: string;
  /** The stack's ARN and the chunk's logical id: where CloudFormation records the chunk's physical id. */
  readonly stackId: string;
  readonly logicalId: string;
  /** Unique per request: names the generation an Update that removes members answers. */
  readonly requestId: string;
}

/**
 * `#` never occurs in a parameter name, so a chunk's physical id never names a parameter. An Update that
 * removes DESTROY members answers the same id with a generation (`…@<generation>`): see batch-removals.ts.
 */
export function chunkPhysicalId(path: string, index: number): string {
  return `${path}#chunk-${index}`;
}

/** A physical id without its generation. */
export function chunkBaseId(physicalId: string): string {
  return physicalId.replace(/@[^@#]*$/, '');
}

/**
 * Parses and checks a chunk's event. Like `parseRequest`, errors name the field, never a value; a Delete
 * and an Update's old properties are read leniently, so that nothing malformed can block a rollback.
 */
export function parseBatchRequest(event: CloudFormationCustomResourceEvent): BatchRequest {
  const base = parseEnvelope(event);
  const stackName = base.stackName;
  const strict = event.RequestType !== 'Delete';
  const chunk = parseChunk(event.ResourceProperties, stackName, strict, 'ResourceProperties');
  if (strict && ownerTagValue(stackName, String(event.LogicalResourceId)) !== chunk.ownerOf(chunk.index)) {
    throw new OperatorError(
      `the chunk's logical id ${event.LogicalResourceId} is not its batch prefix followed by its index; ` +
        'chunks find each other by that name. Do not override the logical ids of a batched hierarchy.',
    );
  }
  return {
    requestType: base.requestType,
    chunk,
    oldChunk: event.RequestType === 'Update' ? parseChunk(event.OldResourceProperties, stackName, false, 'OldResourceProperties') : undefined,
    physicalId: chunkPhysicalId(chunk.path, chunk.index),
    knownPhysicalId: event.RequestType === 'Create' ? undefined : event.PhysicalResourceId,
    owner: base.owner,
    ssmArnPrefix: base.ssmArnPrefix,
    stackId: event.StackId,
    logicalId: event.LogicalResourceId,
    requestId: event.RequestId,
  };
}

function parseChunk(raw: unknown, stackName: string, strict: boolean, field: string): ChunkSpec {
  const props = (raw ?? {}) as Partial<BatchProperties>;
  if (strict) {
    for (const key of ['Path', 'KeyId', 'Batch', 'Index', 'Chunks', 'WritesPerSecond', 'All'] as const) {
      requireString(props[key], `${field}.${key}`);
    }
    // an array is not a string: requireString names the field the same way
    if (!Array.isArray(props.Members)) requireString(undefined, `${field}.Members`);
  }
  const path = String(props.Path ?? '');
  const defaults = props.Defaults ?? {};
  const members = new Map<string, MemberSpec>();
  for (const entry of props.Members ?? []) {
    const member = decodeMember(entry, path, String(props.KeyId ?? ''), defaults, stackName);
    members.set(member.spec.name, member);
  }
  const all = decodeNameSet(String(props.All ?? ''));
  return {
    path,
    index: Number(props.Index ?? 0),
    chunks: Number(props.Chunks ?? 1),
    writesPerSecond: Number(props.WritesPerSecond ?? 1),
    members,
    inBatch: (name) => all.has(nameHash(name)),
    ownerOf: (index) => ownerTagValue(stackName, `${props.Batch ?? ''}${index}`),
  };
}

/** A member with the chunk's defaults for what it does not carry. */
function decodeMember(entry: MemberEntry, path: string, keyId: string, defaults: MemberDefaults, stackName: string): MemberSpec {
  const own = memberObject(entry);
  const field = <K extends keyof MemberDefaults>(key: K) => memberValue(entry, defaults, key);
  const expireAfter = field('ExpireAfterSeconds');
  const spec: ParameterSpec = withRotationTags(stackName, {
    name: `${path}/${String(own.N)}`,
    keyId,
    tier: field('Tier') ?? DEFAULT_TIER,
    source: memberSource(entry),
    description: own.Description,
    allowedPattern: own.AllowedPattern,
    policies: field('Policies'),
    expireAfterSeconds: expireAfter === undefined ? undefined : Number(expireAfter),
    adopt: own.Adopt === 'true',
    tags: field('Tags') ?? [],
    rotation: rotationSpec(field('Rotation')),
  });
  const destroy = field('Removal') === REMOVAL_DESTROY;
  return { spec, destroy, fingerprint: canonicalJson({ ...spec, destroy }) };
}
