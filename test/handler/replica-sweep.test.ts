import { DescribeParametersCommand, GetParameterHistoryCommand, ParameterMetadata } from '@aws-sdk/client-ssm';
import { CONFIG, DAY, HOUR, REPLICA_KEY, REPLICA_STACK, Regions, accessDenied, expiration } from './replica-regions';
import { isBehind, sweepFailureMessage, sweepReplicas } from '../../lib/handler/replica-sweep';
import { OWNER_TAG_KEY } from '../../lib/private/handler-protocol';

/**
 * The copier's sweep, on a fake clock over two fake regions: change events are dropped (never delivered), and only
 * the sweep runs. Nothing waits in real time: the pacer's waits move the fake clock.
 */
const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const DB = '/app/prod/db';
const TOKEN = '/app/prod/api/token';
let regions: Regions;

beforeEach(() => {
  regions = new Regions(T0);
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});

afterEach(() => {
  regions.restore();
  jest.restoreAllMocks();
});

/** The replica's policies as objects: the copier writes them as canonical JSON. */
function policiesOf(name: string): unknown[] {
  return regions.replica.versions(name).at(-1)!.policies.map((text) => JSON.parse(text));
}

describe('a renewal whose change event was lost', () => {
  beforeEach(() => {
    // deployed at T0 with a 30-day lifetime; copied to the replica a few seconds later, Expiration and all
    regions.seedPair(DB, { value: 'first', policies: [expiration(T0 + 30 * DAY)], at: T0, copiedAt: T0 + 5_000 });
    // a day before it expires, the source's rotator renews it (its ExpirationNotification); the change event is lost
    regions.time = T0 + 29 * DAY;
    regions.renewSource(DB, 'rotated', T0 + 59 * DAY);
  });

  test('without a sweep, Parameter Store deletes the replica at the old timestamp while its source lives on', () => {
    expect(regions.replica.expire(new Date(T0 + 30 * DAY))).toEqual([DB]);
    expect(regions.source.expire(new Date(T0 + 30 * DAY))).toEqual([]);
  });

  test('the next sweep renews the replica\'s Expiration before the old timestamp, with the new value, under the replica\'s key', async () => {
    regions.time += HOUR;
    expect(await sweepReplicas(CONFIG, regions.context())).toEqual({ compared: 1, copied: 1, skipped: 0, failures: [], notReached: 0 });
    expect(regions.replica.versions(DB).at(-1)).toMatchObject({ value: 'rotated', keyId: REPLICA_KEY, tier: 'Advanced' });
    expect(policiesOf(DB)).toEqual([JSON.parse(expiration(T0 + 59 * DAY))]);
    expect(regions.calls()).toEqual({
      replica: ['DescribeParameters', 'GetParameterHistory', 'PutParameter'],
      source: ['DescribeParameters', 'GetParameter', 'GetParameterHistory', 'GetParameter'],
    });
    // the old timestamp passes: nothing is deleted
    regions.time = T0 + 30 * DAY;
    expect(regions.replica.expire(new Date(regions.time))).toEqual([]);
  });

  test('the sweep after that finds the replica in step: one listing call per region, no write', async () => {
    regions.time += HOUR;
    await sweepReplicas(CONFIG, regions.context());
    regions.resetCalls();
    regions.time += HOUR;
    expect(await sweepReplicas(CONFIG, regions.context())).toEqual({ compared: 1, copied: 0, skipped: 0, failures: [], notReached: 0 });
    expect(regions.calls()).toEqual({ replica: ['DescribeParameters'], source: ['DescribeParameters'] });
  });
});

describe('what the sweep compares', () => {
  test('replicas in step cost the listings only, whatever their number', async () => {
    for (let i = 0; i < 120; i++) {
      regions.seedPair(`/app/prod/service-${i}/database-master-password`, { value: `v${i}`, policies: [expiration(T0 + 30 * DAY)], at: T0, copiedAt: T0 + 1_000 });
    }
    expect(await sweepReplicas(CONFIG, regions.context())).toEqual({ compared: 120, copied: 0, skipped: 0, failures: [], notReached: 0 });
    // 50 a page: three pages in each region, one filter by the replicated path
    expect(regions.calls()).toEqual({ replica: Array(3).fill('DescribeParameters'), source: Array(3).fill('DescribeParameters') });
    expect(regions.replica.calls(DescribeParametersCommand)[0]).toEqual({ ParameterFilters: [{ Key: 'Path', Option: 'Recursive', Values: ['/app/prod'] }], MaxResults: 50 });
  });

  test('a replica written after its source\'s change but with older policies (a race) is copied: policies decide as well as times', async () => {
    regions.seedPair(DB, { value: 'same', policies: [expiration(T0 + 30 * DAY)], at: T0, copiedAt: T0 + 1_000 });
    regions.source.parameters.get(DB)!.policies = [expiration(T0 + 40 * DAY)];
    expect(await sweepReplicas(CONFIG, regions.context())).toMatchObject({ copied: 1 });
    expect(policiesOf(DB)).toEqual([JSON.parse(expiration(T0 + 40 * DAY))]);
  });

  test('a replica without policies takes none: only its source\'s last change decides', async () => {
    regions.seedPair(TOKEN, { value: 'placeholder', at: T0, copiedAt: T0 + 1_000 });
    regions.time = T0 + DAY;
    regions.source.putParameter({ Name: TOKEN, Value: 'set-by-operator', Type: 'SecureString', Overwrite: true });
    regions.time += HOUR;
    expect(await sweepReplicas(CONFIG, regions.context())).toMatchObject({ copied: 1 });
    expect(regions.replica.versions(TOKEN).at(-1)).toMatchObject({ value: 'set-by-operator', policies: [] });
    expect(regions.calls().source).not.toContain('GetParameterHistory');
  });

  test('a source without a replica here (not deployed yet) and a replica without a source (the Delete event alarms) are left alone', async () => {
    regions.source.seed('/app/prod/new', { value: 'x', lastModified: new Date(T0 + HOUR) });
    regions.replica.seed('/app/prod/gone', { value: 'y', lastModified: new Date(T0) });
    expect(await sweepReplicas(CONFIG, regions.context())).toEqual({ compared: 0, copied: 0, skipped: 0, failures: [], notReached: 0 });
    expect(regions.calls()).toEqual({ replica: ['DescribeParameters'], source: ['DescribeParameters'] });
  });

  test('exact names are listed 50 to a filter, and a name beside them is not compared', async () => {
    const names = Array.from({ length: 51 }, (_, i) => `/edge/key-${i}`);
    for (const name of [...names, '/edge/not-replicated']) regions.seedPair(name, { value: 'v', at: T0 + HOUR, copiedAt: T0 });
    const summary = await sweepReplicas({ ...CONFIG, names }, regions.context({ writesPerSecond: 100 }));
    expect(summary).toMatchObject({ compared: 51, copied: 51 });
    expect(regions.replica.calls(DescribeParametersCommand).map((c) => c.ParameterFilters)).toEqual([
      [{ Key: 'Name', Option: 'Equals', Values: names.slice(0, 50) }],
      [{ Key: 'Name', Option: 'Equals', Values: names.slice(50) }],
    ]);
    expect(regions.replica.versions('/edge/not-replicated')).toHaveLength(1);
  });

  test('writes wait for their slots at the sweep\'s pace, on the fake clock: three writes at one a second take two seconds or more', async () => {
    for (const name of ['/app/prod/a', '/app/prod/b', '/app/prod/c']) regions.seedPair(name, { value: 'v', at: T0 + HOUR, copiedAt: T0 });
    const started = (regions.time = T0 + 2 * HOUR);
    expect(await sweepReplicas(CONFIG, regions.context({ writesPerSecond: 1 }))).toMatchObject({ copied: 3 });
    expect(regions.time - started).toBeGreaterThanOrEqual(2_000);
  });

  test('replicas not reached before the sweep\'s time is up wait for the next sweep, which is no failure', async () => {
    regions.seedPair(DB, { value: 'v', at: T0 + HOUR, copiedAt: T0 });
    expect(await sweepReplicas(CONFIG, regions.context({ deadlineMs: 5_000 })))
      .toEqual({ compared: 1, copied: 0, skipped: 0, failures: [], notReached: 1 });
    expect(regions.replica.versions(DB)).toHaveLength(1);
  });
});

describe('names that are no replica of ours, and replicas IAM refuses', () => {
  beforeEach(() => {
    regions.seedPair(DB, { value: 'v', at: T0 + HOUR, copiedAt: T0 });
    regions.replica.ssm.on(GetParameterHistoryCommand, { Name: DB }).rejects(accessDenied('ssm:GetParameterHistory', DB));
  });

  test('a parameter of the same name that another stack owns is skipped quietly', async () => {
    regions.replica.parameters.get(DB)!.tags = [{ Key: OWNER_TAG_KEY, Value: `${REPLICA_STACK}Other/Db` }];
    expect(await sweepReplicas(CONFIG, regions.context())).toEqual({ compared: 1, copied: 0, skipped: 1, failures: [], notReached: 0 });
  });

  test('a replica of ours that IAM refuses is a failure with the fix, so the sweep fails and the alarm goes off', async () => {
    const summary = await sweepReplicas(CONFIG, regions.context());
    expect(summary).toMatchObject({ copied: 0, skipped: 0, notReached: 0 });
    expect(summary.failures).toEqual([
      `${DB}: IAM refused the copier ssm:GetParameterHistory on this replica, which this stack owns (owner tag ${REPLICA_STACK}/ReplicaDb): ` +
        'the copier\'s role is missing its ReadAndUnlabelOwnReplicas statement, or a permissions boundary or service control policy denies it. ' +
        'Deploy the replica\'s stack again to restore the role\'s policy, or lift the denial; until then this replica does not follow its source.',
    ]);
    expect(sweepFailureMessage(summary)).toBe(`Sweep incomplete (0 copied): 1 replica(s) could not be brought in step with their source: ${summary.failures[0]}`);
  });
});

describe('isBehind, from the listings alone', () => {
  const at = (ms: number, policies: string[] = []): ParameterMetadata => ({
    LastModifiedDate: new Date(ms),
    Policies: policies.map((text) => ({ PolicyText: text })),
  });

  test.each<[string, ParameterMetadata, ParameterMetadata, boolean]>([
    ['the source changed after the copy', at(T0), at(T0 + 1), true],
    ['the copy is as new as the source', at(T0), at(T0), false],
    ['the copy is newer, with the source\'s policies in another order and spelling', at(T0 + 1, [expiration(T0), '{"Type":"NoChangeNotification","Version":"1.0","Attributes":{"After":"1","Unit":"Days"}}']),
      at(T0, ['{"Version":"1.0","Type":"NoChangeNotification","Attributes":{"Unit":"Days","After":"1"}}', expiration(T0)]), false],
    ['the copy is newer, with an older Expiration', at(T0 + 1, [expiration(T0)]), at(T0, [expiration(T0 + DAY)]), true],
    ['the copy is newer, without policies, and its source has some', at(T0 + 1), at(T0, [expiration(T0)]), false],
    ['the copy is newer, and its source lost its policies', at(T0 + 1, [expiration(T0)]), at(T0), true],
  ])('%s', (_name, replica, source, behind) => {
    expect(isBehind(replica, source)).toBe(behind);
  });
});

test('a sweep with no failure does not fail; failures beyond three are counted, not quoted', () => {
  expect(sweepFailureMessage({ compared: 9, copied: 2, skipped: 0, failures: [], notReached: 7 })).toBeUndefined();
  const message = sweepFailureMessage({ compared: 5, copied: 0, skipped: 0, failures: ['a: x', 'b: x', 'c: x', 'd: x', 'e: x'], notReached: 0 });
  expect(message).toBe('Sweep incomplete (0 copied): 5 replica(s) could not be brought in step with their source: a: x | b: x | c: x | and 2 more in the copier\'s log');
});
