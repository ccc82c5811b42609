import { DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import { DescribeParametersCommand, GetParameterHistoryCommand, LabelParameterVersionCommand, ListTagsForResourceCommand, PutParameterCommand, UnlabelParameterVersionCommand } from '@aws-sdk/client-ssm';
import { Duration } from 'aws-cdk-lib';
import { KEY_ARN, STACK_ID, awsError } from './events';
import { FakeParameterStore, StoredParameter, useFakeParameterStore } from './fake-parameter-store';
import { ParameterPolicy } from '../../lib';
import { OperatorError } from '../../lib/handler/errors';
import { dueRule, dueTime, notDueReason, rotateParameter } from '../../lib/handler/rotation';
import { RotationContext } from '../../lib/handler/rotation-context';
import { failureMessage, runRotation } from '../../lib/handler/rotation-run';
import { WritePacer } from '../../lib/handler/write-pacer';
import { MAX_TAG_VALUE_LENGTH, OWNER_TAG_KEY } from '../../lib/private/handler-protocol';
import { MIN_NOTIFICATION_LEAD_HOURS, ROTATION_OPTIONS_TAG_KEY, ROTATION_TAG_KEY, sweepPeriodHours } from '../../lib/private/rotation-protocol';

const NAME = '/app/prod/db/password';
/** The fake store stamps each write with the real time: the rotator's clock starts there too. */
const NOW = Date.now();
const DAY = 86_400_000;
const SCHEDULE = { Trigger: 'every-86400' };
/** One parameter on a daily schedule ticks every 45 minutes: it is due two ticks before its day ends. */
const DUE_AGE_MS = DAY - 2 * 45 * 60_000;
const SOURCE_LABEL = 'src-0123456789abcdef0123456789abcdef01234567';
const expiration = (at: number) => JSON.stringify({ Type: 'Expiration', Version: '1.0', Attributes: { Timestamp: new Date(at).toISOString() } });
const NOTIFICATION = JSON.stringify({ Type: 'ExpirationNotification', Version: '1.0', Attributes: { Before: '14', Unit: 'Days' } });
const policyActionEvent = (name = NAME) => ({
  'version': '0',
  'detail-type': 'Parameter Store Policy Action',
  'source': 'aws.ssm',
  'detail': { 'parameter-name': name, 'parameter-type': 'SecureString', 'policy-type': 'ExpirationNotification', 'action-status': 'Finished' },
});

let store: FakeParameterStore;

const currentStore = useFakeParameterStore();
beforeEach(() => {
  store = currentStore();
});

function seed(overrides: Partial<StoredParameter> = {}, options = 'previous=keep length=32 classes=lunp each=1', trigger = 'every-86400', name = NAME): void {
  // CloudFormation's record of the parameter's resource (its owner tag's logical id)
  store.stackRecords.set('DbPassword', NAME);
  store.seed(name, {
    value: 'old-value',
    keyId: KEY_ARN,
    version: 1,
    labels: [SOURCE_LABEL, 'current'],
    lastModified: new Date(NOW - 2 * DAY),
    tags: [
      { Key: OWNER_TAG_KEY, Value: 'AppStack/DbPassword' },
      { Key: ROTATION_TAG_KEY, Value: `AppStack/${trigger}` },
      { Key: ROTATION_OPTIONS_TAG_KEY, Value: options },
    ],
    ...overrides,
  });
}

function context(overrides: Partial<RotationContext> = {}): RotationContext {
  return { clients: store.clients, stackName: 'AppStack', stackId: STACK_ID, deadline: NOW + 600_000, now: () => NOW, secrets: new Set(), ...overrides };
}

const labelsByVersion = (name = NAME) => store.versions(name).map((v) => [v.version, v.labels]);

describe('a scheduled rotation', () => {
  test('writes one new version with the same key, tier and attributes, and moves the labels forward', async () => {
    seed({ description: 'db password', allowedPattern: '^.{32}$', tier: 'Advanced' });

    const summary = await runRotation(SCHEDULE, context());

    expect(summary).toEqual({ rotated: 1, skipped: 0, notReached: 0, overdue: 0, failures: [] });
    const [put] = store.calls(PutParameterCommand);
    expect(put).toEqual({
      Name: NAME,
      Value: expect.stringMatching(/^.{32}$/),
      Type: 'SecureString',
      KeyId: KEY_ARN,
      Tier: 'Advanced',
      Description: 'db password',
      AllowedPattern: '^.{32}$',
      Overwrite: true,
    });
    expect(put.Value).not.toBe('old-value');
    expect(labelsByVersion()).toEqual([[1, ['previous']], [2, [SOURCE_LABEL, 'current']]]);
    expect(store.calls(LabelParameterVersionCommand)).toHaveLength(2);
  });

  test('finds its parameters by the rotation tag of this stack and this interval', async () => {
    seed();
    seed({}, undefined, 'every-43200', '/app/prod/hourly');
    seed({}, undefined, 'before-expiration', '/app/prod/expiring');

    const summary = await runRotation(SCHEDULE, context());

    expect(summary.rotated).toBe(1);
    expect(store.calls(DescribeParametersCommand)).toEqual([
      { ParameterFilters: [{ Key: `tag:${ROTATION_TAG_KEY}`, Values: ['AppStack/every-86400'] }], MaxResults: 50 },
    ]);
    expect(store.calls(PutParameterCommand).map((c) => c.Name)).toEqual([NAME]);
  });

  test('the generated value follows the generator options in the tag', async () => {
    seed({}, `previous=keep length=20 classes=n each=1 exclude=${Buffer.from('0123').toString('base64')}`);

    await runRotation(SCHEDULE, context());

    expect(store.parameters.get(NAME)!.value).toMatch(/^[4-9]{20}$/);
  });

  test('a duplicate event does not rotate twice', async () => {
    seed();
    await runRotation(SCHEDULE, context());

    const again = await runRotation(SCHEDULE, context({ now: () => NOW + 60_000 }));

    expect(again).toEqual({ rotated: 0, skipped: 1, notReached: 0, overdue: 0, failures: [] });
    expect(store.calls(PutParameterCommand)).toHaveLength(1);
  });

  test('a value is due from its interval less the lead on: a day less two ticks of 45 minutes for one parameter', async () => {
    seed({ lastModified: new Date(NOW - DUE_AGE_MS + 1_000) });

    expect(await runRotation(SCHEDULE, context())).toMatchObject({ rotated: 0, skipped: 1 });
    // the listing told: no call for it
    expect(store.calls(ListTagsForResourceCommand)).toEqual([]);
    seed({ lastModified: new Date(NOW - DUE_AGE_MS) });
    expect(await runRotation(SCHEDULE, context())).toMatchObject({ rotated: 1, skipped: 0 });
  });

  test('a value written between the listing and its turn is not rotated again', async () => {
    seed();
    // a deploy (or another invocation) writes it once the listing has found it due
    store.ssm.on(ListTagsForResourceCommand).callsFakeOnce(() => {
      store.putParameter({ Name: NAME, Value: 'deployed', Type: 'SecureString', KeyId: KEY_ARN, Overwrite: true });
      return { TagList: store.parameters.get(NAME)!.tags };
    });

    expect(await runRotation(SCHEDULE, context({ now: () => Date.now() }))).toMatchObject({ rotated: 0, skipped: 1 });
    expect(console.log).toHaveBeenCalledWith(`${NAME}: not rotated: it was written 0 s ago, less than ${DUE_AGE_MS / 1000} s: not due yet`);
  });

  test('keepPrevious off: only the source label moves', async () => {
    seed({ labels: [SOURCE_LABEL] }, 'previous=drop length=32 classes=lunp each=1');

    await runRotation(SCHEDULE, context());

    expect(labelsByVersion()).toEqual([[1, []], [2, [SOURCE_LABEL]]]);
    expect(store.calls(LabelParameterVersionCommand)).toHaveLength(1);
  });

  test('a relative expiration is renewed in the same write; the other policies stay', async () => {
    seed({ policies: [expiration(NOW + DAY), NOTIFICATION], tier: 'Advanced' }, 'previous=keep expire=7776000 length=32 classes=lunp each=1');

    await runRotation(SCHEDULE, context());

    const [put] = store.calls(PutParameterCommand);
    expect(JSON.parse(put.Policies)).toEqual([JSON.parse(expiration(NOW + 90 * DAY)), JSON.parse(NOTIFICATION)]);
  });

  test('an absolute expiration is kept as it is', async () => {
    seed({ policies: [expiration(NOW + 10 * DAY)], tier: 'Advanced' });

    await runRotation(SCHEDULE, context());

    expect(JSON.parse(store.calls(PutParameterCommand)[0].Policies)).toEqual([JSON.parse(expiration(NOW + 10 * DAY))]);
  });

  test('a parameter another stack owns is never rotated, even with our rotation tag', async () => {
    seed({ tags: [{ Key: OWNER_TAG_KEY, Value: 'OtherStack/X' }, { Key: ROTATION_TAG_KEY, Value: 'AppStack/every-86400' }, { Key: ROTATION_OPTIONS_TAG_KEY, Value: 'previous=keep length=32 classes=lunp each=1' }] });

    expect(await runRotation(SCHEDULE, context())).toMatchObject({ rotated: 0, skipped: 1 });
    expect(store.calls(PutParameterCommand)).toEqual([]);
  });

  test('at 100 versions, the rotation labels on the oldest are removed so that the write can drop it', async () => {
    const older = Array.from({ length: 99 }, (_, i) => ({ value: `v${i + 1}`, keyId: KEY_ARN, tier: 'Standard', policies: [], version: i + 1, labels: i === 0 ? ['previous'] : [] }));
    seed({ version: 100, older });

    expect(await runRotation(SCHEDULE, context())).toMatchObject({ rotated: 1 });
    expect(store.calls(UnlabelParameterVersionCommand)).toEqual([{ Name: NAME, ParameterVersion: 1, Labels: ['previous'] }]);
    expect(store.versions(NAME)).toHaveLength(100);
  });

  test('throttled writes are retried', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.001);
    seed();
    store.ssm.on(PutParameterCommand).rejectsOnce(awsError('ThrottlingException', 'Rate exceeded')).callsFake((input) => store.putParameter(input));

    expect(await runRotation(SCHEDULE, context())).toMatchObject({ rotated: 1, failures: [] });
    expect(store.ssm.commandCalls(PutParameterCommand)).toHaveLength(2);
  });

  test('writes wait for their slots in the pacer', async () => {
    for (let i = 0; i < 3; i++) seed({}, undefined, 'every-86400', `/app/prod/p${i}`);
    const slots: number[] = [];
    const pacer = new WritePacer(2, { now: () => 0, sleep: async (ms) => void slots.push(ms) });

    expect(await runRotation(SCHEDULE, context({ pacer }))).toMatchObject({ rotated: 3 });
    expect(slots).toEqual([500, 1000]);
  });
});

describe('ticks: the oldest first, and what one tick cannot reach waits for the next', () => {
  const HOUR = 3_600_000;
  /** The pacer's clock and the due checks' clock, one simulated time: a wait moves it on at once. */
  const simulatedTime = () => {
    const clock = { time: NOW, sleeps: [] as number[] };
    const pacerClock = { now: () => clock.time, sleep: async (ms: number) => void (clock.sleeps.push(ms), clock.time += ms) };
    return { clock, pacer: new WritePacer(2, pacerClock, { minWritesPerSecond: 0.25 }), now: () => clock.time };
  };
  const tick = (time: number, tickSeconds?: number) => ({ ...SCHEDULE, TickSeconds: tickSeconds, Time: new Date(time).toISOString() });

  test('a tick that cannot reach every due value rotates the oldest, whatever the listing\'s order', async () => {
    // 20 values due, 23 hours old and some minutes more, listed in an order that is not their age's
    const minutesOver = Array.from({ length: 20 }, (_, i) => (i * 7) % 20);
    minutesOver.forEach((m, i) => seed({ lastModified: new Date(NOW - 23 * HOUR - m * 60_000) }, undefined, 'every-86400', `/app/prod/p${i}`));
    const { pacer, now } = simulatedTime();

    // the tick's 15 minutes end 35 s from now: a parameter is started only with 30 s left
    const summary = await runRotation(tick(NOW - 865_000), context({ pacer, now }));

    const rotated = store.calls(PutParameterCommand).map((c) => c.Name);
    const oldestFirst = minutesOver.map((m, i) => ({ m, name: `/app/prod/p${i}` })).sort((a, b) => b.m - a.m).map((p) => p.name);
    expect(summary).toEqual({ rotated: rotated.length, skipped: 0, notReached: 20 - rotated.length, overdue: 0, failures: [] });
    expect(rotated.length).toBeLessThan(20);
    expect(rotated).toEqual(oldestFirst.slice(0, rotated.length));
    expect(failureMessage(summary)).toBeUndefined();
  });

  test('an invocation that starts after its tick\'s 15 minutes (its event waited in Lambda\'s queue) starts nothing: the next tick\'s works', async () => {
    seed({ lastModified: new Date(NOW - 23 * HOUR) }, undefined, 'every-86400', '/app/prod/due');
    seed({ lastModified: new Date(NOW - 2 * DAY) }, undefined, 'every-86400', '/app/prod/overdue');

    const summary = await runRotation(tick(NOW - 16 * 60_000), context());

    expect(summary).toEqual({ rotated: 0, skipped: 0, notReached: 2, overdue: 1, failures: [] });
    expect(store.calls(ListTagsForResourceCommand)).toEqual([]);
  });

  test('the tick in the input sets how early a value is due; without one, the period the synth gives', async () => {
    seed({ lastModified: new Date(NOW - 23 * HOUR) });

    // ticks of 15 minutes: due two ticks before the day ends, at 23 h 30 min
    expect(await runRotation(tick(NOW, 900), context())).toMatchObject({ rotated: 0, skipped: 1 });
    // one parameter on a daily schedule ticks every 45 minutes: due at 22 h 30 min
    expect(await runRotation(SCHEDULE, context())).toMatchObject({ rotated: 1, skipped: 0 });
  });

  test('other writers throttle it: the rotator halves its pace, and the writes after wait twice as long', async () => {
    jest.spyOn(Math, 'random').mockReturnValue(0.001);
    for (let i = 0; i < 4; i++) seed({}, undefined, 'every-86400', `/app/prod/p${i}`);
    store.ssm.on(PutParameterCommand).rejectsOnce(awsError('ThrottlingException', 'Rate exceeded')).callsFake((input) => store.putParameter(input));
    const { clock, pacer, now } = simulatedTime();

    expect(await runRotation(SCHEDULE, context({ pacer, now }))).toMatchObject({ rotated: 4, failures: [] });
    // three writes took their slots at 2 per second before the first one's throttling; its retry waits a slot at 1 per second
    expect(clock.sleeps).toEqual([500, 500, 500, 1000]);
  });
});

describe('what the rotator leaves alone', () => {
  test('a parameter whose resource left the stack with RETAIN keeps its tags, and is not rotated', async () => {
    seed();
    store.stackRecords.clear();

    const summary = await runRotation(SCHEDULE, context());

    expect(summary).toMatchObject({ rotated: 0, skipped: 1, failures: [] });
    expect(console.log).toHaveBeenCalledWith(`${NAME}: not rotated: its resource DbPassword is no longer in stack AppStack (it was retained when removed)`);
    expect(store.calls(PutParameterCommand)).toEqual([]);
  });

  test('a name outside the rotator\'s names is skipped before any call its policy would deny', async () => {
    seed();

    const summary = await runRotation(SCHEDULE, context({ rotatingNames: ['app/prod/other', 'app/staging/*'] }));

    expect(summary).toMatchObject({ rotated: 0, skipped: 1 });
    expect(store.calls(ListTagsForResourceCommand)).toEqual([]);
  });

  describe('another stack\'s parameter under a rotating path', () => {
    const OTHER = '/app/prod/other-service/api-key';
    // IAM's answer to the rotator's ListTagsForResource on a parameter whose owner tag is another stack's
    const denied = (name: string) =>
      awsError('AccessDeniedException', `User: arn:aws:sts::111111111111:assumed-role/rotator/fn is not authorized to perform: ssm:ListTagsForResource on resource: arn:aws:ssm:eu-west-1:111111111111:parameter${name}`);

    test('its ExpirationNotification, which the covering path\'s pattern lets through, is a logged skip by name, not a failure', async () => {
      store.seed(OTHER, { value: 'other-stack-value', keyId: KEY_ARN, tags: [{ Key: OWNER_TAG_KEY, Value: 'OtherStack/ApiKey' }], policies: [expiration(NOW + DAY), NOTIFICATION] });
      store.ssm.on(ListTagsForResourceCommand, { ResourceId: OTHER }).rejects(denied(OTHER));

      const summary = await runRotation(policyActionEvent(OTHER), context({ rotatingNames: ['app/prod/*'] }));

      expect(summary).toEqual({ rotated: 0, skipped: 1, notReached: 0, overdue: 0, failures: [] });
      expect(failureMessage(summary)).toBeUndefined();
      expect(console.log).toHaveBeenCalledWith(
        `${OTHER}: not rotated: it is not stack AppStack's to rotate: IAM denies the rotator its tags (another stack owns it, or none does), and it carries no ${ROTATION_TAG_KEY} tag of this stack`,
      );
      expect(JSON.stringify(jest.mocked(console.log).mock.calls)).not.toContain('other-stack-value');
      expect(store.calls(DescribeParametersCommand)).toEqual([
        { ParameterFilters: [{ Key: `tag:${ROTATION_TAG_KEY}`, Values: ['AppStack/before-expiration'] }, { Key: 'Name', Option: 'Equals', Values: [OTHER] }], MaxResults: 50 },
      ]);
      expect(store.calls(PutParameterCommand)).toEqual([]);
    });

    test('a parameter of this stack whose tags IAM denies is a real failure, which alarms', async () => {
      seed({ policies: [expiration(NOW + DAY), NOTIFICATION], tier: 'Advanced' }, undefined, 'before-expiration');
      store.ssm.on(ListTagsForResourceCommand, { ResourceId: NAME }).rejects(denied(NAME));

      const summary = await runRotation(policyActionEvent(), context({ rotatingNames: ['app/prod/*'] }));

      expect(summary).toMatchObject({ rotated: 0, skipped: 0 });
      expect(summary.failures).toEqual([expect.stringMatching(new RegExp(`^${NAME}: ssm:ListTagsForResource failed: access denied`))]);
    });

    test('an error other than a denial is not taken for another stack\'s parameter', async () => {
      store.seed(OTHER, { tags: [{ Key: OWNER_TAG_KEY, Value: 'OtherStack/ApiKey' }] });
      store.ssm.on(ListTagsForResourceCommand, { ResourceId: OTHER }).rejects(awsError('ValidationException', 'Invalid request'));

      const summary = await runRotation(policyActionEvent(OTHER), context({ rotatingNames: ['app/prod/*'] }));

      expect(summary.failures).toHaveLength(1);
      expect(store.calls(DescribeParametersCommand)).toEqual([]);
    });
  });

  test.each([[['app/prod/db/password']], [['app/prod/*']], [['app/*']]])('names %j include it', async (rotatingNames) => {
    seed();

    expect(await runRotation(SCHEDULE, context({ rotatingNames }))).toMatchObject({ rotated: 1 });
  });
});

describe('a failed rotation leaves the current value in place and says what to do', () => {
  test('a denied write: the old version stays current, the failure names the action, no value anywhere', async () => {
    seed();
    store.ssm.on(PutParameterCommand).rejects(awsError('AccessDeniedException', 'User: arn:aws:sts::111111111111:assumed-role/r/s is not authorized to perform: ssm:PutParameter'));
    const ctx = context();

    const summary = await runRotation(SCHEDULE, ctx);

    expect(summary.rotated).toBe(0);
    expect(summary.failures).toHaveLength(1);
    expect(summary.failures[0]).toMatch(new RegExp(`^${NAME}: ssm:PutParameter failed`));
    expect(store.parameters.get(NAME)).toMatchObject({ value: 'old-value', version: 1, labels: [SOURCE_LABEL, 'current'] });
    const message = failureMessage(summary)!;
    expect(message).toMatch(/^Rotation incomplete \(0 rotated, 0 skipped, 0 not reached\)\. 1 failed, their current value kept: \/app\/prod\/db\/password: ssm:PutParameter failed/);
    for (const secret of ctx.secrets) expect(message).not.toContain(secret);
  });

  test('a due value not reached before the deadline, younger than its interval, is left for the next tick: no failure', async () => {
    seed({ lastModified: new Date(NOW - DAY + 60_000) });

    const summary = await runRotation(SCHEDULE, context({ deadline: NOW + 10_000 }));

    expect(summary).toEqual({ rotated: 0, skipped: 0, notReached: 1, overdue: 0, failures: [] });
    expect(failureMessage(summary)).toBeUndefined();
    expect(store.calls(PutParameterCommand)).toEqual([]);
  });

  test('an overdue value not reached before the deadline fails the invocation, which alarms', async () => {
    // two days old on a daily schedule
    seed();

    const summary = await runRotation(SCHEDULE, context({ deadline: NOW + 10_000 }));

    expect(summary).toEqual({ rotated: 0, skipped: 0, notReached: 1, overdue: 1, failures: [] });
    expect(failureMessage(summary)).toBe(
      'Rotation incomplete (0 rotated, 0 skipped, 1 not reached). 1 overdue parameter(s) not reached in time: the rotator falls behind, because ' +
        "other writers use the account's PutParameter quota (it halves its pace while they throttle it) or writes failed; the next tick or sweep " +
        "takes them first. If this persists, raise the quota (Parameter Store's higher throughput), rotate less often, or move parameters to another stack.",
    );
  });

  test('a complete run has no failure message', () => {
    expect(failureMessage({ rotated: 3, skipped: 1, notReached: 0, overdue: 0, failures: [] })).toBeUndefined();
  });

  test('more than three failures: three quoted, the count of the others', () => {
    const failures = ['a: x', 'b: x', 'c: x', 'd: x', 'e: x'];

    expect(failureMessage({ rotated: 0, skipped: 0, notReached: 0, overdue: 0, failures })).toBe(
      "Rotation incomplete (0 rotated, 0 skipped, 0 not reached). 5 failed, their current value kept: a: x | b: x | c: x | and 2 more in the rotator's log",
    );
  });

  test('a malformed options tag names the tag and the fix', async () => {
    seed({}, 'previous=maybe');

    const summary = await runRotation(SCHEDULE, context());

    expect(summary.failures[0]).toContain(`the ${ROTATION_OPTIONS_TAG_KEY} tag is malformed`);
  });

  test('an event that is neither a schedule nor a policy action is refused', async () => {
    await expect(runRotation({ Trigger: 'sometimes' }, context())).rejects.toThrow('neither a schedule of this stack nor a Parameter Store Policy Action');
  });
});

describe('a rotation before expiration', () => {
  const expiring = (expiresAt: number) => seed({ policies: [expiration(expiresAt), NOTIFICATION], tier: 'Advanced' }, 'previous=keep expire=7776000 length=32 classes=lunp each=1', 'before-expiration');

  test('the notification rotates the parameter and moves its expiration forward', async () => {
    expiring(NOW + 14 * DAY);

    expect(await runRotation(policyActionEvent(), context())).toMatchObject({ rotated: 1 });
    expect(JSON.parse(store.calls(PutParameterCommand)[0].Policies)[0]).toEqual(JSON.parse(expiration(NOW + 90 * DAY)));
  });

  test('a duplicate notification, after the expiration moved, rotates nothing', async () => {
    expiring(NOW + 14 * DAY);
    await runRotation(policyActionEvent(), context());

    expect(await runRotation(policyActionEvent(), context({ now: () => NOW + 60_000 }))).toMatchObject({ rotated: 0, skipped: 1 });
    expect(store.calls(PutParameterCommand)).toHaveLength(1);
  });

  test('a parameter set to rotate on a schedule ignores expiration events', async () => {
    seed({ policies: [expiration(NOW + DAY), NOTIFICATION] });

    expect(await runRotation(policyActionEvent(), context())).toMatchObject({ rotated: 0, skipped: 1 });
  });

  test('an announced parameter that is gone expired before its rotation: a failure, which alarms', async () => {
    const summary = await runRotation(policyActionEvent('/app/prod/gone'), context());

    expect(summary.failures).toEqual([
      '/app/prod/gone: it expired (or was deleted) before the rotator renewed it. Deploy the stack again to re-create it with a new value.',
    ]);
  });

  test('the daily sweep renews what a missed notification left, and nothing else', async () => {
    expiring(NOW + 10 * DAY);
    seed({ policies: [expiration(NOW + 60 * DAY), NOTIFICATION], tier: 'Advanced' }, 'previous=keep expire=7776000 length=32 classes=lunp each=1', 'before-expiration', '/app/prod/later');

    const summary = await runRotation({ Trigger: 'before-expiration' }, context());

    expect(summary).toEqual({ rotated: 1, skipped: 1, notReached: 0, overdue: 0, failures: [] });
    expect(store.calls(PutParameterCommand).map((c) => c.Name)).toEqual([NAME]);
    // the listing's policies tell that the other one is not due: no call of its own
    expect(store.calls(ListTagsForResourceCommand).map((c) => c.ResourceId)).toEqual([NAME]);
  });
});

describe('every notification lost: the sweep alone renews the parameter before it expires', () => {
  const HOUR = 3_600_000;
  const OPTIONS = (lifetimeHours: number) => `previous=keep expire=${lifetimeHours * 3600} length=32 classes=lunp each=1`;
  const expiresAt = () => Date.parse(JSON.parse(store.parameters.get(NAME)!.policies.find((p) => p.includes('"Expiration"'))!).Attributes.Timestamp);

  /**
   * On a fake clock from a write at NOW: no notification event ever arrives, the sweep runs every period the
   * synth gives the lead, from `phase` after the write, and the first write a sweep attempts is denied. Until
   * two renewals, each renewal's time left before the Expiration it replaced.
   */
  async function sweepsOnly(leadHours: number, lifetimeHours: number, phaseMs: number): Promise<number[]> {
    const notification = ParameterPolicy.expirationNotification(Duration.hours(leadHours)).toJson();
    seed({ policies: [expiration(NOW + lifetimeHours * HOUR), notification], tier: 'Advanced' }, OPTIONS(lifetimeHours), 'before-expiration');
    store.ssm.on(PutParameterCommand).rejectsOnce(awsError('AccessDeniedException', 'not authorized to perform: kms:GenerateDataKey')).callsFake((input) => store.putParameter(input));
    const periodMs = sweepPeriodHours(leadHours) * HOUR;
    const leftAtRenewal: number[] = [];
    for (let now = NOW + phaseMs; leftAtRenewal.length < 2; now += periodMs) {
      const before = expiresAt();
      if (now >= before) throw new Error(`expired at ${new Date(before).toISOString()}: the sweep of ${new Date(now).toISOString()} came too late`);
      // two renewals come within two lifetimes: a run that never counts one must fail, not sweep forever
      if (now > NOW + 3 * lifetimeHours * HOUR) throw new Error(`${leftAtRenewal.length} renewal(s) counted in three lifetimes`);
      const summary = await runRotation({ Trigger: 'before-expiration' }, context({ now: () => now }));
      if (summary.rotated === 1) leftAtRenewal.push(before - now);
    }
    return leftAtRenewal;
  }

  test.each([
    // [lead, lifetime] in hours: the accepted minimum, the lead the issue found unsafe, and typical ones
    [MIN_NOTIFICATION_LEAD_HOURS, 24],
    [3, 24],
    [12, 24],
    [36, 7 * 24],
    [7 * 24, 30 * 24],
    [14 * 24, 90 * 24],
  ])('a lead of %i hours (expireAfter %i hours): renewed within its due window, before it expires, whatever the sweep\'s phase', async (leadHours, lifetimeHours) => {
    const periodMs = sweepPeriodHours(leadHours) * HOUR;
    for (const phaseMs of [0, 60_000, periodMs / 2, periodMs - 60_000]) {
      store.restore();
      store = new FakeParameterStore();

      const leftAtRenewal = await sweepsOnly(leadHours, lifetimeHours, phaseMs);

      // due from the lead plus an hour, and renewed before the Expiration even though the first due sweep failed
      for (const left of leftAtRenewal) {
        expect(left).toBeLessThanOrEqual((leadHours + 1) * HOUR);
        expect(left).toBeGreaterThan(0);
      }
      expect(store.calls(PutParameterCommand)).toHaveLength(3);
    }
  });

  test('due from the longest notification lead plus an hour, to the millisecond', () => {
    const live = (expiresIn: number) => ({
      policies: [expiration(NOW + expiresIn), NOTIFICATION, ParameterPolicy.expirationNotification(Duration.hours(2)).toJson()],
    }) as Parameters<typeof notDueReason>[1];
    const window = (14 * 24 + 1) * HOUR;

    expect(notDueReason(dueRule('before-expiration'), live(window), NOW)).toBeUndefined();
    expect(notDueReason(dueRule('before-expiration'), live(1), NOW)).toBeUndefined();
    expect(notDueReason(dueRule('before-expiration'), live(window + 1), NOW)).toBe(
      `it expires at ${new Date(NOW + window + 1).toISOString()}, not within its notification time: already rotated`,
    );
  });
});

test('a transient failure tells the operator that the rotator retries, not to deploy again', async () => {
  seed();
  store.ssm.on(PutParameterCommand).rejects(awsError('InternalServerError', 'internal'));

  const summary = await runRotation(SCHEDULE, context());

  expect(summary.failures).toEqual([
    `${NAME}: ssm:PutParameter failed: Parameter Store failed internally. Lambda retries the rotation, and the next scheduled one tries again.`,
  ]);
});

describe('rotateParameter: why a parameter is left alone, in its own words', () => {
  const SCHEDULED = dueRule('every-86400');
  const BEFORE_EXPIRATION = dueRule('before-expiration');
  const OPTIONS = 'previous=keep length=32 classes=lunp each=1';
  const tagged = (tags: Array<[string, string]>) => seed({ tags: tags.map(([Key, Value]) => ({ Key, Value })) });

  test('an unknown trigger is an operator\'s error that names it', () => {
    expect(() => dueRule('every-fortnight')).toThrow(new OperatorError('unknown rotation trigger every-fortnight'));
    expect(dueRule('before-expiration')).toEqual({ trigger: 'before-expiration' });
  });

  test('a name outside the rotator\'s names', async () => {
    seed();

    expect(await rotateParameter(NAME, SCHEDULED, context({ rotatingNames: ['app/staging/*'] }))).toEqual({
      rotated: false,
      reason: 'it is not one of the rotating parameters of stack AppStack (its resource left the app, or it is another stack\'s)',
    });
  });

  test('a parameter that does not exist is gone', async () => {
    expect(await rotateParameter(NAME, SCHEDULED, context())).toEqual({ rotated: false, reason: 'it no longer exists', gone: true });
  });

  test('a parameter deleted between its tags and its history is gone', async () => {
    seed();
    store.ssm.on(GetParameterHistoryCommand).rejects(awsError('ParameterNotFound', `Parameter ${NAME} not found.`));

    expect(await rotateParameter(NAME, SCHEDULED, context())).toEqual({ rotated: false, reason: 'it no longer exists', gone: true });
    expect(store.calls(PutParameterCommand)).toEqual([]);
  });

  test.each<[string, Array<[string, string]>, string]>([
    ['another stack\'s owner tag', [[OWNER_TAG_KEY, 'OtherStack/DbPassword'], [ROTATION_TAG_KEY, 'AppStack/every-86400'], [ROTATION_OPTIONS_TAG_KEY, OPTIONS]],
      `it is not owned by stack AppStack (${OWNER_TAG_KEY}: OtherStack/DbPassword)`],
    ['an owner tag of a stack whose name starts with ours', [[OWNER_TAG_KEY, 'AppStackTwo/DbPassword'], [ROTATION_TAG_KEY, 'AppStack/every-86400'], [ROTATION_OPTIONS_TAG_KEY, OPTIONS]],
      `it is not owned by stack AppStack (${OWNER_TAG_KEY}: AppStackTwo/DbPassword)`],
    ['no owner tag', [[ROTATION_TAG_KEY, 'AppStack/every-86400'], [ROTATION_OPTIONS_TAG_KEY, OPTIONS]], `it is not owned by stack AppStack (${OWNER_TAG_KEY}: none)`],
    ['a rotation tag of another trigger', [[OWNER_TAG_KEY, 'AppStack/DbPassword'], [ROTATION_TAG_KEY, 'AppStack/every-43200'], [ROTATION_OPTIONS_TAG_KEY, OPTIONS]],
      `it is not set to rotate on every-86400 (${ROTATION_TAG_KEY}: AppStack/every-43200)`],
    ['no rotation tag', [[OWNER_TAG_KEY, 'AppStack/DbPassword'], [ROTATION_OPTIONS_TAG_KEY, OPTIONS]], `it is not set to rotate on every-86400 (${ROTATION_TAG_KEY}: none)`],
    ['no options tag', [[OWNER_TAG_KEY, 'AppStack/DbPassword'], [ROTATION_TAG_KEY, 'AppStack/every-86400']], `it has no ${ROTATION_OPTIONS_TAG_KEY} tag`],
  ])('%s', async (_case, tags, reason) => {
    tagged(tags);

    expect(await rotateParameter(NAME, SCHEDULED, context())).toEqual({ rotated: false, reason });
    expect(store.calls(PutParameterCommand)).toEqual([]);
  });

  test('an owner tag cut to the tag limit no longer names its resource, and is taken as present', async () => {
    const owner = `AppStack/${'L'.repeat(MAX_TAG_VALUE_LENGTH - 'AppStack/'.length)}`;
    tagged([[OWNER_TAG_KEY, owner], [ROTATION_TAG_KEY, 'AppStack/every-86400'], [ROTATION_OPTIONS_TAG_KEY, OPTIONS]]);
    store.stackRecords.clear();

    expect(await rotateParameter(NAME, SCHEDULED, context())).toEqual({ rotated: true, version: 2 });
    expect(store.cloudformation.calls()).toEqual([]);
  });

  test('an owner tag one character shorter than the limit names its resource, which CloudFormation is asked for', async () => {
    const logicalId = 'L'.repeat(MAX_TAG_VALUE_LENGTH - 1 - 'AppStack/'.length);
    tagged([[OWNER_TAG_KEY, `AppStack/${logicalId}`], [ROTATION_TAG_KEY, 'AppStack/every-86400'], [ROTATION_OPTIONS_TAG_KEY, OPTIONS]]);
    store.stackRecords.clear();

    expect(await rotateParameter(NAME, SCHEDULED, context())).toEqual({
      rotated: false,
      reason: `its resource ${logicalId} is no longer in stack AppStack (it was retained when removed)`,
    });
  });

  test.each([
    ['another error that says "does not exist"', awsError('StackNotFoundException', 'Stack AppStack does not exist')],
    ['a ValidationError of another kind', awsError('ValidationError', 'LogicalResourceId must not be empty')],
  ])('CloudFormation\'s %s is a failure that names the call, not a retained resource', async (_case, err) => {
    seed();
    store.cloudformation.on(DescribeStackResourceCommand).rejects(err);

    const summary = await runRotation(SCHEDULE, context());

    expect(summary).toMatchObject({ rotated: 0, skipped: 0 });
    expect(summary.failures).toEqual([expect.stringMatching(new RegExp(`^${NAME}: cloudformation:DescribeStackResource failed with ${err.name}\\.`))]);
  });

  describe('before expiration, policies that cannot tell when it is due', () => {
    const rotatesBeforeExpiration = (policies: string[]) =>
      seed({ policies, tier: 'Advanced' }, 'previous=keep expire=7776000 length=32 classes=lunp each=1', 'before-expiration');

    test.each([
      ['no policies', []],
      ['an Expiration without an ExpirationNotification', [expiration(NOW + DAY)]],
      ['an ExpirationNotification without an Expiration', [NOTIFICATION]],
    ])('%s: not rotated, and the reason says so', async (_case, policies) => {
      rotatesBeforeExpiration(policies);

      expect(await rotateParameter(NAME, BEFORE_EXPIRATION, context())).toEqual({
        rotated: false,
        reason: 'it has no Expiration and ExpirationNotification policies to rotate before',
      });
    });

    test('a notification lead in hours counts hours', () => {
      const hours = JSON.stringify({ Type: 'ExpirationNotification', Version: '1.0', Attributes: { Before: '3', Unit: 'Hours' } });

      expect(dueTime(BEFORE_EXPIRATION, { policies: [expiration(NOW + DAY), hours] })).toBe(NOW + DAY - 4 * 3_600_000);
    });
  });
});
