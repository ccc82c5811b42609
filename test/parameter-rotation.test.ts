import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { HIPAASecurityChecks } from 'cdk-nag';
import {
  HierarchyDeployment,
  ParameterHierarchy,
  ParameterNotificationTopic,
  ParameterPolicy,
  ParameterRotation,
  ParameterStoreChecks,
  SecureStringParameter,
  SecureStringParameterProps,
  SecureValue,
} from '../lib';
import { NAG_PACKS, nagViolations } from './helpers/nag';
import { ParameterRotator } from '../lib/private/parameter-rotator';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const VIA_SSM = { 'Fn::Join': ['', ['ssm.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] };
const EXPIRING = [ParameterPolicy.expireAfter(Duration.days(90)), ParameterPolicy.expirationNotification(Duration.days(14))];
const expiringIn = (lifetime: Duration, lead: Duration) => [ParameterPolicy.expireAfter(lifetime), ParameterPolicy.expirationNotification(lead)];

function newStack(): Stack {
  return new Stack(new App(), 'Stack', { env: ENV });
}

function arn(path: string): unknown {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ssm:eu-west-1:111111111111:parameter/${path}`]] };
}

function rotating(stack: Stack, id: string, props: Partial<SecureStringParameterProps> = {}): SecureStringParameter {
  return new SecureStringParameter(stack, id, {
    parameterName: `/app/${id.toLowerCase()}`,
    value: SecureValue.generated(),
    rotation: ParameterRotation.every(Duration.days(30)),
    ...props,
  });
}

function rotatorStatements(stack: Stack): any[] {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: Match.stringLikeRegexp('rotator') } });
  const [policy] = Object.values(policies);
  return policy.Properties.PolicyDocument.Statement;
}

/** The schedule of each rule that sweeps the parameters rotating before expiration. */
function sweepSchedules(stack: Stack): string[] {
  const rules = Template.fromStack(stack).findResources('AWS::Events::Rule', { Properties: { Targets: [Match.objectLike({ Input: '{"Trigger":"before-expiration"}' })] } });
  return Object.values(rules).map((r) => r.Properties.ScheduleExpression);
}

/** Each interval's rule: its schedule, and its target's input with the paths of the event it takes. */
function ticks(stack: Stack): Array<{ schedule: string; input: any; paths: Record<string, string> }> {
  const rules = Template.fromStack(stack).findResources('AWS::Events::Rule', { Properties: { Description: Match.stringLikeRegexp('every') } });
  return Object.values(rules).map((r) => {
    const transformer = r.Properties.Targets[0].InputTransformer;
    return { schedule: r.Properties.ScheduleExpression, input: JSON.parse(transformer.InputTemplate.replace('<time>', '"<time>"')), paths: transformer.InputPathsMap };
  });
}

/** A batched hierarchy of `members` generated SecureStrings rotating every `interval`. */
function batchedHierarchy(stack: Stack, interval: Duration, members: number, id = `Every${interval.toSeconds()}`): void {
  const hierarchy = new ParameterHierarchy(stack, id, {
    path: `/app/${id.toLowerCase()}`,
    deployment: HierarchyDeployment.batched(),
    rotation: ParameterRotation.every(interval),
  });
  for (let i = 0; i < members; i++) hierarchy.addSecureString(`P${i}`, { name: `p${i}`, value: SecureValue.generated() });
}

function statement(stack: Stack, sid: string): any {
  return rotatorStatements(stack).find((s) => s.Sid === sid);
}

describe('ParameterRotation', () => {
  test('every(interval) keeps the interval, and the previous value by default', () => {
    const rotation = ParameterRotation.every(Duration.days(30));

    expect(rotation.interval?.toDays()).toBe(30);
    expect(rotation.keepPrevious).toBe(true);
    expect(rotation._properties).toEqual({ Trigger: 'every-2592000', KeepPrevious: undefined });
  });

  test('beforeExpiration() has no interval; keepPrevious: false travels as "false"', () => {
    const rotation = ParameterRotation.beforeExpiration({ keepPrevious: false });

    expect(rotation.interval).toBeUndefined();
    expect(rotation._properties).toEqual({ Trigger: 'before-expiration', KeepPrevious: 'false' });
  });
});

describe('a rotating SecureStringParameter', () => {
  test('carries its rotation to the handler', () => {
    const stack = newStack();
    rotating(stack, 'A');
    rotating(stack, 'B', { value: SecureValue.generated({ length: 20 }), policies: EXPIRING, rotation: ParameterRotation.beforeExpiration({ keepPrevious: false }) });

    const template = Template.fromStack(stack);
    template.hasResourceProperties('Custom::SecureStringParameter', { Name: '/app/a', Rotation: { Trigger: 'every-2592000' } });
    template.hasResourceProperties('Custom::SecureStringParameter', { Name: '/app/b', Rotation: { Trigger: 'before-expiration', KeepPrevious: 'false' } });
  });

  test('a parameter without rotation adds no rotator', () => {
    const stack = newStack();
    const parameter = new SecureStringParameter(stack, 'P', { parameterName: '/app/p', value: SecureValue.generated() });

    expect(stack.node.tryFindChild('SecureStringRotator')).toBeUndefined();
    expect(parameter.rotationAlarm).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::Events::Rule', 0);
  });

  test('one schedule per interval, whatever the number of parameters', () => {
    const stack = newStack();
    rotating(stack, 'A');
    rotating(stack, 'B');
    rotating(stack, 'C', { rotation: ParameterRotation.every(Duration.hours(12)) });

    const triggers = ticks(stack).map((t) => t.input.Trigger).sort();
    expect(triggers).toEqual(['every-2592000', 'every-43200']);
  });

  test.each([
    // [interval, members on it, the rule's rate, the tick in its input]: a quarter of the interval, at most 45 minutes;
    // every 15 minutes, back to back, once one invocation cannot rotate them all (1,560)
    ['1 hour', Duration.hours(1), 1, 'rate(15 minutes)', 900],
    ['2 hours', Duration.hours(2), 1, 'rate(30 minutes)', 1800],
    ['3 hours', Duration.hours(3), 1, 'rate(45 minutes)', 2700],
    ['30 days', Duration.days(30), 1_560, 'rate(45 minutes)', 2700],
    ['30 days', Duration.days(30), 1_561, 'rate(15 minutes)', 900],
  ])('every %s with %i members: the rule ticks at %s, and tells the rotator the tick and the tick\'s time', (_name, interval, members, rate, tick) => {
    const stack = newStack();
    batchedHierarchy(stack, interval, members);

    const [rule] = ticks(stack);
    expect(rule.schedule).toBe(rate);
    expect(rule.input).toEqual({ Trigger: `every-${interval.toSeconds()}`, TickSeconds: tick, Time: '<time>' });
    expect(rule.paths).toEqual({ time: '$.time' });
  });

  test('Lambda does not retry the rotator: the next tick is the retry, and a failed invocation goes to the dead-letter queue at once', () => {
    const stack = newStack();
    rotating(stack, 'A');

    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: stack.getLogicalId(ParameterRotator.of(stack).function.node.defaultChild as any) },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 3600,
    });
  });

  test('the rotator adds the same resources for 3 rotating parameters as for 300', () => {
    const counts = (n: number) => {
      const stack = newStack();
      for (let i = 0; i < n; i++) rotating(stack, `P${i}`);
      const resources = Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string }>);
      return resources.filter((r) => r.Type !== 'Custom::SecureStringParameter').length;
    };

    expect(counts(300)).toBe(counts(3));
  });

  test('ExpirationNotification events of the rotating names reach the rotator, case-insensitively', () => {
    const stack = newStack();
    rotating(stack, 'B', { policies: EXPIRING, rotation: ParameterRotation.beforeExpiration() });
    new SecureStringParameter(stack, 'Single', { parameterName: 'token', value: SecureValue.generated(), policies: EXPIRING, rotation: ParameterRotation.beforeExpiration() });

    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.ssm'],
        'detail-type': ['Parameter Store Policy Action'],
        'detail': {
          'parameter-name': [{ prefix: '/app/' }, 'token', '/token'],
          'policy-type': [{ 'equals-ignore-case': 'ExpirationNotification' }],
        },
      },
      Targets: [Match.objectLike({ DeadLetterConfig: Match.anyValue(), RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 8 } })],
    });
  });

  test('the rotator finds parameters by tag, and touches only the rotating paths of this stack', () => {
    const stack = newStack();
    rotating(stack, 'A');
    new SecureStringParameter(stack, 'Other', { parameterName: '/other/x', value: SecureValue.generated() });

    expect(statement(stack, 'FindRotatingParameters')).toEqual({ Sid: 'FindRotatingParameters', Effect: 'Allow', Action: 'ssm:DescribeParameters', Resource: '*' });
    const ofThisStack = { 'Fn::Join': ['', [{ Ref: 'AWS::StackName' }, '/*']] };
    const owned = { 'aws:ResourceTag/cdk-secure-parameters:owner': ofThisStack };
    expect(statement(stack, 'RotateParametersOfThisStack')).toEqual({
      Sid: 'RotateParametersOfThisStack',
      Effect: 'Allow',
      Action: 'ssm:PutParameter',
      Resource: arn('app/a'),
      // a deploy that ends the rotation says `stopped` in the rotation tag first: a rotation under way can no longer write
      Condition: { StringLikeIfExists: { ...owned, 'aws:ResourceTag/cdk-secure-parameters:rotation': ofThisStack } },
    });
    expect(statement(stack, 'ReadAndLabelOwnedParameters')).toEqual({
      Sid: 'ReadAndLabelOwnedParameters',
      Effect: 'Allow',
      Action: ['ssm:ListTagsForResource', 'ssm:GetParameterHistory', 'ssm:LabelParameterVersion', 'ssm:UnlabelParameterVersion'],
      Resource: arn('app/a'),
      Condition: { StringLike: owned },
    });
    // a rotation that created the parameter again after its stack deleted it deletes that: never a parameter a stack owns
    expect(statement(stack, 'DeleteParametersItCreatedAgain')).toEqual({
      Sid: 'DeleteParametersItCreatedAgain',
      Effect: 'Allow',
      Action: 'ssm:DeleteParameter',
      Resource: arn('app/a'),
      Condition: { Null: { 'aws:ResourceTag/cdk-secure-parameters:owner': 'true' } },
    });
    expect(statement(stack, 'ReadOwnStackRecords')).toEqual({
      Sid: 'ReadOwnStackRecords',
      Effect: 'Allow',
      Action: 'cloudformation:DescribeStackResource',
      Resource: {
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudformation:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':stack/', { Ref: 'AWS::StackName' }, '/*']],
      },
    });
    expect(rotatorStatements(stack).map((s) => s.Sid)).toEqual([
      'FindRotatingParameters',
      'RotateParametersOfThisStack',
      'ReadAndLabelOwnedParameters',
      'DeleteParametersItCreatedAgain',
      'ReadOwnStackRecords',
      'EncryptRotatedValues',
      'WriteOwnLogs',
      'WriteTraces',
      undefined,
    ]);
  });

  test('the rotator knows its stack and the names its policy gives it', () => {
    const stack = newStack();
    rotating(stack, 'A');
    rotating(stack, 'B');

    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { STACK_NAME: { Ref: 'AWS::StackName' }, STACK_ID: { Ref: 'AWS::StackId' }, ROTATING_NAMES: '["app/a","app/b"]' } },
    });
  });

  test('rotation before expiration adds a daily sweep for notifications EventBridge did not deliver', () => {
    const stack = newStack();
    rotating(stack, 'B', { policies: EXPIRING, rotation: ParameterRotation.beforeExpiration() });

    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 day)',
      Targets: [Match.objectLike({ Input: '{"Trigger":"before-expiration"}' })],
    });
  });

  test.each([
    ['2 hours (the shortest accepted)', Duration.hours(2), 'rate(1 hour)'],
    ['3 hours', Duration.hours(3), 'rate(1 hour)'],
    ['4 hours', Duration.hours(4), 'rate(2 hours)'],
    ['12 hours', Duration.hours(12), 'rate(6 hours)'],
    ['36 hours', Duration.hours(36), 'rate(18 hours)'],
    ['2 days', Duration.days(2), 'rate(1 day)'],
    ['14 days', Duration.days(14), 'rate(1 day)'],
  ])('a notification %s before expiry: the sweep runs at %s, twice within the lead, at most hourly and at least daily', (_lead, lead, rate) => {
    const stack = newStack();
    rotating(stack, 'B', { policies: expiringIn(Duration.days(30), lead), rotation: ParameterRotation.beforeExpiration() });

    expect(sweepSchedules(stack)).toEqual([rate]);
  });

  test('the shortest lead of the stack sets the one sweep\'s rate, whichever parameter registers first, hierarchy members included', () => {
    const stack = newStack();
    rotating(stack, 'Long', { policies: EXPIRING, rotation: ParameterRotation.beforeExpiration() });
    const batched = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod', deployment: HierarchyDeployment.batched(), rotation: ParameterRotation.beforeExpiration() });
    batched.addSecureString('Short', {
      name: 'short',
      value: SecureValue.generated(),
      policies: expiringIn(Duration.days(2), Duration.hours(12)),
    });
    rotating(stack, 'Later', { policies: EXPIRING, rotation: ParameterRotation.beforeExpiration() });
    // several notifications: the longest one's lead is the parameter's, its event comes first
    rotating(stack, 'Both', {
      policies: [
        ParameterPolicy.expireAfter(Duration.days(30)),
        ParameterPolicy.expirationNotification(Duration.hours(1)),
        ParameterPolicy.expirationNotification(Duration.hours(20)),
      ],
      rotation: ParameterRotation.beforeExpiration(),
    });

    expect(sweepSchedules(stack)).toEqual(['rate(6 hours)']);
  });

  test.each([
    [ssm.ParameterTier.STANDARD, ['kms:Encrypt']],
    [ssm.ParameterTier.ADVANCED, ['kms:GenerateDataKey']],
    [ssm.ParameterTier.INTELLIGENT_TIERING, ['kms:Encrypt', 'kms:GenerateDataKey']],
  ])('tier %s: the rotator encrypts with %j only, through Parameter Store and for the rotating names; never Decrypt', (tier, actions) => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key');
    rotating(stack, 'A', { tier, encryptionKey: key });

    expect(statement(stack, 'EncryptRotatedValues')).toEqual({
      Sid: 'EncryptRotatedValues',
      Effect: 'Allow',
      Action: actions.length === 1 ? actions[0] : actions,
      Resource: { 'Fn::GetAtt': [stack.getLogicalId(key.node.defaultChild as kms.CfnKey), 'Arn'] },
      Condition: {
        StringEquals: { 'kms:ViaService': VIA_SSM },
        StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': [arn('app/a')] },
      },
    });
    expect(JSON.stringify(rotatorStatements(stack))).not.toContain('kms:Decrypt');
  });

  test('the AWS-managed key needs no grant: its key policy already allows the account through Parameter Store', () => {
    const stack = newStack();
    rotating(stack, 'A', { encryptionKey: kms.Alias.fromAliasName(stack, 'Ssm', 'alias/aws/ssm') });

    expect(statement(stack, 'EncryptRotatedValues')).toBeUndefined();
  });

  test('failed rotations land in an encrypted dead-letter queue whose alarm the parameter exposes', () => {
    const stack = newStack();
    const a = rotating(stack, 'A');
    const b = rotating(stack, 'B');

    expect(a.rotationAlarm).toBeDefined();
    expect(a.rotationAlarm).toBe(b.rotationAlarm);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    const queueId = stack.resolve((a.rotationDeadLetterQueue!.node.defaultChild as any).ref).Ref;
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('rotates'),
      DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
      Environment: { Variables: { STACK_NAME: { Ref: 'AWS::StackName' } } },
      Timeout: 900,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });
});

describe('invalid rotations fail at synth, naming the parameter and the rule', () => {
  const secret = (stack: Stack) => secretsmanager.Secret.fromSecretCompleteArn(stack, 'S', 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-AbCdEf');
  test.each<[string, (stack: Stack) => Partial<SecureStringParameterProps>, string]>([
    ['a placeholder', () => ({ value: SecureValue.placeholder() }), 'a placeholder value cannot rotate; only generated values'],
    ['a ciphertext', () => ({ value: SecureValue.fromCiphertext(Buffer.alloc(180, 1).toString('base64')) }), 'a ciphertext value cannot rotate'],
    ['a secret copy', (stack) => ({ value: SecureValue.fromSecret(secret(stack)) }), 'a secret value cannot rotate'],
    ['plain text', () => ({ value: SecureValue.unsafePlainText('x') }), 'a plaintext value cannot rotate'],
    ['30 minutes', () => ({ rotation: ParameterRotation.every(Duration.minutes(30)) }), 'the rotation interval 30 minutes is not a whole number of hours (at least one)'],
    ['90 minutes', () => ({ rotation: ParameterRotation.every(Duration.minutes(90)) }), 'the rotation interval 1 hour 30 minutes is not a whole number of hours'],
    [
      'an absolute expiration',
      () => ({ policies: [ParameterPolicy.expiration(new Date('2031-01-01T00:00:00Z'))] }),
      'rotation renews only a relative expiration: ParameterPolicy.expiration(2031-01-01T00:00:00.000Z) would still delete the parameter then; use ParameterPolicy.expireAfter(...)',
    ],
    [
      'an interval as long as the lifetime',
      () => ({ policies: [ParameterPolicy.expireAfter(Duration.days(30))] }),
      'the rotation interval 30 days is too long for expireAfter 30 days: a value can be 30 days 1 hour old when it rotates',
    ],
    [
      'an interval whose late rotation outlives the lifetime',
      () => ({ rotation: ParameterRotation.every(Duration.hours(2)), policies: [ParameterPolicy.expireAfter(Duration.hours(3))] }),
      'the rotation interval 2 hours is too long for expireAfter 3 hours: a value can be 3 hours old when it rotates',
    ],
    [
      'beforeExpiration without policies',
      () => ({ rotation: ParameterRotation.beforeExpiration() }),
      'rotation before expiration needs ParameterPolicy.expireAfter(...) (the lifetime each rotation renews) and ParameterPolicy.expirationNotification(...) (the event that starts each rotation)',
    ],
    [
      'beforeExpiration without a notification',
      () => ({ rotation: ParameterRotation.beforeExpiration(), policies: [ParameterPolicy.expireAfter(Duration.days(90))] }),
      'rotation before expiration needs ParameterPolicy.expirationNotification(...)',
    ],
    [
      'beforeExpiration with a notification 1 hour before expiry',
      () => ({ rotation: ParameterRotation.beforeExpiration(), policies: expiringIn(Duration.days(1), Duration.hours(1)) }),
      "the ExpirationNotification 1 hour before expiry is too short for rotation before expiration: its event is best effort, and the rotator's sweep, " +
        'which renews the parameter when the event is lost, runs at most hourly and must run twice within the lead; ' +
        'give ParameterPolicy.expirationNotification(Duration.hours(2)) or longer',
    ],
    [
      'beforeExpiration with a lifetime within the lead plus an hour',
      () => ({ rotation: ParameterRotation.beforeExpiration(), policies: expiringIn(Duration.days(1), Duration.hours(23)) }),
      'expireAfter 1 day is too short for the ExpirationNotification 23 hours before expiry: the rotator renews a parameter once it expires within ' +
        'its notification lead plus 1 hour, so a renewed value would be due again at once; make expireAfter longer than 1 day, or the notification shorter',
    ],
  ])('%s', (_name, props, message) => {
    const stack = newStack();
    expect(() => rotating(stack, 'A', props(stack))).toThrow(`Stack/A: /app/a: rotation is invalid: ${message}`);
  });

  test('an interval comfortably shorter than the lifetime is accepted', () => {
    expect(() => rotating(newStack(), 'A', { policies: [ParameterPolicy.expireAfter(Duration.days(31))] })).not.toThrow();
  });

  test.each([
    ['the shortest lead, 2 hours', Duration.days(1), Duration.hours(2)],
    ['a lifetime an hour longer than the lead plus an hour', Duration.hours(26), Duration.days(1)],
  ])('before expiration, %s, is accepted', (_name, lifetime, lead) => {
    expect(() => rotating(newStack(), 'A', { policies: expiringIn(lifetime, lead), rotation: ParameterRotation.beforeExpiration() })).not.toThrow();
  });
});

describe('a stack rotates on its schedules no more than its rotator keeps up with', () => {
  test.each([
    ['8,000 every 30 days', Duration.days(30)],
    ['8,000 every day', Duration.days(1)],
    ['8,000 every 4 hours, the shortest interval that takes them', Duration.hours(4)],
  ])('%s: accepted (a batched hierarchy holds at most 8,000 members)', (_name, interval) => {
    const stack = newStack();

    expect(() => batchedHierarchy(stack, interval, 8_000)).not.toThrow();
  });

  const lead = (count: string, every: string, tick: string, due: string, ticksForAll: number, most: string, fitting: string) =>
    `${count} SecureStrings rotating every ${every} are more than the stack's rotator can rotate in time: at 2 writes per second it rotates ` +
    `1,560 per tick of ${tick}, so each value would be due ${due} before its interval ends (${ticksForAll} ticks for them all and one for the ` +
    `tick that may have just passed), but a value rotates when it is between half its interval and its interval old: the lead may be at most ${most}. ` +
    `At most ${fitting} fit every ${every} in this stack: give them a longer interval, or put some in another stack`;
  const load = (share: string, parts: string, every: string, fitting: string) =>
    `the stack's rotator would be writing ${share}% of the time on its schedules, each value once in the shortest time between two of its ` +
    `rotations at 2 writes per second (${parts}), over 50%: it shares the account's PutParameter quota (3 per second by default) with ` +
    `deploys, replicas and other stacks' rotators. At most ${fitting} fit every ${every} in this stack: give them a longer interval, or put some in another stack`;

  test.each<[string, (stack: Stack) => void, string]>([
    [
      '8,000 every hour: refused at the 1,561st',
      (stack) => batchedHierarchy(stack, Duration.hours(1), 8_000),
      `Stack/Every3600/P1560: /app/every3600/p1560: ${lead('1,561', '1 hour', '15 minutes', '45 minutes', 2, '30 minutes', '1,560')}`,
    ],
    [
      'every 2 hours, past half of the rotator\'s time',
      (stack) => batchedHierarchy(stack, Duration.hours(2), 3_601),
      `Stack/Every7200/P3600: /app/every7200/p3600: ${load('50.1', '3,601 every 2 hours: 30 minutes 1 second of writes in every 1 hour', '2 hours', '3,600')}`,
    ],
    [
      'two schedules that are too much together, a single parameter tipping it over',
      (stack) => {
        batchedHierarchy(stack, Duration.hours(2), 3_600);
        rotating(stack, 'Daily', { rotation: ParameterRotation.every(Duration.days(1)) });
      },
      `Stack/Daily: /app/daily: ${load('50.1', '3,600 every 2 hours: 30 minutes of writes in every 1 hour; 1 every 1 day: 1 second of writes in every 22 hours 30 minutes', '1 day', '0')}`,
    ],
  ])('%s', (_name, build, message) => {
    expect(() => build(newStack())).toThrow(message);
  });
});

describe('rotation in a hierarchy', () => {
  const members = (stack: Stack) => Template.fromStack(stack).findResources('Custom::SecureStringParameter');
  const rotationOf = (stack: Stack, name: string) => Object.values(members(stack)).find((r) => r.Properties.Name === name)?.Properties.Rotation;

  test("the hierarchy's rotation is its generated members' default, and its children's", () => {
    const stack = newStack();
    const prod = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod', rotation: ParameterRotation.every(Duration.days(30)) });
    prod.addSecureString('Generated', { name: 'generated', value: SecureValue.generated() });
    prod.addSecureString('Operated', { name: 'operated', value: SecureValue.placeholder() });
    prod.addSecureString('Own', { name: 'own', value: SecureValue.generated(), rotation: ParameterRotation.every(Duration.days(7), { keepPrevious: false }) });
    prod.addSecureString('OptedOut', { name: 'opted-out', value: SecureValue.generated(), rotation: ParameterRotation.none() });
    prod.child('api').addSecureString('Child', { name: 'key', value: SecureValue.generated() });

    expect(rotationOf(stack, '/app/prod/generated')).toEqual({ Trigger: 'every-2592000' });
    expect(rotationOf(stack, '/app/prod/operated')).toBeUndefined();
    expect(rotationOf(stack, '/app/prod/own')).toEqual({ Trigger: 'every-604800', KeepPrevious: 'false' });
    expect(rotationOf(stack, '/app/prod/opted-out')).toBeUndefined();
    expect(rotationOf(stack, '/app/prod/api/key')).toEqual({ Trigger: 'every-2592000' });
    expect(prod.rotationAlarm).toBe(ParameterRotator.of(stack).alarm);
  });

  test('a hierarchy without a rotating member has no rotation alarm', () => {
    const stack = newStack();
    const prod = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod' });
    prod.addSecureString('Generated', { name: 'generated', value: SecureValue.generated() });

    expect(prod.rotationAlarm).toBeUndefined();
  });

  test('a rotation given to a value that cannot rotate is an error, even in a hierarchy', () => {
    const prod = new ParameterHierarchy(newStack(), 'Prod', { path: '/app/prod' });

    expect(() => prod.addSecureString('Operated', { name: 'operated', value: SecureValue.placeholder(), rotation: ParameterRotation.every(Duration.days(1)) })).toThrow(
      'Stack/Prod/Operated: /app/prod/operated: rotation is invalid: a placeholder value cannot rotate',
    );
  });

  test('a batched chunk carries the default rotation once, and "none" for members that do not rotate', () => {
    const stack = newStack();
    const prod = new ParameterHierarchy(stack, 'Prod', {
      path: '/app/prod',
      deployment: HierarchyDeployment.batched(),
      rotation: ParameterRotation.every(Duration.days(30)),
    });
    prod.addSecureString('Generated', { name: 'generated', value: SecureValue.generated() });
    prod.addSecureString('Operated', { name: 'operated', value: SecureValue.placeholder() });

    const [chunk] = Object.values(Template.fromStack(stack).findResources('Custom::SecureStringBatch'));
    expect(chunk.Properties.Defaults).toEqual({ Rotation: { Trigger: 'every-2592000' } });
    expect(chunk.Properties.Members).toEqual(['generated', { N: 'operated', Source: { Type: 'placeholder', Text: SecureValue.DEFAULT_PLACEHOLDER }, Rotation: '' }]);
    expect(statement(stack, 'RotateParametersOfThisStack').Resource).toEqual(arn('app/prod/generated'));
  });

  test('names too long to list in the rotator\'s environment are covered by their paths too', () => {
    const stack = newStack();
    const prod = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod', rotation: ParameterRotation.every(Duration.days(30)) });
    for (let i = 0; i < 3; i++) prod.addSecureString(`P${i}`, { name: `${i}${'x'.repeat(800)}`, value: SecureValue.generated() });

    expect(statement(stack, 'RotateParametersOfThisStack').Resource).toEqual(arn('app/prod/*'));
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ ROTATING_NAMES: '["app/prod/*"]' }) } });
  });

  test('past 20 rotating names, the rotator\'s policy names their covering paths', () => {
    const stack = newStack();
    const prod = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod', rotation: ParameterRotation.every(Duration.days(30)) });
    for (let i = 0; i < 21; i++) prod.addSecureString(`P${i}`, { name: `p${i}`, value: SecureValue.generated() });

    expect(statement(stack, 'RotateParametersOfThisStack').Resource).toEqual(arn('app/prod/*'));
    // a covering path would let it delete an untagged parameter written by hand beside the members: no delete at all
    expect(rotatorStatements(stack).map((s) => s.Sid)).not.toContain('DeleteParametersItCreatedAgain');
    expect(rotatorStatements(stack).flatMap((s) => [s.Action].flat())).not.toContain('ssm:DeleteParameter');
  });
});

describe('secureValue of a rotating parameter is refused: its pinned version goes stale at the first rotation', () => {
  const refusal = (path: string, name: string, when: string) =>
    `${path}: ${name}: secureValue is refused: the value rotates (${when}), and a {{resolve:ssm-secure:name:version}} reference is pinned to the ` +
    'version this deploy wrote, so whatever resolves it would keep a stale value after the first rotation. Read the value at runtime by name ' +
    'instead: grantRead(...) and GetParameter with the AWS SDK, the AWS Parameters and Secrets Lambda extension, or ecs.Secret.fromSsmParameter(...)';

  test.each([
    ['on a schedule', ParameterRotation.every(Duration.days(30)), [], 'every 30 days'],
    ['before expiration', ParameterRotation.beforeExpiration(), EXPIRING, 'before it expires'],
  ])('its own rotation %s', (_name, rotation, policies, when) => {
    const param = rotating(newStack(), 'Db', { rotation, policies });

    expect(() => param.secureValue).toThrow(refusal('Stack/Db', '/app/db', when));
  });

  test("a hierarchy's default rotation, which its generated member takes at construction", () => {
    const prod = new ParameterHierarchy(newStack(), 'Prod', { path: '/app/prod', rotation: ParameterRotation.every(Duration.days(7)) });
    const member = prod.child('db').addSecureString('Master', { name: 'master-password', value: SecureValue.generated() }) as SecureStringParameter;

    expect(() => member.secureValue).toThrow(refusal('Stack/Prod/db/Master', '/app/prod/db/master-password', 'every 7 days'));
  });

  test('a member that does not rotate in a rotating hierarchy keeps its pinned reference', () => {
    const stack = newStack();
    const prod = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod', rotation: ParameterRotation.every(Duration.days(7)) });
    const optedOut = prod.addSecureString('OptedOut', { name: 'opted-out', value: SecureValue.generated(), rotation: ParameterRotation.none() }) as SecureStringParameter;
    const operated = prod.addSecureString('Operated', { name: 'operated', value: SecureValue.placeholder() }) as SecureStringParameter;

    for (const param of [optedOut, operated]) {
      expect(stack.resolve(param.secureValue.unsafeUnwrap())).toEqual({
        'Fn::Join': ['', [`{{resolve:ssm-secure:${param._name}:`, { 'Fn::GetAtt': [stack.getLogicalId(param.node.defaultChild as any), 'Version'] }, '}}']],
      });
    }
  });
});

describe('cdk-nag', () => {
  function rotatingStack(): Stack {
    const stack = newStack();
    const prod = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod', rotation: ParameterRotation.every(Duration.days(30)) });
    prod.addSecureString('Session', { name: 'session', value: SecureValue.generated() });
    prod.addSecureString('Token', { name: 'token', value: SecureValue.generated(), policies: EXPIRING, rotation: ParameterRotation.beforeExpiration() });
    new ParameterNotificationTopic(stack, 'Alerts').watchAlarm(prod.rotationAlarm!);
    return stack;
  }

  test.each([...NAG_PACKS, { name: 'ParameterStore', create: () => new ParameterStoreChecks() }])('$name: no violation with rotation and a routed alarm', ({ create }) => {
    expect(nagViolations(create(), rotatingStack())).toEqual([]);
  });

  test('an alarm nobody routes is left for the app to see', () => {
    const stack = newStack();
    rotating(stack, 'A');

    expect(nagViolations(new HIPAASecurityChecks(), stack)).toEqual([
      expect.stringMatching(/^HIPAA.Security-CloudWatchAlarmAction @ Stack\/SecureStringRotator\/FailedRotations\/Resource/),
    ]);
  });
});
