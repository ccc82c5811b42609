import { GetParameterCommand, GetParameterHistoryCommand, ListTagsForResourceCommand, ParameterHistory, PutParameterCommand } from '@aws-sdk/client-ssm';
import { awsError } from './events';
import { StoredVersion } from './fake-parameter-store';
import { CONFIG, HOUR, REPLICA_KEY, REPLICA_STACK, Regions, SOURCE_KEY, accessDenied, expiration } from './replica-regions';
import { OperatorError, explainError } from '../../lib/handler/errors';
import { copyChange, reconcileReplica } from '../../lib/handler/replica-copy';
import { SOURCE_LABEL_PREFIX } from '../../lib/handler/source-fingerprint';
import { OWNER_TAG_KEY } from '../../lib/private/handler-protocol';
import { ParameterChangeEvent } from '../../lib/private/replica-protocol';

/**
 * The copier's answer to one forwarded change event, over two fake regions. IAM lets the copier read the history
 * only of parameters with its stack's owner tag, so AccessDenied there is either a name that is no replica of ours
 * (a quiet skip) or a replica of ours that IAM refuses (a failure: Lambda retries, then the dead-letter queue's alarm).
 */
const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const DB = '/app/prod/db';
let regions: Regions;

beforeEach(() => {
  regions = new Regions(T0);
});

afterEach(() => regions.restore());

function changeEvent(name: string, operation = 'Update'): ParameterChangeEvent {
  return { 'source': 'aws.ssm', 'detail-type': 'Parameter Store Change', 'region': 'eu-west-1', 'detail': { name, operation, type: 'SecureString' } };
}

const copy = (name = DB, operation = 'Update') => copyChange(changeEvent(name, operation), CONFIG, regions.context());
const reconcile = (name = DB) => reconcileReplica(name, CONFIG, regions.context());
/** What the copier sent to PutParameter in the replica's region. */
const puts = () => regions.replica.calls(PutParameterCommand);

test('a change of the source is copied with its renewed Expiration, in five calls; the same event again writes nothing, in two', async () => {
  regions.seedPair(DB, { value: 'first', policies: [expiration(T0 + 30 * HOUR)], at: T0, copiedAt: T0 + 1_000 });
  regions.time = T0 + 20 * HOUR;
  regions.renewSource(DB, 'rotated', T0 + 50 * HOUR);
  expect(await copy()).toEqual({ name: DB, copied: true, version: 2 });
  expect(regions.replica.versions(DB).at(-1)!.policies.map((p) => JSON.parse(p))).toEqual([JSON.parse(expiration(T0 + 50 * HOUR))]);
  // the value decrypted in the source region, written under the replica's own key and tier, with nothing else of a new parameter
  expect(regions.source.calls(GetParameterCommand)).toEqual([{ Name: DB, WithDecryption: true }, { Name: DB, WithDecryption: false }]);
  expect(puts()).toEqual([
    { Name: DB, Value: 'rotated', Type: 'SecureString', KeyId: REPLICA_KEY, Tier: 'Advanced', Policies: expect.any(String), Overwrite: true },
  ]);
  expect(JSON.parse(puts()[0].Policies)).toEqual([JSON.parse(expiration(T0 + 50 * HOUR))]);
  expect(regions.replica.versions(DB).at(-1)).toMatchObject({ value: 'rotated', keyId: REPLICA_KEY, labels: [] });
  expect(regions.calls()).toEqual({ replica: ['GetParameterHistory', 'PutParameter'], source: ['GetParameter', 'GetParameterHistory', 'GetParameter'] });

  regions.resetCalls();
  expect(await copy()).toMatchObject({ copied: false, skipped: 'the replica (version 2) is as new as the source (version 2)' });
  expect(regions.calls()).toEqual({ replica: ['GetParameterHistory'], source: ['GetParameter'] });
});

describe('AccessDenied on the replica\'s history', () => {
  const denyHistory = () => regions.replica.ssm.on(GetParameterHistoryCommand, { Name: DB }).rejects(accessDenied('ssm:GetParameterHistory', DB));

  beforeEach(() => {
    regions.source.seed(DB, { value: 'v', lastModified: new Date(T0 + HOUR) });
  });

  test.each<[string, () => void]>([
    ['a name that does not exist here (no replica deployed yet)', () => undefined],
    ['a parameter made by hand (no owner tag)', () => regions.replica.seed(DB, { tags: [{ Key: 'team', Value: 'payments' }] })],
    ['another stack\'s parameter', () => regions.replica.seed(DB, { tags: [{ Key: OWNER_TAG_KEY, Value: 'OtherStack/Db' }] })],
    ['a stack whose name only begins like ours', () => regions.replica.seed(DB, { tags: [{ Key: OWNER_TAG_KEY, Value: `${REPLICA_STACK}Two/Db` }] })],
  ])('%s is no replica of ours: skipped quietly after one tag read, nothing written', async (_name, arrange) => {
    arrange();
    denyHistory();
    expect(await copy()).toEqual({ name: DB, copied: false, skipped: 'it is no replica of this stack here (none deployed yet, or not ours)' });
    expect(regions.calls()).toEqual({ replica: ['GetParameterHistory', 'ListTagsForResource'], source: [] });
  });

  test('a replica of this stack: the copy fails, naming the statement and the fix, so Lambda retries and the dead-letter queue alarms', async () => {
    regions.replica.seed(DB, { tags: [{ Key: OWNER_TAG_KEY, Value: `${REPLICA_STACK}/ReplicaDb` }] });
    denyHistory();
    const error = await copy().catch((err: Error) => err);
    expect(error).toBeInstanceOf(OperatorError);
    expect(explainError(error, { parameterName: DB, keyId: 'of the replica or its source', caller: 'copier' })).toBe(
      `${DB}: IAM refused the copier ssm:GetParameterHistory on this replica, which this stack owns (owner tag ${REPLICA_STACK}/ReplicaDb): ` +
        'the copier\'s role is missing its ReadAndUnlabelOwnReplicas statement, or a permissions boundary or service control policy denies it. ' +
        'Deploy the replica\'s stack again to restore the role\'s policy, or lift the denial; until then this replica does not follow its source.',
    );
    expect(regions.calls().replica).not.toContain('PutParameter');
  });

  test('the tags refused as well: the copy fails with the action to allow', async () => {
    regions.replica.seed(DB, { tags: [{ Key: OWNER_TAG_KEY, Value: `${REPLICA_STACK}/ReplicaDb` }] });
    denyHistory();
    regions.replica.ssm.on(ListTagsForResourceCommand).rejects(accessDenied('ssm:ListTagsForResource', DB));
    const error = await copy().catch((err: Error) => err);
    expect(explainError(error, { parameterName: DB, keyId: 'of the replica or its source', caller: 'copier' })).toBe(
      `${DB}: ssm:ListTagsForResource failed: access denied for ssm:ListTagsForResource on parameter ${DB}. ` +
        `Allow ssm:ListTagsForResource on parameter ${DB} in the copier role's IAM policy.`,
    );
  });
});

describe('events the copier does not act on: no call at all', () => {
  const event = (overrides: Partial<ParameterChangeEvent> & { detail?: Partial<ParameterChangeEvent['detail']> }): ParameterChangeEvent =>
    ({ ...changeEvent(DB), ...overrides, detail: { ...changeEvent(DB).detail, ...overrides.detail } }) as ParameterChangeEvent;

  test.each<[string, ParameterChangeEvent, string, string]>([
    ['another service\'s event', event({ source: 'aws.kms' }), DB, 'not a Parameter Store Change event (Parameter Store Change)'],
    ['another detail type', event({ 'detail-type': 'Parameter Store Policy Action' }), DB, 'not a Parameter Store Change event (Parameter Store Policy Action)'],
    [
      'a detail type cut to 40 characters',
      event({ 'detail-type': 'An Unexpectedly Long Detail Type Of Some Other Event' }),
      DB,
      'not a Parameter Store Change event (An Unexpectedly Long Detail Type Of Some)',
    ],
    [
      'an event without detail',
      { 'source': 'aws.events', 'detail-type': 'Scheduled Event', 'region': 'eu-west-1' } as unknown as ParameterChangeEvent,
      '',
      'not a Parameter Store Change event (Scheduled Event)',
    ],
    ['a name outside the replicated paths', event({ detail: { name: '/other/db' } }), '/other/db', 'not a replicated name'],
    ['a String', event({ detail: { type: 'String' } }), DB, 'a String, not a SecureString'],
    ['a type cut to 20 characters', event({ detail: { type: 'SecureStringWithAVeryLongName' } }), DB, 'a SecureStringWithAVer, not a SecureString'],
    ['a label change', event({ detail: { operation: 'LabelParameterVersion' } }), DB, 'operation LabelParameterVersion'],
    ['an operation cut to 30 characters', event({ detail: { operation: 'AnOperationWithANameLongerThanThirty' } }), DB, 'operation AnOperationWithANameLongerThan'],
  ])('%s', async (_case, changed, name, skipped) => {
    regions.seedPair(DB, { value: 'v', at: T0 + HOUR, copiedAt: T0 });
    expect(await copyChange(changed, CONFIG, regions.context())).toEqual({ name, copied: false, skipped });
    expect(regions.calls()).toEqual({ replica: [], source: [] });
  });
});

describe('the replica\'s history', () => {
  test('a Create of the source is copied like an Update', async () => {
    regions.seedPair(DB, { value: 'old', at: T0 + HOUR, copiedAt: T0 });
    expect(await copy(DB, 'Create')).toEqual({ name: DB, copied: true, version: 2 });
    expect(puts()).toEqual([expect.objectContaining({ Value: 'old', Overwrite: true })]);
  });

  test('no replica here (ParameterNotFound): skipped, the source not read', async () => {
    regions.source.seed(DB, { value: 'v' });
    expect(await copy()).toEqual({ name: DB, copied: false, skipped: 'it is no replica of this stack here (none deployed yet, or not ours)' });
    expect(regions.calls()).toEqual({ replica: ['GetParameterHistory'], source: [] });
  });

  test('a history without versions: skipped as no replica, nothing written', async () => {
    regions.seedPair(DB, { value: 'v', at: T0 + HOUR, copiedAt: T0 });
    regions.replica.ssm.on(GetParameterHistoryCommand).resolves({ Parameters: [] });
    expect(await copy()).toEqual({ name: DB, copied: false, skipped: 'it is no replica of this stack here (none deployed yet, or not ours)' });
    expect(regions.calls()).toEqual({ replica: ['GetParameterHistory'], source: [] });
  });

  test('another error than AccessDenied or ParameterNotFound fails the copy as it is, without reading tags', async () => {
    regions.seedPair(DB, { value: 'v', at: T0 + HOUR, copiedAt: T0 });
    regions.replica.ssm.on(GetParameterHistoryCommand).rejects(awsError('InternalServerError', 'internal error'));
    const error = await copy().catch((err: Error) => err);
    expect(error).toMatchObject({ name: 'InternalServerError', message: 'internal error' });
    expect(regions.calls()).toEqual({ replica: ['GetParameterHistory'], source: [] });
  });

  test('AccessDenied on a replica of ours whose owner tag is not its first tag: still a failure', async () => {
    regions.source.seed(DB, { value: 'v', lastModified: new Date(T0 + HOUR) });
    regions.replica.seed(DB, { tags: [{ Key: 'team', Value: 'payments' }, { Key: OWNER_TAG_KEY, Value: `${REPLICA_STACK}/ReplicaDb` }] });
    regions.replica.ssm.on(GetParameterHistoryCommand, { Name: DB }).rejects(accessDenied('ssm:GetParameterHistory', DB));
    await expect(copy()).rejects.toThrow(`IAM refused the copier ssm:GetParameterHistory on this replica, which this stack owns (owner tag ${REPLICA_STACK}/ReplicaDb)`);
  });

  test('a replica whose history gives no time of change is copied (it is never proven as new as the source)', async () => {
    regions.seedPair(DB, { value: 'new', at: T0, copiedAt: T0 + HOUR });
    const history: ParameterHistory = { Name: DB, Type: 'SecureString', KeyId: REPLICA_KEY, Tier: 'Standard', Version: 1, Policies: [], Labels: [] };
    regions.replica.ssm.on(GetParameterHistoryCommand).resolves({ Parameters: [history] });
    expect(await copy()).toEqual({ name: DB, copied: true, version: 2 });
    expect(puts()).toEqual([expect.objectContaining({ Value: 'new', KeyId: REPLICA_KEY, Tier: 'Standard' })]);
  });

  test('a replica whose history gives no tier is written as Standard', async () => {
    regions.seedPair(DB, { value: 'new', at: T0 + HOUR, copiedAt: T0 });
    const history: ParameterHistory = { Name: DB, Type: 'SecureString', KeyId: REPLICA_KEY, Version: 1, LastModifiedDate: new Date(T0), Policies: [], Labels: [] };
    regions.replica.ssm.on(GetParameterHistoryCommand).resolves({ Parameters: [history] });
    expect(await copy()).toMatchObject({ copied: true });
    expect(puts()).toEqual([expect.objectContaining({ Value: 'new', KeyId: REPLICA_KEY, Tier: 'Standard' })]);
  });
});

describe('the source\'s answer', () => {
  test('without a time of change: copied', async () => {
    regions.seedPair(DB, { value: 'new', at: T0, copiedAt: T0 + HOUR });
    regions.source.ssm.on(GetParameterCommand).resolves({ Parameter: { Name: DB, Type: 'SecureString', Value: 'new', Version: 1 } });
    expect(await copy()).toEqual({ name: DB, copied: true, version: 2 });
    expect(puts()).toEqual([expect.objectContaining({ Value: 'new' })]);
  });

  test('a replica without policies: the source\'s policies are not read, none are written', async () => {
    regions.seedPair(DB, { value: 'old', at: T0, copiedAt: T0 + 1_000 });
    regions.time = T0 + HOUR;
    regions.source.putParameter({ Name: DB, Value: 'new', Type: 'SecureString', Overwrite: true, KeyId: SOURCE_KEY, Tier: 'Advanced', Policies: `[${expiration(T0 + 50 * HOUR)}]` });
    expect(await copy()).toEqual({ name: DB, copied: true, version: 2 });
    expect(regions.calls()).toEqual({ replica: ['GetParameterHistory', 'PutParameter'], source: ['GetParameter', 'GetParameter'] });
    expect(puts()[0].Policies).toBeUndefined();
    expect(regions.replica.versions(DB).at(-1)!.policies).toEqual([]);
  });

  test('a replica with policies whose source changed its value only: copied, with the same policies', async () => {
    regions.seedPair(DB, { value: 'old', policies: [expiration(T0 + 30 * HOUR)], at: T0, copiedAt: T0 + 1_000 });
    regions.time = T0 + HOUR;
    regions.source.putParameter({ Name: DB, Value: 'new', Type: 'SecureString', Overwrite: true, KeyId: SOURCE_KEY, Tier: 'Advanced' });
    expect(await copy()).toEqual({ name: DB, copied: true, version: 2 });
    expect(regions.replica.versions(DB).at(-1)!.value).toBe('new');
    expect(regions.replica.versions(DB).at(-1)!.policies.map((p) => JSON.parse(p))).toEqual([JSON.parse(expiration(T0 + 30 * HOUR))]);
  });
});

describe('a source that moves while it is copied', () => {
  /** Makes the source change right after each replica write, `times` times, at the fake time `at`. */
  function moveSourceAfterWrites(times: number, at: () => number) {
    let moved = 0;
    regions.replica.ssm.on(PutParameterCommand).callsFake((input) => {
      const written = regions.replica.putParameter(input);
      if (moved < times) {
        moved++;
        regions.time = at();
        regions.source.putParameter({ Name: DB, Value: `moved-${moved}`, Type: 'SecureString', Overwrite: true, KeyId: SOURCE_KEY, Tier: 'Standard' });
      }
      return written;
    });
  }

  test('moved once: copied again at once, ending on the source\'s newest value', async () => {
    regions.seedPair(DB, { value: 'v1', at: T0 + HOUR, copiedAt: T0 });
    moveSourceAfterWrites(1, () => T0 + 2 * HOUR);
    expect(await copy()).toEqual({ name: DB, copied: true, version: 3 });
    expect(puts().map((p) => p.Value)).toEqual(['v1', 'moved-1']);
    expect(regions.replica.versions(DB).at(-1)!.value).toBe('moved-1');
  });

  test('moved with a time older than the replica\'s (another region\'s clock): copied again all the same', async () => {
    regions.seedPair(DB, { value: 'v1', at: T0 + HOUR, copiedAt: T0 });
    moveSourceAfterWrites(1, () => T0 - HOUR);
    expect(await copy()).toEqual({ name: DB, copied: true, version: 3 });
    expect(puts().map((p) => p.Value)).toEqual(['v1', 'moved-1']);
  });

  test('moving on every read: three copies, then the next event follows', async () => {
    regions.seedPair(DB, { value: 'v1', at: T0 + HOUR, copiedAt: T0 });
    moveSourceAfterWrites(10, () => regions.time + HOUR);
    expect(await copy()).toEqual({ name: DB, copied: true, version: 4 });
    expect(puts().map((p) => p.Value)).toEqual(['v1', 'moved-1', 'moved-2']);
  });

  test('a replica at 99 versions: the copy again makes room, as the first write would have', async () => {
    const label = `${SOURCE_LABEL_PREFIX}${'0'.repeat(40)}`;
    const older: StoredVersion[] = Array.from({ length: 98 }, (_, i) => ({
      value: `old-${i + 1}`, keyId: REPLICA_KEY, tier: 'Standard', policies: [], version: i + 1, labels: i === 0 ? [label] : [], lastModified: new Date(T0 - HOUR),
    }));
    regions.source.seed(DB, { value: 'v1', keyId: SOURCE_KEY, lastModified: new Date(T0 + HOUR) });
    regions.replica.seed(DB, { value: 'old-99', keyId: REPLICA_KEY, version: 99, older, lastModified: new Date(T0), tags: [{ Key: OWNER_TAG_KEY, Value: `${REPLICA_STACK}/ReplicaDb` }] });
    moveSourceAfterWrites(1, () => T0 + 2 * HOUR);

    expect(await copy()).toEqual({ name: DB, copied: true, version: 101 });

    // the history in two pages of 50; the first write fits (100 versions), the second drops the labelled oldest
    expect(regions.calls().replica).toEqual(['GetParameterHistory', 'GetParameterHistory', 'PutParameter', 'UnlabelParameterVersion', 'PutParameter']);
    expect(regions.replica.versions(DB).at(-1)!.value).toBe('moved-1');
  });
});

describe('a Delete of the source', () => {
  test('the source gone: the copy fails (the dead-letter queue alarms), the replica is kept', async () => {
    regions.seedPair(DB, { value: 'v', at: T0, copiedAt: T0 + 1_000 });
    regions.source.parameters.delete(DB);
    const error = await copy(DB, 'Delete').catch((err: Error) => err);
    expect(error).toBeInstanceOf(OperatorError);
    expect((error as Error).message).toBe(
      'the source was deleted in eu-west-1; its replica here is kept and no longer follows it. ' +
        'Create the source again (the next change is copied), or remove the replica from the app.',
    );
    expect(regions.calls()).toEqual({ replica: ['GetParameterHistory'], source: ['GetParameter'] });
    expect(regions.replica.versions(DB).at(-1)!.value).toBe('v');
  });

  test('the source there again (its Create came first): skipped, nothing written', async () => {
    regions.seedPair(DB, { value: 'v', at: T0, copiedAt: T0 + 1_000 });
    expect(await copy(DB, 'Delete')).toEqual({ name: DB, copied: false, skipped: 'the source exists again in eu-west-1' });
    expect(regions.calls()).toEqual({ replica: ['GetParameterHistory'], source: ['GetParameter'] });
  });

  test('the source region failing otherwise: that error, not "deleted"', async () => {
    regions.seedPair(DB, { value: 'v', at: T0, copiedAt: T0 + 1_000 });
    regions.source.ssm.on(GetParameterCommand).rejects(awsError('InternalServerError', 'internal error'));
    await expect(copy(DB, 'Delete')).rejects.toThrow(/^reading the source parameter failed: /);
  });
});

describe('reconcileReplica: a replica the sweep found behind', () => {
  test('not ours: skipped quietly, the source not read', async () => {
    regions.source.seed(DB, { value: 'v' });
    expect(await reconcile()).toEqual({ name: DB, copied: false, skipped: 'it is no replica of this stack here (none deployed yet, or not ours)' });
    expect(regions.calls()).toEqual({ replica: ['GetParameterHistory'], source: [] });
  });

  test('as new as its source, without policies: skipped on the times alone, the source\'s policies not read', async () => {
    regions.seedPair(DB, { value: 'v', at: T0, copiedAt: T0 + 1_000 });
    expect(await reconcile()).toEqual({ name: DB, copied: false, skipped: 'the replica (version 1) is as new as the source (version 1)' });
    expect(regions.calls()).toEqual({ replica: ['GetParameterHistory'], source: ['GetParameter'] });
  });

  test('as new as its source, with the same policies: skipped after one more read', async () => {
    regions.seedPair(DB, { value: 'v', policies: [expiration(T0 + 30 * HOUR)], at: T0, copiedAt: T0 + 1_000 });
    expect(await reconcile()).toEqual({ name: DB, copied: false, skipped: 'the replica (version 1) is as new as the source (version 1), with its policies' });
    expect(regions.calls()).toEqual({ replica: ['GetParameterHistory'], source: ['GetParameter', 'GetParameterHistory'] });
  });

  test('as new by its time but with older policies (a renewal copied with an older value): copied with the source\'s policies', async () => {
    regions.seedPair(DB, { value: 'v', policies: [expiration(T0 + 30 * HOUR)], at: T0, copiedAt: T0 + 1_000 });
    regions.source.versions(DB).at(-1)!.policies = [expiration(T0 + 50 * HOUR)];
    expect(await reconcile()).toEqual({ name: DB, copied: true, version: 2 });
    expect(regions.replica.versions(DB).at(-1)!.value).toBe('v');
    expect(regions.replica.versions(DB).at(-1)!.policies.map((p) => JSON.parse(p))).toEqual([JSON.parse(expiration(T0 + 50 * HOUR))]);
  });

  test('behind its source: copied', async () => {
    regions.seedPair(DB, { value: 'old', at: T0 + HOUR, copiedAt: T0 });
    expect(await reconcile()).toEqual({ name: DB, copied: true, version: 2 });
  });
});
