import { GetParameterHistoryCommand, ListTagsForResourceCommand } from '@aws-sdk/client-ssm';
import { CONFIG, HOUR, REPLICA_STACK, Regions, accessDenied, expiration } from './replica-regions';
import { OperatorError, explainError } from '../../lib/handler/errors';
import { copyChange } from '../../lib/handler/replica-copy';
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

const copy = (name = DB) => copyChange(changeEvent(name), CONFIG, regions.context());

test('a change of the source is copied with its renewed Expiration, in five calls; the same event again writes nothing, in two', async () => {
  regions.seedPair(DB, { value: 'first', policies: [expiration(T0 + 30 * HOUR)], at: T0, copiedAt: T0 + 1_000 });
  regions.time = T0 + 20 * HOUR;
  regions.renewSource(DB, 'rotated', T0 + 50 * HOUR);
  expect(await copy()).toEqual({ name: DB, copied: true, version: 2 });
  expect(regions.replica.versions(DB).at(-1)!.policies.map((p) => JSON.parse(p))).toEqual([JSON.parse(expiration(T0 + 50 * HOUR))]);
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
