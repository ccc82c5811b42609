import * as path from 'path';
import { Aws, CfnResource, Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, IConstruct } from 'constructs';
import { writeOwnLogsAndTraces } from './function-telemetry';
import { acknowledgeOwnStackRecords } from './handler-acknowledgements';
import { accountKeysArn, mayBeInOtherAccount, OWNER_TAG_CONDITION_KEY, ownStackArns, readOwnStackRecords, uniqueArns } from './handler-policy';
import { ENCRYPTION_CONTEXT_KEY } from './handler-protocol';
import { tierKeyActions } from './key-actions';
import { acknowledgeFinding } from './nag-acknowledgements';
import { wildcardResourceFinding } from './nag-finding-id';
import { isAwsManagedSsmKey } from './parameter-key-resolution';
import { parameterArnFor } from './parameter-name';
import { coveringPatterns, isCoveredBy, patternsWithin } from './parameter-prefixes';
import { parameterStoreViaService } from './parameter-store-conditions';
import { renderedLength } from './rendered-size';
import { BEFORE_EXPIRATION_TRIGGER, ROTATION_TAG_KEY, ROTATOR_INVOCATION_SECONDS, ScheduledRotationInput, sweepPeriodHours, tickSeconds } from './rotation-protocol';
import { scheduledLoadProblem } from './rotation-validation';
import { acknowledgeRotatorFindings } from './rotator-acknowledgements';
import { ParameterValidationError } from './validation-error';
import { createWorker } from './worker-function';
import { ParameterEventType } from '../parameter-events';
import type { ParameterRotation } from '../parameter-rotation';

const ROTATOR_ID = 'SecureStringRotator';
/** Lambda's maximum: the rotator paces its writes to the account's PutParameter quota within it. */
const ROTATOR_TIMEOUT = Duration.seconds(ROTATOR_INVOCATION_SECONDS);
const ROTATION_TAG_CONDITION_KEY = `aws:ResourceTag/${ROTATION_TAG_KEY}`;
const BUNDLE_DIR = path.join(__dirname, '..', '..', 'assets', 'lib', 'handler', 'rotator.lambda');
/**
 * How much of IAM's 6,144 characters the rotator's parameter patterns may take: they appear four times (three
 * statements and the encryption context). The keys get their own share; the constant statements, logs, traces and
 * what aws-cdk-lib adds (the dead-letter queue) take the rest (limit-checks.ts verifies the whole at synth).
 */
const PATTERN_CHARACTERS = 3_000;
const APPEARANCES = 4;
const KEY_CHARACTERS = 800;
/** The names are also in the rotator's environment: Lambda allows 4 KB for all its variables. */
const ENVIRONMENT_NAME_CHARACTERS = 2_000;
/** Up to this many names are tried one by one; more are always covered by paths. */
const MAX_NAMED_PARAMETERS = 20;
/** The names in the ExpirationNotification rule's pattern; the rest of the pattern takes under 300 characters. */
const EVENT_NAME_CHARACTERS = 1_500;
const ACCOUNT_KEYS_REASON =
  'Encrypt and GenerateDataKey on the keys of the account only when their ARNs would not fit IAM\'s policy size, and then only with ' +
  'kms:ViaService Parameter Store and the rotating parameters\' encryption contexts: Parameter Store calls them only for parameters ' +
  'the SSM statements allow. Never Decrypt.';
const COVERING_PATTERN_REASON =
  'The rotator reaches the rotating parameters by the paths that cover them (every name when the paths would not fit IAM\'s policy size); ' +
  'each statement is conditioned on this stack\'s owner tag, so no other stack\'s parameter is reached.';

/** What a rotating SecureString tells the stack's rotator, so that its role grants exactly that. */
export interface RotatedParameter {
  /** The construct a refusal names (the parameter, or the batched member). */
  readonly scope: IConstruct;
  readonly name: string;
  readonly key: kms.IKey;
  readonly tier: string;
  readonly rotation: ParameterRotation;
  /** For a rotation before expiration: the longest ExpirationNotification lead, which sets the sweep's rate. */
  readonly notificationLead?: Duration;
}

/**
 * The one rotator of a stack: a function that shares the deploy-time handler's generator and writes, its role
 * and policy, a log group, one EventBridge rule per rotation interval, one rule for ExpirationNotification
 * events, and a dead-letter queue with an alarm. A constant number of resources whatever the number of
 * rotating parameters: the parameters carry their rotation in tags (rotation-protocol.ts), and the policy is
 * computed at synth time from every parameter registered.
 */
export class ParameterRotator extends Construct {
  /** The stack's rotator, created on first use. */
  public static of(scope: IConstruct): ParameterRotator {
    const stack = Stack.of(scope);
    return (stack.node.tryFindChild(ROTATOR_ID) as ParameterRotator | undefined) ?? new ParameterRotator(stack, ROTATOR_ID);
  }

  public readonly function: lambda.Function;
  /** Where a rotation that failed after Lambda's retries (or an event EventBridge could not deliver) lands. */
  public readonly deadLetterQueue: sqs.Queue;
  /** In alarm while the dead-letter queue holds a message. */
  public readonly alarm: cloudwatch.Alarm;
  private readonly parameters: RotatedParameter[] = [];
  private patterns: string[] = [];
  private readonly acknowledged = new Set<string>();
  private readonly policy: CfnResource;
  private readonly schedules = new Map<number, events.Rule>();
  /** The number of parameters on each schedule, by interval in seconds: it sets the schedule's tick and lead. */
  private readonly scheduled = new Map<number, number>();
  private expirationRule?: events.Rule;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    const worker = createWorker(this, {
      bundleDir: BUNDLE_DIR,
      functionDescription: 'cdk-secure-parameters: rotates the generated SecureString parameters of this stack',
      roleDescription: 'Rotates the generated SecureString parameters of this stack',
      policyDescription: 'What the SecureString rotator may do, computed from the rotating parameters of this stack',
      statements: (logGroup) => this.statements(logGroup),
      policyWayOut: 'Its parameter patterns and keys are bounded; what else the stack adds to the rotator\'s role (a VPC, other grants) makes it too large: move part of the rotating parameters to another stack.',
      timeout: ROTATOR_TIMEOUT,
      // the names its policy lets it rotate: it skips any other a tag search finds (rotation-run.ts)
      environment: {
        STACK_NAME: Aws.STACK_NAME,
        STACK_ID: Aws.STACK_ID,
        ROTATING_NAMES: Lazy.string({ produce: () => JSON.stringify(this.patterns) }),
      },
      alarmId: 'FailedRotations',
      alarmDescription: 'A rotation of a SecureString of this stack failed: the message in the dead-letter queue and the rotator\'s log name the parameters and what to do.',
    });
    this.function = worker.function;
    this.policy = worker.policy;
    this.deadLetterQueue = worker.deadLetterQueue;
    this.alarm = worker.alarm;
    // no retry by Lambda: a retry would work beside the next tick and rotate the same parameters twice; the next
    // tick (or sweep) is the retry, and a failed invocation goes to the dead-letter queue at once
    this.function.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.hours(1) });
    acknowledgeRotatorFindings(this, worker);
    acknowledgeOwnStackRecords(worker.policy, wildcardResourceFinding(this, 'AwsSolutions-IAM5', ownStackArns()));
  }

  /**
   * Grants the rotator this parameter, and adds the rule that triggers its rotation if there is none yet. Refuses a
   * parameter that would make the stack's schedules more than the rotator can keep up with (scheduledLoadProblem).
   */
  public register(parameter: RotatedParameter): void {
    const interval = parameter.rotation.interval;
    if (interval) {
      this.count(parameter, interval.toSeconds());
    }
    this.parameters.push(parameter);
    this.cover(parameter.name);
    if (interval) {
      this.scheduleFor(parameter.rotation);
    } else if (!this.expirationRule) {
      this.expirationRule = this.newExpirationRule();
      this.newExpirationSweep();
    }
  }

  /** Counts one more parameter on the schedule of `interval` seconds, unless the rotator could not keep up. */
  private count(parameter: RotatedParameter, interval: number): void {
    const members = new Map(this.scheduled).set(interval, (this.scheduled.get(interval) ?? 0) + 1);
    const problem = scheduledLoadProblem(members, interval);
    if (problem) {
      throw new ParameterValidationError(parameter.scope, `${parameter.name}: ${problem}`);
    }
    this.scheduled.set(interval, members.get(interval)!);
  }

  /**
   * The rule of an interval ticks more often than the interval (tickSeconds, known once every parameter has
   * registered): at each tick the rotator rotates the values due, the oldest first. The input carries the tick, from
   * which the rotator computes how early a value is due, and the tick's time, past which it starts nothing.
   */
  private scheduleFor(rotation: ParameterRotation): void {
    const interval = rotation.interval!;
    const seconds = interval.toSeconds();
    if (this.schedules.has(seconds)) {
      return;
    }
    const tick = () => tickSeconds(seconds, this.scheduled.get(seconds)!);
    const rule = new events.Rule(this, `Every${seconds}s`, {
      description: `Rotates the SecureStrings of this stack that rotate every ${interval.toHumanString()}, those due at each tick`,
      schedule: events.Schedule.expression(Lazy.string({ produce: () => events.Schedule.rate(Duration.seconds(tick())).expressionString })),
    });
    const input: ScheduledRotationInput = { Trigger: rotation._trigger, TickSeconds: Lazy.number({ produce: tick }), Time: events.EventField.time };
    rule.addTarget(this.target(events.RuleTargetInput.fromObject(input)));
    this.schedules.set(seconds, rule);
  }

  /**
   * Parameter Store's `Parameter Store Policy Action` events of an ExpirationNotification, for the names under
   * the rotating parameters' covering paths. The rotator checks each event's parameter against its tags, so a
   * pattern that also matches a sibling rotates nothing it should not.
   */
  private newExpirationRule(): events.Rule {
    const rule = new events.Rule(this, 'BeforeExpiration', {
      description: 'Rotates the SecureStrings of this stack that rotate before they expire',
    });
    rule.addEventPattern({
      source: ['aws.ssm'],
      detailType: [ParameterEventType.POLICY_ACTION],
      detail: {
        'parameter-name': Lazy.any({ produce: () => this.expirationNamePatterns() }) as unknown as string[],
        'policy-type': events.Match.equalsIgnoreCase('ExpirationNotification'),
      },
    });
    rule.addTarget(this.target(undefined));
    return rule;
  }

  private expirationNamePatterns(): unknown[] {
    const names = this.parameters.filter((p) => !p.rotation.interval).map((p) => p.name);
    const patterns = coveringPatterns(names).flatMap((p) => (p.endsWith('/*') ? events.Match.prefix(`/${p.slice(0, -1)}`) : [p, `/${p}`]));
    // past its share of EventBridge's 2,048 pattern characters, every name: the rotator checks each event's tags anyway
    return JSON.stringify(patterns).length <= EVENT_NAME_CHARACTERS ? patterns : events.Match.exists();
  }

  /**
   * Parameter Store emits its notifications on a best-effort basis: the rotator also sweeps every parameter
   * that rotates before expiration and renews those within their notification time, often enough to run
   * twice within the shortest lead of the stack (known once every parameter has registered).
   */
  private newExpirationSweep(): void {
    const rule = new events.Rule(this, 'BeforeExpirationSweep', {
      description: 'Rotates the SecureStrings of this stack that rotate before they expire, if their notification was missed',
      schedule: events.Schedule.expression(Lazy.string({ produce: () => events.Schedule.rate(this.sweepPeriod()).expressionString })),
    });
    const input: ScheduledRotationInput = { Trigger: BEFORE_EXPIRATION_TRIGGER };
    rule.addTarget(this.target(events.RuleTargetInput.fromObject(input)));
  }

  private sweepPeriod(): Duration {
    const leads = this.parameters.flatMap((p) => (p.rotation.interval || !p.notificationLead ? [] : [p.notificationLead]));
    return Duration.hours(sweepPeriodHours(Math.min(...leads.map((lead) => lead.toHours({ integral: false })))));
  }

  private target(input: events.RuleTargetInput | undefined): targets.LambdaFunction {
    return new targets.LambdaFunction(this.function, {
      event: input,
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: 8,
      maxEventAge: Duration.hours(1),
    });
  }

  /**
   * The rotating parameters by name, or by the paths that cover them when there are many: the policy stays
   * within IAM's 6,144 characters, and the owner-tag condition keeps other stacks' parameters out.
   */
  /**
   * The rotating names by the finest patterns that fit the policy and the environment: the names themselves, their
   * covering paths, or every name; recomputed only when a new name is not covered yet.
   */
  private cover(name: string): void {
    if (isCoveredBy(name, this.patterns) && this.patterns.length > 0) {
      return;
    }
    const names = this.parameters.map((p) => p.name);
    const fits = (patterns: string[]) =>
      JSON.stringify(patterns).length <= ENVIRONMENT_NAME_CHARACTERS
        ? APPEARANCES * renderedLength(this, patterns.map((p) => parameterArnFor(this, p)))
        : Infinity;
    this.patterns = patternsWithin(names, PATTERN_CHARACTERS, fits, new Set(names).size <= MAX_NAMED_PARAMETERS);
    if (this.keyArns().includes(accountKeysArn(this))) {
      this.acknowledgeOnce(wildcardResourceFinding(this, 'AwsSolutions-IAM5', accountKeysArn(this)), ACCOUNT_KEYS_REASON);
    }
    for (const pattern of this.patterns.filter((p) => p.endsWith('*'))) {
      this.acknowledgeOnce(wildcardResourceFinding(this, 'AwsSolutions-IAM5', parameterArnFor(this, pattern)), COVERING_PATTERN_REASON);
    }
  }

  private acknowledgeOnce(finding: string, reason: string): void {
    if (!this.acknowledged.has(finding)) {
      this.acknowledged.add(finding);
      acknowledgeFinding(this.policy, finding, reason);
    }
  }

  private statements(logGroup: logs.ILogGroup): iam.PolicyStatement[] {
    const parameterArns = this.patterns.map((p) => parameterArnFor(this, p));
    const ownedByThisStack = `${Aws.STACK_NAME}/*`;
    return [
      new iam.PolicyStatement({
        sid: 'FindRotatingParameters',
        // DescribeParameters, the one call that filters by tag, works only on `*`; it returns no value
        actions: ['ssm:DescribeParameters'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'RotateParametersOfThisStack',
        actions: ['ssm:PutParameter'],
        resources: parameterArns,
        // PutParameter's authorization may carry no aws:ResourceTag (its row lists request keys): IfExists, as the handler's S1.
        // Where it does, a write still under way when a deploy took the parameter off rotation (its rotation tag then says
        // `stopped`, handler/rotation-tags.ts) is refused.
        conditions: { StringLikeIfExists: { [OWNER_TAG_CONDITION_KEY]: ownedByThisStack, [ROTATION_TAG_CONDITION_KEY]: ownedByThisStack } },
      }),
      new iam.PolicyStatement({
        sid: 'ReadAndLabelOwnedParameters',
        actions: ['ssm:ListTagsForResource', 'ssm:GetParameterHistory', 'ssm:LabelParameterVersion', 'ssm:UnlabelParameterVersion'],
        resources: parameterArns,
        conditions: { StringLike: { [OWNER_TAG_CONDITION_KEY]: ownedByThisStack } },
      }),
      ...this.deleteStatements(),
      // a parameter whose resource left the stack with RETAIN keeps its tags: the stack's record tells
      readOwnStackRecords(),
      ...this.keyStatements(parameterArns),
      ...writeOwnLogsAndTraces(logGroup),
    ];
  }

  /**
   * A rotation whose write lands after its stack deleted the parameter creates it again, untagged; it deletes that
   * (handler/rotation-write.ts): only where no stack's owner tag is, and only by exact name. Covering paths would let it
   * delete an untagged parameter someone wrote by hand beside them, so past the exact names (too many or too long for
   * its share of the policy) the rotator names the parameter in its alarm instead, with the command that deletes it.
   */
  private deleteStatements(): iam.PolicyStatement[] {
    const exactNames = this.patterns.filter((p) => !p.endsWith('*'));
    if (exactNames.length === 0) {
      return [];
    }
    return [
      new iam.PolicyStatement({
        sid: 'DeleteParametersItCreatedAgain',
        actions: ['ssm:DeleteParameter'],
        resources: exactNames.map((p) => parameterArnFor(this, p)),
        conditions: { Null: { [OWNER_TAG_CONDITION_KEY]: 'true' } },
      }),
    ];
  }

  /**
   * The tiers' write actions (Encrypt for Standard, GenerateDataKey for Advanced) on the rotating parameters'
   * keys, only through Parameter Store and only for their encryption contexts. Never Decrypt.
   */
  private keyStatements(parameterArns: string[]): iam.PolicyStatement[] {
    const keyArns = this.keyArns();
    if (keyArns.length === 0) {
      return [];
    }
    const actions = [...new Set(this.parameters.flatMap((p) => tierKeyActions(p.tier)))].sort();
    return [
      new iam.PolicyStatement({
        sid: 'EncryptRotatedValues',
        actions,
        resources: keyArns,
        conditions: {
          StringEquals: { 'kms:ViaService': parameterStoreViaService(this) },
          StringLike: { [`kms:EncryptionContext:${ENCRYPTION_CONTEXT_KEY}`]: parameterArns },
        },
      }),
    ];
  }

  /**
   * The rotating parameters' keys by ARN while they fit their share of the policy; else every key of the account
   * (still only through Parameter Store and for the rotating parameters' contexts) and those of other accounts.
   */
  private keyArns(): string[] {
    // the AWS-managed key's policy lets every principal of the account use it through Parameter Store
    const keys = this.parameters.map((p) => p.key).filter((key) => !isAwsManagedSsmKey(key));
    const keyArns = uniqueArns(this, keys.map((key) => key.keyArn));
    if (renderedLength(this, keyArns) <= KEY_CHARACTERS) {
      return keyArns;
    }
    return [accountKeysArn(this), ...uniqueArns(this, keys.filter((key) => mayBeInOtherAccount(this, key)).map((key) => key.keyArn))];
  }
}
