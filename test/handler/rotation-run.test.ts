import { DescribeParametersCommand, ListTagsForResourceCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { KEY_ARN, STACK_ID, awsError } from './events';
import { useFakeParameterStore } from './fake-parameter-store';
import { RotationContext } from '../../lib/handler/rotation-context';
import { runRotation } from '../../lib/handler/rotation-run';
import { OWNER_TAG_KEY } from '../../lib/private/handler-protocol';
import { ROTATION_OPTIONS_TAG_KEY, ROTATION_TAG_KEY } from '../../lib/private/rotation-protocol';

/**
 * One invocation of the rotator (rotation-run.ts) over a few parameters of the in-memory Parameter Store, on a fake
 * clock: which events it takes, which parameters it tries and in which order, what it counts and logs. The whole
 * schedule at 8,000 members is rotation-simulation.test.ts; the decisions for one parameter are rotation.test.ts's.
 */
const NAME = '/app/prod/db/password';
const NOW = Date.now();
const DAY = 86_400_000;
const MINUTE = 60_000;
const SCHEDULE = { Trigger: 'every-86400' };
/** One parameter on a daily schedule ticks every 45 minutes: due two ticks before its day ends. */
const DUE_AGE_MS = DAY - 2 * 45 * MINUTE;
const SOURCE_LABEL = 'src-0123456789abcdef0123456789abcdef01234567';

const store = useFakeParameterStore();
/** The rotator's clock (the due checks, a tick's end): a test moves it on. */
let now: number;

beforeEach(() => {
  now = NOW;
});

function seed(name = NAME, lastModified = new Date(NOW - 2 * DAY), trigger = 'every-86400', policies: string[] = []): void {
  store().stackRecords.set('DbPassword', NAME);
  store().seed(name, {
    value: 'old-value',
    keyId: KEY_ARN,
    tier: policies.length > 0 ? 'Advanced' : 'Standard',
    policies,
    labels: [SOURCE_LABEL, 'current'],
    lastModified,
    tags: [
      { Key: OWNER_TAG_KEY, Value: 'AppStack/DbPassword' },
      { Key: ROTATION_TAG_KEY, Value: `AppStack/${trigger}` },
      { Key: ROTATION_OPTIONS_TAG_KEY, Value: 'previous=keep length=32 classes=lunp each=1' },
    ],
  });
}

function context(overrides: Partial<RotationContext> = {}): RotationContext {
  return { clients: store().clients, stackName: 'AppStack', stackId: STACK_ID, deadline: NOW + 600_000, now: () => now, secrets: new Set(), ...overrides };
}

const logged = () => jest.mocked(console.log).mock.calls.map(([line]) => line);
const written = () => store().calls(PutParameterCommand).map((c) => c.Name);
/** Nine due parameters, listed in the reverse of their names' order: one more than the rotator starts at once. */
const NINE = Array.from({ length: 9 }, (_, i) => `/app/prod/p${8 - i}`);
/** The first write moves the rotator's clock on by 16 minutes: past a tick's 15, so that the ninth is not started. */
const sixteenMinutesAtTheFirstWrite = () =>
  store().ssm.on(PutParameterCommand).callsFake((input) => {
    if (store().calls(PutParameterCommand).length === 1) now += 16 * MINUTE;
    return store().putParameter(input);
  });

describe('what it logs and counts', () => {
  test('each rotated parameter by name, trigger and version; the not-due ones as one count', async () => {
    seed();
    seed('/app/prod/young', new Date(NOW - MINUTE));

    expect(await runRotation(SCHEDULE, context())).toEqual({ rotated: 1, skipped: 1, notReached: 0, overdue: 0, failures: [] });
    expect(logged()).toEqual(['1 parameter(s) of every-86400 not due yet: skipped', `${NAME}: rotated (every-86400), version 2`]);
  });

  test('no count of not-due parameters when every one is due', async () => {
    seed();

    await runRotation(SCHEDULE, context());

    expect(logged()).toEqual([`${NAME}: rotated (every-86400), version 2`]);
  });

  test('a failure is logged as an error by name, and counted neither rotated nor skipped', async () => {
    seed();
    store().ssm.on(PutParameterCommand).rejects(awsError('DisabledException', 'the key is disabled'));

    const summary = await runRotation(SCHEDULE, context());

    const failure = `${NAME}: ssm:PutParameter failed: KMS key - is disabled. Enable it (aws kms enable-key --key-id -) or choose another key.`;
    expect(summary).toEqual({ rotated: 0, skipped: 0, notReached: 0, overdue: 0, failures: [failure] });
    expect(console.error).toHaveBeenCalledWith(`${NAME}: rotation FAILED: ${failure}`);
  });

  test('a parameter deleted between the listing and its turn, on a schedule: a skip, not a failure', async () => {
    seed();
    store().ssm.on(DescribeParametersCommand).callsFake((input) => {
      const listed = store().describeParameters(input);
      store().parameters.delete(NAME);
      return listed;
    });

    expect(await runRotation(SCHEDULE, context())).toEqual({ rotated: 0, skipped: 1, notReached: 0, overdue: 0, failures: [] });
    expect(logged()).toEqual([`${NAME}: not rotated: it no longer exists`]);
  });
});

describe('which events it takes', () => {
  test.each([
    ['no event', undefined],
    ['a policy action without a parameter name', { 'detail-type': 'Parameter Store Policy Action' }],
    ['a policy action whose parameter name is not a string', { 'detail-type': 'Parameter Store Policy Action', 'detail': { 'parameter-name': 7 } }],
    ['a parameter name without the policy action\'s detail-type', { 'detail-type': 'Scheduled Event', 'detail': { 'parameter-name': NAME } }],
    ['a trigger that is not a string', { Trigger: 86400 }],
  ])('%s is refused', async (_case, event) => {
    await expect(runRotation(event, context())).rejects.toThrow(
      new Error('the rotator received an event that is neither a schedule of this stack nor a Parameter Store Policy Action'),
    );
  });

  test('a tick\'s TickSeconds that is not a number is ignored: the period the synth gives', async () => {
    seed(NAME, new Date(NOW - 23 * 3_600_000));

    // with ticks of 900 s it would be due only at 23 h 30 min; at the synth's 45 minutes, at 22 h 30 min
    expect(await runRotation({ ...SCHEDULE, TickSeconds: '900' }, context())).toMatchObject({ rotated: 1 });
  });
});

describe('the order, and a tick\'s end', () => {
  test('values of the same age go by name: the last name is the one a tick cannot reach', async () => {
    for (const name of NINE) seed(name, new Date(NOW - 2 * DAY));
    sixteenMinutesAtTheFirstWrite();

    const summary = await runRotation({ ...SCHEDULE, Time: new Date(NOW).toISOString() }, context());

    expect(summary).toEqual({ rotated: 8, skipped: 0, notReached: 1, overdue: 1, failures: [] });
    expect(written()).not.toContain('/app/prod/p8');
  });

  test.each([
    ['a time that does not parse', 'not-a-time'],
    ['a time that is not a string', 1234],
  ])('a tick with %s ends 15 minutes after the invocation starts', async (_case, time) => {
    for (const name of NINE) seed(name, new Date(NOW - 2 * DAY));
    sixteenMinutesAtTheFirstWrite();

    expect(await runRotation({ ...SCHEDULE, Time: time }, context())).toMatchObject({ rotated: 8, notReached: 1 });
  });

  test('a notification is not bound to a tick\'s end: a clock 16 minutes on still rotates', async () => {
    seed(NAME, new Date(NOW - 2 * DAY), 'before-expiration', [
      JSON.stringify({ Type: 'Expiration', Version: '1.0', Attributes: { Timestamp: new Date(NOW + DAY).toISOString() } }),
      JSON.stringify({ Type: 'ExpirationNotification', Version: '1.0', Attributes: { Before: '14', Unit: 'Days' } }),
    ]);
    const event = { 'detail-type': 'Parameter Store Policy Action', 'detail': { 'parameter-name': NAME } };
    store().ssm.on(ListTagsForResourceCommand).callsFake((input) => {
      now += 16 * MINUTE;
      return { TagList: store().parameters.get(input.ResourceId)!.tags };
    });

    expect(await runRotation(event, context())).toMatchObject({ rotated: 1, notReached: 0 });
  });

  test('a sweep is not bound to a tick\'s end: a clock 16 minutes on still starts the ninth', async () => {
    const policies = [
      JSON.stringify({ Type: 'Expiration', Version: '1.0', Attributes: { Timestamp: new Date(NOW + DAY).toISOString() } }),
      JSON.stringify({ Type: 'ExpirationNotification', Version: '1.0', Attributes: { Before: '14', Unit: 'Days' } }),
    ];
    for (const name of NINE) seed(name, new Date(NOW - 2 * DAY), 'before-expiration', policies);
    sixteenMinutesAtTheFirstWrite();

    expect(await runRotation({ Trigger: 'before-expiration', Time: new Date(NOW).toISOString() }, context())).toMatchObject({ rotated: 9, notReached: 0 });
  });

  test('a parameter is started with 30 s left of its tick, to the millisecond, and of the Lambda\'s time', async () => {
    seed();
    jest.spyOn(Date, 'now').mockReturnValue(NOW);

    // the tick's 15 minutes end 30 s from now; the deadline is 30 s away on the real clock
    const summary = await runRotation({ ...SCHEDULE, Time: new Date(NOW - 870_000).toISOString() }, context({ deadline: NOW + 30_000 }));

    expect(summary).toMatchObject({ rotated: 1, notReached: 0 });
  });

  test('an announced parameter not reached is overdue at once', async () => {
    seed(NAME, new Date(NOW - MINUTE), 'before-expiration');
    const event = { 'detail-type': 'Parameter Store Policy Action', 'detail': { 'parameter-name': NAME } };

    const summary = await runRotation(event, context({ deadline: NOW + 10_000 }));

    expect(summary).toEqual({ rotated: 0, skipped: 0, notReached: 1, overdue: 1, failures: [] });
  });

  test('a value not reached exactly its interval after its write is overdue; a millisecond younger, not yet', async () => {
    seed('/app/prod/interval', new Date(NOW - DAY));
    seed('/app/prod/younger', new Date(NOW - DAY + 1));

    const summary = await runRotation(SCHEDULE, context({ deadline: NOW + 10_000 }));

    expect(summary).toEqual({ rotated: 0, skipped: 0, notReached: 2, overdue: 1, failures: [] });
  });
});

describe('what the listing cannot tell, the history decides', () => {
  /** The listing as DescribeParameters answers, with `strip` removed from each parameter. */
  const listingWithout = (...strip: string[]) =>
    store().ssm.on(DescribeParametersCommand).callsFake((input) => {
      const listed = store().describeParameters(input);
      return { ...listed, Parameters: listed.Parameters.map((p) => Object.fromEntries(Object.entries(p).filter(([k]) => !strip.includes(k)))) };
    });

  test('a listing without policies (a Standard parameter) is due from its write time', async () => {
    seed();
    listingWithout('Policies');

    expect(await runRotation(SCHEDULE, context())).toMatchObject({ rotated: 1 });
  });

  test('a listing without a write time: a candidate, and overdue when not reached', async () => {
    seed(NAME, new Date(NOW - MINUTE));
    listingWithout('LastModifiedDate');

    const summary = await runRotation(SCHEDULE, context({ deadline: NOW + 10_000 }));

    expect(summary).toEqual({ rotated: 0, skipped: 0, notReached: 1, overdue: 1, failures: [] });
  });

  test('a listing without a write time, reached: its history says it is young', async () => {
    seed(NAME, new Date(NOW - MINUTE));
    listingWithout('LastModifiedDate');

    expect(await runRotation(SCHEDULE, context())).toMatchObject({ rotated: 0, skipped: 1 });
    expect(logged()).toEqual([`${NAME}: not rotated: it was written 60 s ago, less than ${DUE_AGE_MS / 1000} s: not due yet`]);
  });

  test('the sweep tries a parameter whose listing has no policies to tell from: its own calls say why it stays', async () => {
    seed(NAME, new Date(NOW - 2 * DAY), 'before-expiration');

    expect(await runRotation({ Trigger: 'before-expiration' }, context())).toEqual({ rotated: 0, skipped: 1, notReached: 0, overdue: 0, failures: [] });
    expect(store().calls(ListTagsForResourceCommand)).toHaveLength(1);
    expect(logged()).toEqual([`${NAME}: not rotated: it has no Expiration and ExpirationNotification policies to rotate before`]);
  });

  test('a policy text the listing leaves empty is no policy', async () => {
    seed(NAME, new Date(NOW - 2 * DAY), 'before-expiration', [
      JSON.stringify({ Type: 'Expiration', Version: '1.0', Attributes: { Timestamp: new Date(NOW + 60 * DAY).toISOString() } }),
      JSON.stringify({ Type: 'ExpirationNotification', Version: '1.0', Attributes: { Before: '14', Unit: 'Days' } }),
    ]);
    store().ssm.on(DescribeParametersCommand).callsFake((input) => {
      const listed = store().describeParameters(input);
      const empty = { PolicyType: 'Expiration', PolicyText: '' };
      return { ...listed, Parameters: listed.Parameters.map((p: any) => ({ ...p, Policies: [...p.Policies, empty] })) };
    });

    // not due for 46 days: the listing tells, no call of its own
    expect(await runRotation({ Trigger: 'before-expiration' }, context())).toEqual({ rotated: 0, skipped: 1, notReached: 0, overdue: 0, failures: [] });
    expect(store().calls(ListTagsForResourceCommand)).toEqual([]);
  });
});
