/**
 * The contract between a batched ParameterHierarchy (synth time) and the handler, for one chunk of members.
 * No aws-cdk-lib import here: the handler bundle includes this file.
 *
 * A chunk is one custom resource holding up to a few hundred members. Which chunk holds a member is a
 * jump consistent hash of its name over the number of chunks: adding a chunk moves only the members that
 * the new (highest) chunk takes, removing chunks moves only theirs. Chunks run one after another, lowest
 * index first, so a member that moves to a new chunk leaves its old chunk before the new one claims it.
 */
import { createHash } from 'crypto';
import { ParameterProperties, SourceProperties, SourceType, canonicalParameterName } from './handler-protocol';

/** The resource type of each chunk. */
export const BATCH_RESOURCE_TYPE = 'Custom::SecureStringBatch';

/** Attribute of a chunk: the hierarchy's path, so that a member's name can reference the chunk that writes it. */
export const ATTRIBUTE_PATH = 'Path';

/** The removal policy of a member that is deleted with its chunk or when removed from the app. */
export const REMOVAL_DESTROY = 'Destroy';

/** What a member may set differently from the chunk's defaults (the ParameterProperties names, plus its removal). */
export interface MemberFields extends Omit<ParameterProperties, 'Name' | 'KeyId'> {
  /** {@link REMOVAL_DESTROY}, or absent to retain. */
  readonly Removal?: string;
}

/** The fields most members share, carried once per chunk. */
export type MemberDefaults = Partial<Pick<MemberFields, 'Tier' | 'Policies' | 'ExpireAfterSeconds' | 'Removal' | 'Tags' | 'Rotation'>>;

/**
 * One member: its name relative to the path when everything else is the default (a generated value with
 * default options), else its name as `N` and each field that differs. An empty string stands for "none"
 * where the default has a value (e.g. no policies under a hierarchy with policies).
 */
export type MemberEntry = string | (Partial<MemberFields> & { readonly N: string });

/** The resource properties of one chunk. CloudFormation passes every scalar as a string. */
export interface BatchProperties {
  /** The hierarchy's path: members' names are relative to it. */
  readonly Path: string;
  readonly KeyId: string;
  /** The chunks' logical id prefix: chunk `i` is `<Batch><i>`, and its owner tag is `<stack>/<Batch><i>`. */
  readonly Batch: string;
  readonly Index: string;
  /** How many chunks the batch has. */
  readonly Chunks: string;
  /** The PutParameter rate this chunk may use. */
  readonly WritesPerSecond: string;
  readonly Defaults?: MemberDefaults;
  readonly Members: MemberEntry[];
  /** Every member of the batch (all chunks), as a set of name hashes: see {@link encodeNameSet}. */
  readonly All: string;
}

/** The source of a member that carries none: a value generated with the default options. */
export const DEFAULT_MEMBER_SOURCE: SourceProperties = { Type: SourceType.GENERATED };

/** A member's entry as an object, whichever form the template has. */
export function memberObject(entry: MemberEntry): Partial<MemberFields> & { readonly N: string } {
  return typeof entry === 'string' ? { N: entry } : entry;
}

/** A member's own value of a field, else the chunk's default; an empty string means "none". */
export function memberValue<K extends keyof MemberDefaults>(
  entry: MemberEntry,
  defaults: MemberDefaults | undefined,
  key: K,
): MemberFields[K] | undefined {
  const own = memberObject(entry)[key];
  const value = own !== undefined ? own : defaults?.[key];
  return value === '' ? undefined : value;
}

export function memberSource(entry: MemberEntry): SourceProperties {
  return memberObject(entry).Source ?? DEFAULT_MEMBER_SOURCE;
}

const UINT64 = 2n ** 64n;

/**
 * The chunk (0 … chunks - 1) that holds `name`: Lamping and Veach's jump consistent hash, so that going
 * from n to n + 1 chunks moves only the members the new chunk takes (about 1 / (n + 1) of them).
 */
export function chunkOf(name: string, chunks: number): number {
  let key = digest(name).readBigUInt64BE(0);
  let bucket = -1;
  let next = 0;
  while (next < chunks) {
    bucket = next;
    // the 64-bit linear congruential step of the paper, and its top 31 bits
    key = (key * 2862933555777941757n + 1n) % UINT64;
    next = Math.floor((bucket + 1) * (2 ** 31 / (Number(key / 2n ** 33n) + 1)));
  }
  return bucket;
}

/**
 * Every member name of a batch as sorted 4-byte hashes, base64: about 5.4 template bytes per member per
 * chunk. A chunk tells from it whether a name that left its own list moved to another chunk or left the
 * app. A collision (about N / 2^32 per removed name) keeps a removed member instead of deleting it.
 */
export function encodeNameSet(names: Iterable<string>): string {
  const hashes = [...new Set([...names].map(nameHash))].sort((a, b) => a - b);
  const buffer = Buffer.alloc(hashes.length * 4);
  hashes.forEach((h, i) => buffer.writeUInt32BE(h, i * 4));
  return buffer.toString('base64');
}

/** The set `encodeNameSet` made, for membership tests. */
export function decodeNameSet(encoded: string): ReadonlySet<number> {
  const buffer = Buffer.from(encoded, 'base64');
  const hashes = new Set<number>();
  for (let offset = 0; offset + 4 <= buffer.length; offset += 4) {
    hashes.add(buffer.readUInt32BE(offset));
  }
  return hashes;
}

export function nameHash(name: string): number {
  return digest(name).readUInt32BE(8);
}

function digest(name: string): Buffer {
  return createHash('sha256').update(canonicalParameterName(name)).digest();
}
