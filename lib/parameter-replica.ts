import { createHash } from 'crypto';
import { Lazy, Names, RemovalPolicy, Stack, TagManager, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { ParameterHierarchy } from './parameter-hierarchy';
import { ParameterKey } from './parameter-key';
import { ParameterKeyReplica } from './parameter-key-replica';
import { assertOtherRegionOfSameAccount } from './private/cross-region';
import { addStackDependency } from './private/dependencies';
import { managedPolicyOf } from './private/managed-policy-grantee';
import { resolveParameterKey } from './private/parameter-key-resolution';
import { ReplicaCopier } from './private/replica-copier';
import { ReplicaForwarder } from './private/replica-forwarder';
import { assertFollowNotNeeded, sweepInterval } from './private/replica-sweep';
import { SecureStringHandler } from './private/secure-string-handler';
import { SecureStringParameterBase, grantReadOnAll } from './private/secure-string-parameter-base';
import { ParameterValidationError } from './private/validation-error';
import { ReplicaSource } from './replica-source';
import { ISecureStringParameter, SecureStringParameter } from './secure-string-parameter';
import { SecureValue } from './secure-value';

/**
 * Properties of a {@link ParameterReplica}.
 */
export interface ParameterReplicaProps {
  /** The SecureStrings to replicate, in a stack of another region of the same account. */
  readonly source: ReplicaSource;

  /**
   * The key of the replicas, in the replica's region.
   *
   * @default - a ParameterKeyReplica when every source is encrypted with one multi-Region ParameterKey
   * (its stack then needs `crossRegionReferences: true`), else a new ParameterKey
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * What happens to a replica when it is removed from the stack (or its source from the app).
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * Follow changes made to the sources outside CloudFormation (an operator setting a placeholder, a rotation):
   * a rule in the source's stack forwards each source's `Parameter Store Change` events to this region, where a
   * copier function brings the replica up to date, typically within a minute. The copier also compares every
   * replica with its source on a schedule (hourly, more often for sources renewed shortly before they expire) and
   * copies what a lost event left behind, so a replica is never deleted at an Expiration its source has renewed.
   * Deleting a source does not delete its replica: the copier logs it and `followAlarm` goes off. Without it,
   * replicas change only when the replica's stack deploys a changed source definition, so a source with an
   * Expiration policy or a rotation is refused.
   *
   * @default true
   */
  readonly follow?: boolean;
}

/**
 * Copies of SecureStrings in another region: the parameters of the same names, written by this stack's handler
 * at deploy time from their sources (read and decrypted through Parameter Store of the source region) and
 * encrypted under a key of this region. Value, description, allowed pattern and policies follow the source (an
 * Expiration keeps the source's timestamp); the tier and tags are the source's at synth time.
 *
 * A source member is copied when the replica is created, again whenever its definition changes in the app, and,
 * with `follow`, whenever the source changes outside CloudFormation. The replica's stack deploys after the source's.
 */
export class ParameterReplica extends Construct {
  /** The region the sources are read from. */
  public readonly sourceRegion: string;

  /** The key of the replicas. */
  public readonly encryptionKey: kms.IKey;

  /**
   * In alarm while a change of a source could not be copied here (after Lambda's retries), or a source was
   * deleted: the copier's dead-letter queue holds the event and its log says what to do.
   *
   * @default - undefined when `follow` is off
   */
  public readonly followAlarm?: cloudwatch.Alarm;

  /**
   * In alarm (in the source's region) while a change could not be forwarded to this region.
   *
   * @default - undefined when `follow` is off
   */
  public readonly forwardAlarm?: cloudwatch.Alarm;

  private readonly hierarchy?: ParameterHierarchy;
  /** The source stack's name, which its owner tags start with. */
  private readonly sourceStackName: string;
  private readonly replicas = new Map<string, ISecureStringParameter>();

  constructor(scope: Construct, id: string, props: ParameterReplicaProps) {
    super(scope, id);
    const sources = props.source._members();
    const origin = props.source._scope;
    if (origin === undefined || sources.size === 0) {
      throw new ParameterValidationError(this, 'the source has no SecureString to replicate; add the SecureStrings to the source before creating its replica');
    }
    assertOtherRegionOfSameAccount(this, origin);
    if (!(props.follow ?? true)) {
      assertFollowNotNeeded(this, sources);
    }
    this.sourceRegion = Stack.of(origin).region;
    this.sourceStackName = concreteStackName(this, Stack.of(origin));
    this.encryptionKey = props.encryptionKey ? this.ownRegionKey(props.encryptionKey) : this.defaultKey([...sources.values()]);
    addStackDependency(Stack.of(this), Stack.of(origin), `${this.node.path} copies SecureStrings of ${origin.node.path}`);

    const source = props.source._hierarchy;
    if (source) {
      this.hierarchy = new ParameterHierarchy(this, 'Hierarchy', {
        path: source.path,
        encryptionKey: this.encryptionKey,
        removalPolicy: props.removalPolicy,
        deployment: source.deployment,
      });
    }
    for (const [name, member] of sources) {
      this.replicas.set(name, this.replicate(name, member, props.removalPolicy));
    }
    this.node.addValidation({ validate: () => this.membersAddedAfterwards(props.source, sources) });
    if (props.follow ?? true) {
      const copier = new ReplicaCopier(this, 'Follow', {
        sourceRegion: this.sourceRegion,
        sourceStackName: this.sourceStackName,
        path: source?.path,
        names: [...sources.keys()],
        key: this.encryptionKey,
        tiers: [...new Set([...sources.values()].map((m) => m.tier))],
        sweepInterval: sweepInterval(sources),
      });
      const forwarder = new ReplicaForwarder(Stack.of(origin), `ForwardTo${Names.uniqueId(this)}`, {
        replicaRegion: Stack.of(this).region,
        eventNames: copier.eventNames,
      });
      this.followAlarm = copier.alarm;
      this.forwardAlarm = forwarder.alarm;
    }
  }

  /** Every replica, by name. */
  public get parameters(): ISecureStringParameter[] {
    return [...this.replicas.values()];
  }

  /**
   * The replica of one source parameter, in this region: for consumers here (`ecs.Secret.fromSsmParameter`,
   * a Lambda function), with grants scoped to its encryption context in this region.
   *
   * @param name the full name of a source parameter, or for a hierarchy source its name relative to the path
   */
  public parameter(name: string): ISecureStringParameter {
    const fullName = this.hierarchy && !name.startsWith('/') ? `${this.hierarchy.path}/${name}` : name;
    const replica = this.replicas.get(fullName);
    if (!replica) {
      throw new ParameterValidationError(this, `${fullName} is not replicated here; the replicated names are ${[...this.replicas.keys()].join(', ')}`);
    }
    return replica;
  }

  /**
   * Read access to the replicas in this region, like the source's `grantRead`: one replica (when `subPath` names
   * one), a sub-path of a hierarchy's replicas, or all of them; `kms:Decrypt` only for their encryption
   * contexts in this region and only through Parameter Store of this region.
   *
   * @param grantee who may read
   * @param subPath a replica's name or, for a hierarchy source, a sub-path relative to its path
   * @default - every replica
   */
  public grantRead(grantee: iam.IGrantable, subPath?: string): iam.Grant {
    if (this.hierarchy) {
      return this.hierarchy.grantRead(grantee, subPath);
    }
    if (subPath !== undefined) {
      return this.parameter(subPath).grantRead(grantee);
    }
    // one statement each side for all the replicas, which share this replica's key
    return grantReadOnAll(grantee, [...this.replicas.values()] as SecureStringParameterBase[], this.encryptionKey);
  }

  /**
   * A new customer-managed policy with exactly the statements of `grantRead(grantee, subPath)`, for roles
   * that must hold no inline policy (cdk-nag's `IAMNoInlinePolicy` in the HIPAA, NIST 800-53 and PCI DSS
   * packs). Attach it with `role.addManagedPolicy(policy)` or `policy.attachToRole(role)`.
   *
   * @param id the construct id of the policy, under this replica
   * @param subPath a replica's name or, for a hierarchy source, a sub-path relative to its path
   * @default - every replica
   */
  public readPolicy(id: string, subPath?: string): iam.ManagedPolicy {
    return managedPolicyOf(this, id, (grantee) => this.grantRead(grantee, subPath));
  }

  private replicate(name: string, source: SecureStringParameterBase, removalPolicy: RemovalPolicy | undefined): ISecureStringParameter {
    const value = SecureValue._replicaOf(this.sourceRegion, Lazy.string({ produce: () => revision(source) }));
    SecureStringHandler.of(this).registerReplicaSource(this.sourceRegion, name, this.sourceStackName);
    const replica = this.hierarchy
      ? this.hierarchy.addSecureString(memberId(name), { name: name.slice(this.hierarchy.path.length + 1), value, tier: source.tier, removalPolicy })
      : new SecureStringParameter(this, memberId(name), {
        parameterName: name,
        value,
        encryptionKey: this.encryptionKey,
        tier: source.tier,
        removalPolicy,
      });
    (replica as SecureStringParameterBase)._inheritedTags = TagManager.isTaggable(source) ? source.tags : undefined;
    return replica;
  }

  /** A given key must be one Parameter Store of this region can use. */
  private ownRegionKey(key: kms.IKey): kms.IKey {
    const resolved = resolveParameterKey(this, key);
    ParameterKey.assertSymmetric(this, resolved);
    const region = Stack.of(this).region;
    if (!Token.isUnresolved(resolved.env.region) && resolved.env.region !== region) {
      throw new ParameterValidationError(
        this,
        `key ${resolved.node.path} is in ${resolved.env.region}; the replicas in ${region} need a key of ${region} (a ParameterKeyReplica, or a ParameterKey of this stack)`,
      );
    }
    return resolved;
  }

  /** A replica of the sources' one multi-Region ParameterKey, else a new key of this region. */
  private defaultKey(sources: SecureStringParameterBase[]): kms.IKey {
    const keys = new Set(sources.map((s) => s.encryptionKey));
    const [only] = keys;
    if (keys.size === 1 && only instanceof ParameterKey && only.multiRegion) {
      return new ParameterKeyReplica(this, 'Key', { primaryKey: only, description: `Encrypts the replicas of ${this.node.path}` });
    }
    return new ParameterKey(this, 'Key', { description: `Encrypts the replicas of ${this.node.path}` });
  }

  /** The sources are read when the replica is made: a SecureString added to them afterwards would be missed silently. */
  private membersAddedAfterwards(source: ReplicaSource, replicated: Map<string, SecureStringParameterBase>): string[] {
    const missed = [...source._members().keys()].filter((name) => !replicated.has(name));
    return missed.length === 0
      ? []
      : [`${this.node.path}: ${missed.join(', ')} joined the source after the replica was created and would not be replicated; create the ParameterReplica after the source's last SecureString`];
  }
}

/**
 * The source stack's deployed name: the replica's roles may read only parameters with its owner tag. A nested
 * stack's name exists only at deploy time, in another region: a source there cannot be named here.
 */
function concreteStackName(replica: Construct, stack: Stack): string {
  if (Token.isUnresolved(stack.stackName)) {
    throw new ParameterValidationError(replica, `the source is in ${stack.node.path}, whose name is known only at deploy time (a nested stack); replicate SecureStrings of a top-level stack`);
  }
  return stack.stackName;
}

/** A construct id from a parameter name (ids cannot hold '/'). */
function memberId(name: string): string {
  return name.replace(/^\//, '').replace(/\//g, '.');
}

/**
 * A digest of what decides the source's value and attributes in the app: its value source, tier and key. The
 * template of the replica changes with it, so CloudFormation asks the handler to copy the source again.
 */
function revision(source: SecureStringParameterBase): string {
  const definition = Stack.of(source).resolve({ value: source._valueSource, tier: source.tier, key: source.encryptionKey.keyArn });
  return createHash('sha256').update(JSON.stringify(definition)).digest('hex').slice(0, 16);
}
