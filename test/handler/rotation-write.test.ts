import { DeleteParameterCommand, LabelParameterVersionCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { KEY_ARN, STACK_ID, awsError } from './events';
import { FakeParameterStore } from './fake-parameter-store';
import { Clients } from '../../lib/handler/clients';
import { readHistory } from '../../lib/handler/read-back';
import { dueRule, rotateParameter } from '../../lib/handler/rotation';
import { RotationContext } from '../../lib/handler/rotation-context';
import { Decide, rotateOnce } from '../../lib/handler/rotation-write';
import { OWNER_TAG_KEY } from '../../lib/private/handler-protocol';
import { ROTATION_OPTIONS_TAG_KEY, ROTATION_TAG_KEY, parseRotationOptions } from '../../lib/private/rotation-protocol';

/**
 * The rotator's write (rotation-write.ts) and its rotateParameter loop (rotation.ts) against another writer that writes
 * the parameter between the rotator's calls, on the in-memory Parameter Store: fast, each case one parameter and a few
 * calls. The deploy's side of the same meetings is in rotation-interleaving.test.ts.
 */
const NAME = '/app/prod/db/password';
const DAY = 86_400_000;
const SOURCE = 'src-0123456789abcdef0123456789abcdef01234567';
const NEW_SOURCE = 'src-fedcba9876543210fedcba9876543210fedcba98';
const KEEP = 'previous=keep length=32 classes=lunp each=1';
const DROP = 'previous=drop length=32 classes=lunp each=1';
const SCHEDULED = dueRule('every-86400');
const NOTIFY_HOURS = { Type: 'ExpirationNotification', Version: '1.0', Attributes: { Before: '12', Unit: 'Hours' } };
const NOTIFY_DAYS = { Type: 'NoChangeNotification', Version: '1.0', Attributes: { After: '30', Unit: 'Days' } };

let store: FakeParameterStore;
/** The store's clock: each write one millisecond later, so that two writes never share a time. */
let clock: number;

beforeEach(() => {
  clock = Date.now();
  store = new FakeParameterStore({ now: () => new Date(++clock) });
  store.stackRecords.set('DbPassword', NAME);
});

afterEach(() => {
  store.restore();
  jest.restoreAllMocks();
});

const rotatingTags = (options = KEEP, rotation = 'AppStack/every-86400') => [
  { Key: OWNER_TAG_KEY, Value: 'AppStack/DbPassword' },
  { Key: ROTATION_TAG_KEY, Value: rotation },
  { Key: ROTATION_OPTIONS_TAG_KEY, Value: options },
];

function seed(options = KEEP): void {
  store.seed(NAME, { value: 'created', keyId: KEY_ARN, version: 1, labels: [SOURCE, 'current'], lastModified: new Date(clock - 2 * DAY), tags: rotatingTags(options) });
}

function context(clients: Clients = store.clients): RotationContext {
  return { clients, stackName: 'AppStack', stackId: STACK_ID, deadline: Date.now() + 600_000, now: () => clock, secrets: new Set() };
}

/** Another writer's version (a deploy's), with the labels it sets on it. */
function writeAsAnother(labels: string[] = [], attributes: Record<string, unknown> = {}): number {
  const { Version } = store.putParameter({ Name: NAME, Value: `another-${clock}`, Type: 'SecureString', KeyId: KEY_ARN, Overwrite: true, ...attributes });
  label(Version, labels);
  return Version;
}

/** Moves `labels` to `version`, as LabelParameterVersion does. */
function label(version: number, labels: string[]): void {
  for (const v of store.versions(NAME)) v.labels = v.labels.filter((l) => !labels.includes(l));
  store.versions(NAME).find((v) => v.version === version)!.labels.push(...labels);
}

/** Clients that run `before(command, n)` just before the rotator's call, n counting that command's calls from 1. */
function clientsWith(before: (command: string, n: number) => void): Clients {
  const counts = new Map<string, number>();
  return store.interceptedClients(async (command) => {
    counts.set(command, (counts.get(command) ?? 0) + 1);
    before(command, counts.get(command)!);
  });
}

/** Each version: its number, whether the rotator wrote it, its labels (sorted), its tier. */
const versions = (rotated: readonly string[]) =>
  store.versions(NAME).map((v) => [v.version, v.value === 'created' ? 'created' : rotated.includes(v.value) ? 'rotated' : 'another', [...v.labels].sort(), v.tier]);
const rotatedValues = () => store.calls(PutParameterCommand).map((c) => c.Value as string);

/** A decision taken on the newest version, with `base`'s facts changed. */
const decideOn = (ctx: RotationContext, base: Record<string, unknown> = {}, options = KEEP): Decide => async () => {
  const live = await readHistory(NAME, ctx);
  return { live, base: { ...live, ...base }, options: parseRotationOptions(options) };
};

describe('another writer between the rotator\'s decision and its write: the rotator writes once more, from that version', () => {
  test('a deploy\'s new value (another source): the second write takes its attributes and source label; the stale write keeps ours', async () => {
    seed();
    const clients = clientsWith((command, n) => {
      if (command === 'PutParameter' && n === 1) writeAsAnother([NEW_SOURCE, 'current'], { Tier: 'Advanced' });
    });

    expect(await rotateParameter(NAME, SCHEDULED, context(clients))).toEqual({ rotated: true, version: 4 });
    expect(versions(rotatedValues())).toEqual([
      [1, 'created', [], 'Standard'],
      [2, 'another', ['previous'], 'Advanced'],
      [3, 'rotated', [SOURCE], 'Standard'],
      [4, 'rotated', sorted(NEW_SOURCE, 'current'), 'Advanced'],
    ]);
  });

  test('a deploy from the same source (an attribute change): the second write takes the source label back from the stale one', async () => {
    seed();
    const clients = clientsWith((command, n) => {
      if (command === 'PutParameter' && n === 1) writeAsAnother([SOURCE, 'current'], { Tier: 'Advanced' });
    });

    expect(await rotateParameter(NAME, SCHEDULED, context(clients))).toEqual({ rotated: true, version: 4 });
    expect(versions(rotatedValues())).toEqual([
      [1, 'created', [], 'Standard'],
      [2, 'another', ['previous'], 'Advanced'],
      [3, 'rotated', [], 'Standard'],
      [4, 'rotated', sorted(SOURCE, 'current'), 'Advanced'],
    ]);
  });

  test('without keepPrevious: no current, no previous, the source label alone', async () => {
    seed(DROP);
    const clients = clientsWith((command, n) => {
      if (command === 'PutParameter' && n === 1) writeAsAnother([NEW_SOURCE]);
    });

    expect(await rotateParameter(NAME, SCHEDULED, context(clients))).toEqual({ rotated: true, version: 4 });
    expect(versions(rotatedValues()).map(([v, , labels]) => [v, labels])).toEqual([[1, ['current']], [2, []], [3, [SOURCE]], [4, [NEW_SOURCE]]]);
  });

  test('another writer before each of its writes: it writes twice, then gives up loudly', async () => {
    seed();
    const clients = clientsWith((command) => {
      if (command === 'PutParameter') writeAsAnother();
    });

    await expect(rotateParameter(NAME, SCHEDULED, context(clients))).rejects.toThrow(
      'its version 4 was written while the rotation wrote version 5 over it, twice in a row: another writer keeps writing it. ' +
        'Stop it; the next rotation writes from the newest version.',
    );
    expect(store.calls(PutParameterCommand)).toHaveLength(2);
  });

  test('the other writer also took it off rotation: the rotator cannot write that value again, and says how to restore it', async () => {
    seed();
    const clients = clientsWith((command, n) => {
      if (command === 'PutParameter' && n === 1) {
        writeAsAnother();
        store.parameters.get(NAME)!.tags = rotatingTags(KEEP, 'stopped');
      }
    });

    await expect(rotateParameter(NAME, SCHEDULED, context(clients))).rejects.toThrow(new Error(
      'a deploy (or another writer) wrote version 2 while this rotation was under way, and the rotation\'s write, version 3, replaced it; ' +
        `the parameter no longer rotates here (it is not set to rotate in stack AppStack (${ROTATION_TAG_KEY}: stopped)), so the rotator cannot ` +
        'write again from version 2, whose value it never reads. Restore that value: deploy the stack twice, with the value\'s source changed and ' +
        'then back, or write the value of version 2 again as the newest version.',
    ));
    expect(store.calls(PutParameterCommand)).toHaveLength(1);
  });

  test('the other writer also removed its rotation tags: the same failure, the tag named as missing', async () => {
    seed();
    const clients = clientsWith((command, n) => {
      if (command === 'PutParameter' && n === 1) {
        writeAsAnother();
        store.parameters.get(NAME)!.tags = rotatingTags().slice(0, 1);
      }
    });

    await expect(rotateParameter(NAME, SCHEDULED, context(clients))).rejects.toThrow(
      `the parameter no longer rotates here (it is not set to rotate in stack AppStack (${ROTATION_TAG_KEY}: none))`,
    );
  });

  test('making good a stale write needs no due check, but the parameter must still rotate in this stack (any trigger)', async () => {
    seed();
    const clients = clientsWith((command, n) => {
      if (command === 'PutParameter' && n === 1) {
        writeAsAnother();
        // a deploy moved it to another schedule of the same stack
        store.parameters.get(NAME)!.tags = rotatingTags(KEEP, 'AppStack/every-43200');
      }
    });

    expect(await rotateParameter(NAME, SCHEDULED, context(clients))).toEqual({ rotated: true, version: 4 });
  });

  test('the version to write from is gone (the parameter was deleted and created again): a failure that names it', async () => {
    seed();
    const clients = clientsWith((command, n) => {
      if (command === 'PutParameter' && n === 1) writeAsAnother();
      if (command === 'GetParameterHistory' && n === 3) {
        store.parameters.delete(NAME);
        store.seed(NAME, { value: 'created', keyId: KEY_ARN, version: 1, tags: rotatingTags() });
      }
    });

    await expect(rotateParameter(NAME, SCHEDULED, context(clients))).rejects.toThrow('no longer rotates here (its version 2 is gone)');
  });
});

describe('a version written after the rotator\'s: it stays newest, and the labels the rotator\'s late label calls took go back', () => {
  /** Another writer's version right after the rotator's label calls, before it reads the history. */
  const afterLabels = (labels: string[], then: () => void = () => undefined) => clientsWith((command, n) => {
    if (command === 'GetParameterHistory' && n === 2) {
      writeAsAnother(labels);
      then();
    }
  });

  test('a version without a source label (an operator\'s): our source label and current go back to it; previous stays', async () => {
    seed();

    expect(await rotateParameter(NAME, SCHEDULED, context(afterLabels([])))).toEqual({ rotated: true, version: 2 });
    expect(versions(rotatedValues()).map(([v, , labels]) => [v, labels])).toEqual([[1, ['previous']], [2, []], [3, sorted(SOURCE, 'current')]]);
  });

  test('a deploy\'s new value from another source, with current: no label moves back, and the rotated value is previous', async () => {
    seed();

    expect(await rotateParameter(NAME, SCHEDULED, context(afterLabels([NEW_SOURCE, 'current'])))).toEqual({ rotated: true, version: 2 });
    expect(versions(rotatedValues()).map(([v, , labels]) => [v, labels])).toEqual([[1, []], [2, sorted(SOURCE, 'previous')], [3, sorted(NEW_SOURCE, 'current')]]);
    expect(store.calls(LabelParameterVersionCommand).slice(2)).toEqual([{ Name: NAME, ParameterVersion: 2, Labels: ['previous'] }]);
  });

  test('a deploy\'s new value that did not set current: current goes to it', async () => {
    seed();

    await rotateParameter(NAME, SCHEDULED, context(afterLabels([NEW_SOURCE])));

    expect(versions(rotatedValues()).map(([v, , labels]) => [v, labels])).toEqual([[1, []], [2, sorted(SOURCE, 'previous')], [3, sorted(NEW_SOURCE, 'current')]]);
  });

  test('a version from our source (its label moved to ours, then back): no previous for the rotated value', async () => {
    seed();

    await rotateParameter(NAME, SCHEDULED, context(afterLabels([SOURCE, 'current'])));

    expect(versions(rotatedValues()).map(([v, , labels]) => [v, labels])).toEqual([[1, ['previous']], [2, []], [3, sorted(SOURCE, 'current')]]);
    expect(store.calls(LabelParameterVersionCommand)).toHaveLength(2);
  });

  test('a rotated value that already is previous is not labelled again', async () => {
    seed();

    await rotateParameter(NAME, SCHEDULED, context(afterLabels([NEW_SOURCE, 'current'], () => label(2, ['previous']))));

    expect(store.calls(LabelParameterVersionCommand)).toHaveLength(2);
    expect(versions(rotatedValues()).map(([v, , labels]) => [v, labels])).toEqual([[1, []], [2, sorted(SOURCE, 'previous')], [3, sorted(NEW_SOURCE, 'current')]]);
  });

  test('two versions after ours: ours is not made previous (it did not replace the newest), previous stays where the rotation put it', async () => {
    seed();
    const clients = afterLabels([NEW_SOURCE, 'current'], () => writeAsAnother([NEW_SOURCE, 'current']));

    await rotateParameter(NAME, SCHEDULED, context(clients));

    expect(versions(rotatedValues()).map(([v, , labels]) => [v, labels])).toEqual([[1, ['previous']], [2, [SOURCE]], [3, []], [4, sorted(NEW_SOURCE, 'current')]]);
  });

  test.each([
    ['took it off rotation', rotatingTags(KEEP, 'stopped')],
    ['now drops the previous value', rotatingTags(DROP)],
    ['left a malformed options tag', rotatingTags('previous=maybe')],
    ['moved it to another stack\'s rotation', rotatingTags(KEEP, 'OtherStack/every-86400')],
    ['removed its rotation tags', rotatingTags().slice(0, 1)],
  ])('the other writer %s: current does not go back, and the rotated value is not made previous', async (_case, tags) => {
    seed();

    await rotateParameter(NAME, SCHEDULED, context(afterLabels([], () => (store.parameters.get(NAME)!.tags = tags))));

    expect(versions(rotatedValues()).map(([v, , labels]) => [v, labels])).toEqual([[1, ['previous']], [2, ['current']], [3, [SOURCE]]]);
  });

  test('a version with our source label among others is not a new value: the rotated value is not made previous', async () => {
    seed();

    await rotateParameter(NAME, SCHEDULED, context(afterLabels([NEW_SOURCE, SOURCE, 'current'])));

    expect(versions(rotatedValues()).map(([v, , labels]) => [v, labels])).toEqual([[1, ['previous']], [2, []], [3, sorted(NEW_SOURCE, SOURCE, 'current')]]);
  });

  test('the stack deleted it right after the other writer\'s version: the labels cannot go back, and the outcome says so', async () => {
    seed();
    const clients = clientsWith((command, n) => {
      if (command === 'GetParameterHistory' && n === 2) writeAsAnother();
      if (command === 'ListTagsForResource' && n === 2) store.parameters.delete(NAME);
    });

    expect(await rotateParameter(NAME, SCHEDULED, context(clients))).toEqual({ rotated: false, reason: 'its stack deleted it right after the rotation wrote version 2' });
  });

  test('without keepPrevious: the source label alone goes back', async () => {
    seed(DROP);

    await rotateParameter(NAME, SCHEDULED, context(afterLabels([])));

    expect(versions(rotatedValues()).map(([v, , labels]) => [v, labels])).toEqual([[1, ['current']], [2, []], [3, [SOURCE]]]);
  });
});

describe('the stack deleted the parameter while it was rotated', () => {
  test('before the write: the write creates it again (version 1, untagged), and the rotator deletes that', async () => {
    seed();
    const clients = clientsWith((command) => {
      if (command === 'PutParameter') store.parameters.delete(NAME);
    });

    expect(await rotateParameter(NAME, SCHEDULED, context(clients))).toEqual({
      rotated: false,
      reason: 'its stack deleted it while it was rotated: the rotation\'s write created it again, and the rotator deleted that',
    });
    expect(store.calls(DeleteParameterCommand)).toEqual([{ Name: NAME }]);
    expect([...store.parameters.keys()]).toEqual([]);
  });

  test('deleted again by another before the rotator\'s delete: the same outcome', async () => {
    seed();
    const clients = clientsWith((command) => {
      if (command === 'PutParameter' || command === 'DeleteParameter') store.parameters.delete(NAME);
    });

    expect(await rotateParameter(NAME, SCHEDULED, context(clients))).toMatchObject({ rotated: false, reason: expect.stringMatching(/and the rotator deleted that$/) });
  });

  test('right after the write: the outcome names the version written', async () => {
    seed();
    const clients = clientsWith((command, n) => {
      if (command === 'LabelParameterVersion' && n === 1) store.parameters.delete(NAME);
    });

    expect(await rotateParameter(NAME, SCHEDULED, context(clients))).toEqual({ rotated: false, reason: 'its stack deleted it right after the rotation wrote version 2' });
  });

  test('another failure of a label call is the rotation\'s failure', async () => {
    seed();
    store.ssm.on(LabelParameterVersionCommand).rejects(awsError('AccessDeniedException', 'not authorized to perform: ssm:LabelParameterVersion'));

    await expect(rotateParameter(NAME, SCHEDULED, context())).rejects.toMatchObject({ name: 'AccessDeniedException', operation: 'ssm:LabelParameterVersion' });
  });
});

describe('a write IAM refuses', () => {
  const refusedAfter = (change: () => void, err = awsError('AccessDeniedException', 'not authorized to perform: ssm:PutParameter')) =>
    store.ssm.on(PutParameterCommand).callsFake(() => {
      change();
      throw err;
    });

  test.each([
    ['its rotation tag says stopped', () => (store.parameters.get(NAME)!.tags = rotatingTags(KEEP, 'stopped'))],
    ['its rotation tag is gone', () => (store.parameters.get(NAME)!.tags = rotatingTags().slice(0, 1))],
    ['it is gone', () => store.parameters.delete(NAME)],
  ])('a deploy took it off rotation (%s): a skip that says so', async (_case, change) => {
    seed();
    refusedAfter(change);

    expect(await rotateParameter(NAME, SCHEDULED, context())).toEqual({
      rotated: false,
      reason: 'a deploy took it off rotation while it was rotated: IAM refused the write (its rotation tag is no longer this stack\'s)',
    });
  });

  test('another error while the rotation tag says stopped is the rotation\'s failure', async () => {
    seed();
    refusedAfter(() => (store.parameters.get(NAME)!.tags = rotatingTags(KEEP, 'stopped')), awsError('ParameterLimitExceeded', 'too many'));

    await expect(rotateParameter(NAME, SCHEDULED, context())).rejects.toMatchObject({ name: 'ParameterLimitExceeded' });
  });
});

describe('what the write is made of', () => {
  test.each([
    ['a String', { type: 'String' }, 'it is a String parameter, not a SecureString with a key: deploy the stack again to restore it'],
    ['a SecureString without a key', { keyId: undefined }, 'it is a SecureString parameter, not a SecureString with a key: deploy the stack again to restore it'],
    ['a version without a type', { type: undefined, keyId: undefined }, 'it is a missing parameter, not a SecureString with a key: deploy the stack again to restore it'],
  ])('a base that is %s is refused before any write', async (_case, base, message) => {
    seed();
    const ctx = context();

    await expect(rotateOnce(NAME, decideOn(ctx, base), undefined, ctx)).rejects.toThrow(message);
    expect(store.calls(PutParameterCommand)).toEqual([]);
  });

  test('a base without a tier is written Standard; one without policies is written without any', async () => {
    seed();
    const ctx = context();

    const step = await rotateOnce(NAME, decideOn(ctx, { tier: undefined, policies: [] }), undefined, ctx);

    expect(step).toEqual({ outcome: { rotated: true, version: 2 } });
    const [put] = store.calls(PutParameterCommand);
    expect(put.Tier).toBe('Standard');
    expect(put).not.toHaveProperty('Policies', expect.anything());
  });

  test.each([
    ['kept as they are', KEEP, () => [NOTIFY_HOURS, NOTIFY_DAYS]],
    ['kept, after an Expiration renewed from now', 'previous=keep expire=3600 length=32 classes=lunp each=1', (now: number) => [
      { Type: 'Expiration', Version: '1.0', Attributes: { Timestamp: new Date(now + 3_600_000).toISOString() } }, NOTIFY_HOURS, NOTIFY_DAYS,
    ]],
  ])('several other policies are %s', async (_case, options, expectedPolicies) => {
    seed(options);
    store.parameters.get(NAME)!.policies = [JSON.stringify(NOTIFY_HOURS), JSON.stringify(NOTIFY_DAYS)];
    const ctx = context();
    const now = clock;

    await rotateOnce(NAME, decideOn(ctx, {}, options), undefined, ctx);

    expect(JSON.parse(store.calls(PutParameterCommand)[0].Policies)).toEqual(expectedPolicies(now));
  });

  test('a base without a version number: the new version\'s labels, and no previous', async () => {
    seed();
    const ctx = context();

    expect(await rotateOnce(NAME, decideOn(ctx, { version: undefined }), undefined, ctx)).toEqual({ outcome: { rotated: true, version: 2 } });
    expect(store.calls(LabelParameterVersionCommand)).toEqual([{ Name: NAME, ParameterVersion: 2, Labels: [SOURCE, 'current'] }]);
  });

  test('a base without a source label and without keepPrevious: no label call at all', async () => {
    seed(DROP);
    const ctx = context();

    await rotateOnce(NAME, decideOn(ctx, { labels: [] }, DROP), undefined, ctx);

    expect(store.calls(LabelParameterVersionCommand)).toEqual([]);
  });

  test('a decision to skip writes nothing', async () => {
    seed();
    const outcome = { rotated: false as const, reason: 'not due' };

    expect(await rotateOnce(NAME, async () => ({ skip: outcome }), undefined, context())).toEqual({ outcome });
    expect(store.calls(PutParameterCommand)).toEqual([]);
  });
});

function sorted(...labels: string[]): string[] {
  return [...labels].sort();
}
