import { CfnResource, Fn, Lazy, Names, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct, IConstruct } from 'constructs';
import {
  ATTRIBUTE_PATH,
  BATCH_RESOURCE_TYPE,
  BatchProperties,
  DEFAULT_MEMBER_SOURCE,
  MemberDefaults,
  MemberEntry,
  MemberFields,
  REMOVAL_DESTROY,
  chunkOf,
  encodeNameSet,
} from './batch-protocol';
import { BatchedSecureString } from './batched-secure-string';
import { addResourceDependency } from './dependencies';
import { ATTRIBUTE_ARN, DEFAULT_TIER, SERVICE_TIMEOUT_SECONDS } from './handler-protocol';
import { ParameterRotator } from './parameter-rotator';
import { policyProperties, tierForPolicies } from './policy-validation';
import { notificationLead } from './rotation-validation';
import { SecureStringHandler, committedCiphertextKeys } from './secure-string-handler';
import { validateSecureString } from './secure-string-validation';
import { ParameterValidationError } from './validation-error';
import { HierarchyDeployment } from '../hierarchy-deployment';
import { ParameterPolicy } from '../parameter-policy';
import type { ParameterRotation } from '../parameter-rotation';
import type { SecureStringParameterProps } from '../secure-string-parameter';

/**
 * Seconds of PutParameter calls one chunk may need at its rate: 8 of the handler's 15 minutes, so that the
 * busiest chunk (jump hashing spreads members within a few percent) still ends with minutes to spare for
 * reads, retries and other writers of the account.
 */
const CHUNK_WRITE_SECONDS = 480;
/**
 * Template bytes of members per chunk, on average. An Update event carries a chunk's old and new properties
 * (members plus the batch's name set) and Lambda's asynchronous invocations take at most 256 KB.
 */
const CHUNK_MEMBER_BYTES = 48_000;
/** The most properties one chunk may have (old and new are sent together, within 256 KB). */
const MAX_CHUNK_PROPERTY_BYTES = 110_000;
/** The batch's name set costs each chunk about 5.4 bytes per member: beyond this, chunks grow too large. */
export const MAX_BATCH_MEMBERS = 8_000;

/** The hierarchy's defaults, which members carry only where they differ. */
export interface BatchDefaults {
  readonly tier?: ssm.ParameterTier;
  readonly policies?: ParameterPolicy[];
  readonly removalPolicy?: RemovalPolicy;
  /** The rotation of generated members that set none. */
  readonly rotation?: ParameterRotation;
}

export interface HierarchyBatchProps {
  /** The path of the hierarchy tree's root: members' names are relative to it. */
  readonly path: string;
  readonly encryptionKey: kms.IKey;
  readonly writesPerSecond: number;
  readonly defaults: BatchDefaults;
}

interface Member {
  readonly parameter: BatchedSecureString;
  readonly fullName: string;
  readonly relativeName: string;
  /** Every field, before the defaults are taken out (tags are rendered at synth). */
  readonly fields: Partial<MemberFields>;
}

/** Fields a chunk carries once as its default, and members only where they differ. */
const DEFAULTABLE = ['Tier', 'Policies', 'ExpireAfterSeconds', 'Removal', 'Tags', 'Rotation'] as const;

/**
 * The SecureStrings of a batched hierarchy (and its children): a chunk resource per few hundred members,
 * created as members are added, chained with DependsOn so that CloudFormation runs them one after another.
 */
export class HierarchyBatch extends Construct {
  private readonly members: Member[] = [];
  private readonly chunks: CfnResource[] = [];
  private readonly membersPerChunk: number;
  private readonly staticDefaults: MemberDefaults;
  private memberBytes = 0;
  /** Which chunk holds each member, and the name set, for the current number of members. */
  private layout?: { readonly members: number; readonly groups: Member[][]; readonly names: string };

  constructor(scope: Construct, id: string, private readonly props: HierarchyBatchProps) {
    super(scope, id);
    this.membersPerChunk = Math.max(1, Math.floor(props.writesPerSecond * CHUNK_WRITE_SECONDS));
    const policies = props.defaults.policies ?? [];
    const tier = tierForPolicies(props.defaults.tier, policies) ?? ssm.ParameterTier.STANDARD;
    this.staticDefaults = {
      ...policyProperties(policies),
      Tier: tier === DEFAULT_TIER ? undefined : tier,
      Removal: props.defaults.removalPolicy === RemovalPolicy.DESTROY ? REMOVAL_DESTROY : undefined,
      Rotation: props.defaults.rotation?._properties,
    };
    this.node.addValidation({ validate: () => this.oversizedChunks() });
  }

  /** A member at `props.parameterName`, created in `scope` (the hierarchy it was added to). */
  public add(scope: Construct, id: string, props: SecureStringParameterProps): BatchedSecureString {
    const fullName = props.parameterName;
    if (this.members.length >= MAX_BATCH_MEMBERS) {
      throw new ParameterValidationError(
        scope,
        `${fullName}: a batched hierarchy holds at most ${MAX_BATCH_MEMBERS} SecureStrings (each chunk carries the set of all member names). Split ${this.props.path} into several hierarchies`,
      );
    }
    const policies = props.policies ?? [];
    const tier = tierForPolicies(props.tier, policies) ?? ssm.ParameterTier.STANDARD;
    const parameter = new BatchedSecureString(scope, id, {
      parameterName: fullName,
      encryptionKey: this.props.encryptionKey,
      tier,
      referencedName: Lazy.string({ produce: () => this.reference(fullName, ATTRIBUTE_PATH) }),
      referencedArn: Lazy.string({ produce: () => this.reference(fullName, ATTRIBUTE_ARN) }),
      valueSource: props.value._properties,
      policies,
      rotation: props.rotation?._active,
    });
    validateSecureString(parameter, props, tier);
    if (props.encryptionKey !== undefined && props.encryptionKey !== this.props.encryptionKey) {
      throw new ParameterValidationError(parameter, `${fullName}: a batched hierarchy encrypts every member with its one key; give the key to the hierarchy at ${this.props.path}`);
    }
    SecureStringHandler.of(this).register({
      name: fullName,
      key: this.props.encryptionKey,
      ...committedCiphertextKeys(props.value.sourceType, this.props.encryptionKey),
      secret: props.value._secret,
    });
    const rotation = props.rotation?._active;
    if (rotation) {
      const key = this.props.encryptionKey;
      ParameterRotator.of(this).register({ scope: parameter, name: fullName, key, tier, rotation, notificationLead: notificationLead(policies) });
    }
    const relativeName = fullName.slice(this.props.path.length + 1);
    const member: Member = { parameter, fullName, relativeName, fields: memberFields(props, tier, policies) };
    this.members.push(member);
    this.memberBytes += JSON.stringify(entryOf(member, member.fields, this.staticDefaults)).length + 1;
    while (this.chunks.length < this.chunksNeeded()) {
      this.addChunk();
    }
    return parameter;
  }

  /** Enough chunks for the members' writes at the rate, and for their bytes. */
  private chunksNeeded(): number {
    return Math.max(1, Math.ceil(this.members.length / this.membersPerChunk), Math.ceil(this.memberBytes / CHUNK_MEMBER_BYTES));
  }

  private addChunk(): void {
    const index = this.chunks.length;
    const handler = SecureStringHandler.of(this);
    const properties: BatchProperties & Record<string, unknown> = {
      ServiceToken: handler.serviceToken,
      ServiceTimeout: String(SERVICE_TIMEOUT_SECONDS),
      Path: this.props.path,
      KeyId: this.props.encryptionKey.keyArn,
      Batch: this.logicalIdPrefix(),
      Index: String(index),
      Chunks: Lazy.string({ produce: () => String(this.chunks.length) }),
      WritesPerSecond: String(this.props.writesPerSecond),
      Defaults: Lazy.any({ produce: () => this.renderedDefaults() }) as unknown as MemberDefaults,
      Members: Lazy.any({ produce: () => this.entries(index) }) as unknown as MemberEntry[],
      All: Lazy.string({ produce: () => this.currentLayout().names }),
    };
    const chunk = new CfnResource(this, `Chunk${index}`, { type: BATCH_RESOURCE_TYPE, properties });
    // the handler finds a chunk's siblings (and their owner tags) by this name
    chunk.overrideLogicalId(`${this.logicalIdPrefix()}${index}`);
    if (index > 0) {
      // one chunk after another: each has the whole PutParameter pace to itself, and a member that moves to a
      // new chunk leaves its old one first (batch-protocol.ts)
      addResourceDependency(chunk, this.chunks[index - 1]);
    }
    this.chunks.push(chunk);
  }

  private logicalIdPrefix(): string {
    return `${Names.uniqueId(this)}Chunk`;
  }

  /** A member's name or ARN, as a reference to the chunk that writes it. */
  private reference(fullName: string, attribute: string): string {
    const chunk = this.chunks[chunkOf(fullName, this.chunks.length)];
    return Fn.join('', [Token.asString(chunk.getAtt(attribute)), fullName.slice(this.props.path.length)]);
  }

  /** Computed once all members are added (at synth); again only if a member is added after. */
  private currentLayout(): { readonly groups: Member[][]; readonly names: string } {
    if (this.layout?.members !== this.members.length) {
      const groups = this.chunks.map((): Member[] => []);
      for (const m of [...this.members].sort((a, b) => (a.fullName < b.fullName ? -1 : 1))) {
        groups[chunkOf(m.fullName, this.chunks.length)].push(m);
      }
      this.layout = { members: this.members.length, groups, names: encodeNameSet(this.members.map((m) => m.fullName)) };
    }
    return this.layout;
  }

  private entries(index: number): MemberEntry[] {
    const defaults = this.renderedDefaults();
    return this.currentLayout().groups[index].map((m) => entryOf(m, { ...m.fields, Tags: renderedTags(m) }, defaults));
  }

  /** The static defaults, and the tags most members have (usually `Tags.of(hierarchy)`'s). */
  private renderedDefaults(): MemberDefaults | undefined {
    const counts = new Map<string, number>();
    for (const m of this.members) {
      const key = JSON.stringify(renderedTags(m) ?? []);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const [commonTags] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? ['[]'];
    const defaults: MemberDefaults = { ...this.staticDefaults, Tags: commonTags === '[]' ? undefined : JSON.parse(commonTags) };
    return Object.values(defaults).some((v) => v !== undefined) ? defaults : undefined;
  }

  private oversizedChunks(): string[] {
    const names = this.currentLayout().names.length;
    return this.chunks
      .map((_, index) => ({ index, bytes: names + JSON.stringify(this.entries(index)).length }))
      .filter((c) => c.bytes > MAX_CHUNK_PROPERTY_BYTES)
      .map(
        (c) =>
          `${this.node.path}: chunk ${c.index} of ${this.props.path} has ${c.bytes} bytes of properties; CloudFormation's event (old and new properties) ` +
          `must fit Lambda's 256 KB, so a chunk may have at most ${MAX_CHUNK_PROPERTY_BYTES}. Shorten the members' descriptions or values, or split the hierarchy`,
      );
  }
}

function memberFields(props: SecureStringParameterProps, tier: ssm.ParameterTier, policies: ParameterPolicy[]): Partial<MemberFields> {
  const source = props.value._properties;
  return {
    Source: JSON.stringify(source) === JSON.stringify(DEFAULT_MEMBER_SOURCE) ? undefined : source,
    Tier: tier === DEFAULT_TIER ? undefined : tier,
    Description: props.description,
    AllowedPattern: props.allowedPattern,
    ...policyProperties(policies),
    Adopt: props.adoptExisting ? 'true' : undefined,
    Removal: props.removalPolicy === RemovalPolicy.DESTROY ? REMOVAL_DESTROY : undefined,
    Rotation: props.rotation?._active?._properties,
  };
}

function renderedTags(member: Member): MemberFields['Tags'] {
  return member.parameter._renderTags(member.parameter.tags);
}

/**
 * The member as its chunk carries it: its relative name alone when every field is the default, else the
 * fields that differ (an empty string, or no tags, where the default has a value the member has not).
 */
function entryOf(member: Member, fields: Partial<MemberFields>, defaults: MemberDefaults | undefined): MemberEntry {
  const own: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined && !(DEFAULTABLE as readonly string[]).includes(key)) own[key] = value;
  }
  for (const key of DEFAULTABLE) {
    const value = fields[key];
    const fallback = defaults?.[key];
    if (JSON.stringify(value) !== JSON.stringify(fallback)) {
      own[key] = value ?? (key === 'Tags' ? [] : '');
    }
  }
  return Object.keys(own).length === 0 ? member.relativeName : { N: member.relativeName, ...own };
}

/** A child's deployment is its parent's; a batched rate must be one Parameter Store can give. */
export function sharedDeployment(
  scope: IConstruct & { path: string },
  given: HierarchyDeployment | undefined,
  parent: { readonly path: string; readonly deployment: HierarchyDeployment } | undefined,
): HierarchyDeployment {
  if (parent && given && given !== parent.deployment) {
    throw new ParameterValidationError(scope, `a child hierarchy shares its parent's deployment; remove 'deployment' from ${scope.path} or set it on ${parent.path}`);
  }
  const deployment = parent?.deployment ?? given ?? HierarchyDeployment.perParameter();
  const rate = deployment.writesPerSecond;
  if (deployment.isBatched && !(Number.isFinite(rate) && rate! > 0 && rate! <= HierarchyDeployment.MAX_WRITES_PER_SECOND)) {
    throw new ParameterValidationError(
      scope,
      `${scope.path}: writesPerSecond ${rate} is invalid; it must be a number above 0 and at most ${HierarchyDeployment.MAX_WRITES_PER_SECOND} ` +
        `(PutParameter's quota is 3 per second per account and region by default, ${HierarchyDeployment.MAX_WRITES_PER_SECOND} with higher throughput)`,
    );
  }
  return deployment;
}
