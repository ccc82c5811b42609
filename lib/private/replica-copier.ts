import * as path from 'path';
import { Aws, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct } from 'constructs';
import { writeOwnLogsAndTraces } from './function-telemetry';
import { OWNER_TAG_CONDITION_KEY, decryptReplicaSources, readReplicaSources } from './handler-policy';
import { ENCRYPTION_CONTEXT_KEY } from './handler-protocol';
import { tierKeyActions } from './key-actions';
import { checkEventPatternSize } from './limit-checks';
import { acknowledgeFinding } from './nag-acknowledgements';
import { decryptContextFinding, wildcardResourceFinding } from './nag-finding-id';
import { parameterArnFor } from './parameter-name';
import { coveringPatterns, patternsWithin } from './parameter-prefixes';
import { parameterStoreViaService } from './parameter-store-conditions';
import { renderedLength } from './rendered-size';
import { REPLICATED_NAMES_ENV, REPLICA_STACK_ENV, ReplicaSweepInput, SOURCE_REGION_ENV } from './replica-protocol';
import { acknowledgeWorkerFindings } from './worker-acknowledgements';
import { createWorker } from './worker-function';
import { ParameterEventType } from '../parameter-events';

const BUNDLE_DIR = path.join(__dirname, '..', '..', 'assets', 'lib', 'handler', 'copier.lambda');
/**
 * Up to this many characters of exact names go into the copier's environment (4 KB in all) and into both rules'
 * event patterns, which stay far below EventBridge's pattern size; more names, by their covering paths.
 */
const MAX_NAMED_CHARACTERS = 1_000;
/** What to do when the replicated names do not fit an event pattern (they are exact, or their covering paths). */
export const REPLICATED_NAMES_WAY_OUT =
  'The replicated names are matched by their covering paths: replicate fewer top-level paths per ParameterReplica, or replicate a ParameterHierarchy.';
/** How much of IAM's 6,144 characters the copier's parameter patterns may take (limit-checks.ts verifies the whole). */
const PATTERN_CHARACTERS = 3_500;
/** The statements that name them: two on the sources, four on the replicas. */
const PATTERN_USES = 6;

export interface ReplicaCopierProps {
  readonly sourceRegion: string;
  /** The source's stack: its owner tag is on every source. */
  readonly sourceStackName: string;
  /** The replicated names: a hierarchy's path (every name under it), or the parameters' names. */
  readonly path?: string;
  readonly names: string[];
  readonly key: kms.IKey;
  /** The replicas' tiers: the tier write actions the copier's key statement needs. */
  readonly tiers: string[];
  /** How often the copier compares every replica with its source (replica-sweep.ts). */
  readonly sweepInterval: Duration;
}

/**
 * The replica side of `follow`: a rule on this region's default event bus for the `Parameter Store Change`
 * events that the source region forwards, a schedule that makes the copier compare every replica with its source
 * (the events are best effort), a copier function with its own least-privilege role, and a dead-letter queue with
 * an alarm for failed copies, deleted sources and replicas IAM keeps the copier from.
 */
export class ReplicaCopier extends Construct {
  public readonly function: lambda.Function;
  public readonly alarm: cloudwatch.Alarm;
  /** The event pattern values of the replicated names, for the rule here and the forwarding rule in the source region. */
  public readonly eventNames: string[];
  private namePatterns?: string[];

  constructor(scope: Construct, id: string, private readonly props: ReplicaCopierProps) {
    super(scope, id);
    const names = this.replicatedNames();
    this.eventNames = names.map((n) => (n.endsWith('/') ? events.Match.prefix(n) : [n])).flat() as string[];
    const worker = createWorker(this, {
      bundleDir: BUNDLE_DIR,
      functionDescription: `cdk-secure-parameters: copies changes of SecureStrings in ${props.sourceRegion} to their replicas`,
      roleDescription: `Copies changes of SecureStrings in ${props.sourceRegion} to their replicas in this region`,
      policyDescription: 'What the replica copier may do: read its sources, write its replicas',
      statements: (logGroup) => this.statements(logGroup),
      policyWayOut: 'Its parameter patterns are bounded; what else the stack adds to the copier\'s role (a VPC, other grants) makes it too large.',
      // an event's copy takes seconds; a sweep that finds many replicas behind copies for up to this long
      timeout: Duration.minutes(5),
      environment: {
        [SOURCE_REGION_ENV]: props.sourceRegion,
        [REPLICATED_NAMES_ENV]: JSON.stringify(names),
        [REPLICA_STACK_ENV]: Aws.STACK_NAME,
      },
      // a failed copy or sweep (after Lambda's two retries), a deleted source and a replica of ours that IAM
      // refuses the copier land in its dead-letter queue
      alarmId: 'FailedCopies',
      alarmDescription: `A change of a source SecureString in ${props.sourceRegion} was not copied, a sweep could not bring a replica in step ` +
        'with its source, a source was deleted, or IAM refused the copier one of its replicas: the message in the dead-letter queue and the ' +
        'copier\'s log name the parameter and what to do.',
    });
    this.function = worker.function;
    this.alarm = worker.alarm;

    const rule = new events.Rule(this, 'Changes', {
      description: `Copies changes of SecureStrings forwarded from ${props.sourceRegion}`,
      eventPattern: {
        source: ['aws.ssm'],
        detailType: [ParameterEventType.CHANGE],
        // this region's own Parameter Store events (the copier's writes, a replica's deletion) land on this bus too:
        // only the source region's parameters, by the ARN in the event body, which forwarding leaves as it is
        resources: events.Match.prefix(sourceParameterArnPrefix(this, props.sourceRegion)),
        detail: { name: this.eventNames, operation: ['Create', 'Update', 'Delete'] },
      },
    });
    checkEventPatternSize(rule.node.defaultChild as events.CfnRule, REPLICATED_NAMES_WAY_OUT);
    rule.addTarget(
      new targets.LambdaFunction(this.function, { deadLetterQueue: worker.deadLetterQueue, retryAttempts: 8, maxEventAge: Duration.hours(1) }),
    );
    this.addSweep(worker.deadLetterQueue);
    acknowledgeWorkerFindings(this, worker, {
      name: 'copier',
      unscopable:
        'ssm:DescribeParameters (the sweep lists the replicated names in both regions: metadata, never a value), X-Ray PutTraceSegments and ' +
        'PutTelemetryRecords (and, in a VPC, the network-interface actions Lambda needs) support no resource-level permissions.',
      noReservation: 'A reserved concurrency fails deployment in accounts with a low concurrency quota; each copy compares the replica\'s and the source\'s last change instead.',
      logs: 'The copier logs parameter names, versions and redacted reasons, never a value; CloudWatch Logs encrypts them at rest.',
    });
    this.acknowledgePatterns(worker.policy);
  }

  /**
   * Parameter Store emits change events on a best-effort basis, and a replica carries its source's Expiration
   * timestamp: on this schedule the copier compares every replica with its source and copies what is behind,
   * often enough to repair a lost renewal before the old timestamp (replica-sweep.ts).
   */
  private addSweep(deadLetterQueue: sqs.IQueue): void {
    const interval = this.props.sweepInterval;
    const rule = new events.Rule(this, 'Sweep', {
      description: `Compares the replicas with their sources in ${this.props.sourceRegion}: copies what a lost change event left behind`,
      schedule: events.Schedule.rate(interval),
    });
    const input: ReplicaSweepInput = { Sweep: 'replicas', IntervalSeconds: interval.toSeconds() };
    // a sweep that waited longer than the interval is superseded by the next one
    rule.addTarget(new targets.LambdaFunction(this.function, {
      event: events.RuleTargetInput.fromObject(input),
      deadLetterQueue,
      retryAttempts: 2,
      maxEventAge: interval,
    }));
  }

  /** The names as the copier's environment holds them: the path, or the exact names while they fit. */
  private replicatedNames(): string[] {
    if (this.props.path) {
      return [`${this.props.path}/`];
    }
    const exact = [...new Set(this.props.names)].sort();
    return JSON.stringify(exact).length <= MAX_NAMED_CHARACTERS ? exact : coveringPatterns(exact).map((p) => `/${p.replace(/\*$/, '')}`);
  }

  /**
   * IAM resource patterns of the replicated names (`app/prod/*`, or exact names), or every name when the paths
   * would not fit: they appear six times in the policy, and every statement is scoped by an owner tag.
   */
  private patterns(): string[] {
    if (this.props.path) {
      return [`${this.props.path.replace(/^\//, '')}/*`];
    }
    const length = (patterns: string[]) => PATTERN_USES * renderedLength(this, patterns.map((p) => parameterArnFor(this, p)));
    return (this.namePatterns ??= patternsWithin(this.props.names, PATTERN_CHARACTERS, length, false));
  }

  private sourceArns(): string[] {
    const stack = Stack.of(this);
    return this.patterns().map((p) => `arn:${stack.partition}:ssm:${this.props.sourceRegion}:${stack.account}:parameter/${p}`);
  }

  private replicaArns(): string[] {
    return this.patterns().map((p) => parameterArnFor(this, p));
  }

  private statements(logGroup: logs.ILogGroup): iam.PolicyStatement[] {
    const replicaArns = this.replicaArns();
    const ownedByThisStack = `${Aws.STACK_NAME}/*`;
    return [
      readReplicaSources(this.props.sourceRegion, this.sourceArns(), [this.props.sourceStackName]),
      decryptReplicaSources(this, this.props.sourceRegion, this.sourceArns()),
      new iam.PolicyStatement({
        sid: 'ReadAndUnlabelOwnReplicas',
        // only a parameter with this stack's owner tag: a name under the path that is not a replica here is refused
        actions: ['ssm:GetParameterHistory', 'ssm:UnlabelParameterVersion'],
        resources: replicaArns,
        conditions: { StringLike: { [OWNER_TAG_CONDITION_KEY]: ownedByThisStack } },
      }),
      new iam.PolicyStatement({
        sid: 'ReadReplicaOwnerTags',
        // tells a name that is no replica of ours (absent, untagged, another stack's), which IAM refuses the history
        // above, from a replica of ours that IAM refuses: the first is skipped, the second alarms (replica-copy.ts)
        actions: ['ssm:ListTagsForResource'],
        resources: replicaArns,
      }),
      new iam.PolicyStatement({
        sid: 'ListReplicasAndSources',
        // the sweep compares both regions' metadata of the replicated names; DescribeParameters works only on `*`
        actions: ['ssm:DescribeParameters'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'WriteOwnReplicas',
        actions: ['ssm:PutParameter'],
        resources: replicaArns,
        // PutParameter's authorization may carry no aws:ResourceTag (its row lists request keys): IfExists, as the handler's S1
        conditions: { StringLikeIfExists: { [OWNER_TAG_CONDITION_KEY]: ownedByThisStack } },
      }),
      new iam.PolicyStatement({
        sid: 'EncryptReplicas',
        actions: [...new Set(this.props.tiers.flatMap((t) => tierKeyActions(t)))].sort(),
        resources: [this.props.key.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': parameterStoreViaService(this) },
          StringLike: { [`kms:EncryptionContext:${ENCRYPTION_CONTEXT_KEY}`]: replicaArns },
        },
      }),
      ...writeOwnLogsAndTraces(logGroup),
    ];
  }

  /** The path patterns are the point of a hierarchy's copier; each is acknowledged by its exact ids. */
  private acknowledgePatterns(policy: iam.CfnManagedPolicy): void {
    const reason = 'The copier of a ParameterReplica reads the sources and writes the replicas of these names only.';
    for (const arn of [...this.sourceArns(), ...this.replicaArns()].filter((a) => a.endsWith('/*'))) {
      acknowledgeFinding(policy, wildcardResourceFinding(this, 'AwsSolutions-IAM5', arn), `${reason} The path ends in '/' so no sibling path matches.`);
    }
    for (const arn of this.sourceArns().filter((a) => a.endsWith('/*'))) {
      acknowledgeFinding(policy, decryptContextFinding(this, arn), `${reason} kms:Decrypt only through the source region's Parameter Store.`);
    }
    const stack = Stack.of(this);
    acknowledgeFinding(
      policy,
      wildcardResourceFinding(this, 'AwsSolutions-IAM5', `arn:${stack.partition}:kms:${this.props.sourceRegion}:${stack.account}:key/*`),
      `${reason} kms:Decrypt on the keys of the source region only through its Parameter Store and only for the sources' encryption contexts.`,
    );
  }
}

/** `arn:<partition>:ssm:<source region>:<account>:parameter`: what every source parameter's ARN starts with. */
function sourceParameterArnPrefix(scope: Construct, sourceRegion: string): string {
  const stack = Stack.of(scope);
  // a concrete partition where the region tells it: an event pattern compares text
  const partition = RegionInfo.get(sourceRegion).partition ?? stack.partition;
  return `arn:${partition}:ssm:${sourceRegion}:${stack.account}:parameter`;
}
