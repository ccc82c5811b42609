import { GetParameterHistoryCommand, LabelParameterVersionCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { KEY_ARN } from './events';
import { FakeParameterStore } from './fake-parameter-store';
import { DeferredReadBack } from '../../lib/handler/deferred-read-back';
import { DeployWrite, DeployWriteContext, DeployWriter } from '../../lib/handler/deploy-write';
import { LiveParameter, readHistory } from '../../lib/handler/read-back';
import { ParameterSpec } from '../../lib/handler/request';
import { SourceType } from '../../lib/private/handler-protocol';

/**
 * The deploy's write of a parameter the stack's rotator may write at the same time (deploy-write.ts), on the in-memory
 * Parameter Store: another writer's version is put in between the deploy's calls by hand. Fast, one parameter and a few
 * calls each; the two real writers interleaved at every call are rotation-interleaving.test.ts.
 */
const NAME = '/app/prod/db/password';
const DAY = 86_400_000;
const SOURCE = 'src-0123456789abcdef0123456789abcdef01234567';
const LABELS = [SOURCE, 'current'];
const PATTERN = '^.{8,}$';

let store: FakeParameterStore;
/** The store's clock: each write one millisecond later. */
let clock: number;

beforeEach(() => {
  clock = Date.now();
  store = new FakeParameterStore({ now: () => new Date(++clock) });
  store.seed(NAME, { value: 'created', keyId: KEY_ARN, allowedPattern: PATTERN, version: 1, labels: ['current'], lastModified: new Date(clock - 2 * DAY) });
});

afterEach(() => {
  store.restore();
  jest.restoreAllMocks();
});

const spec = (overrides: Partial<ParameterSpec> = {}): ParameterSpec => ({
  name: NAME,
  keyId: KEY_ARN,
  tier: 'Standard',
  source: { Type: SourceType.GENERATED },
  allowedPattern: PATTERN,
  adopt: false,
  tags: [],
  rotation: { trigger: 'every-86400', keepPrevious: true },
  ...overrides,
});

function context(overrides: Partial<DeployWriteContext> = {}): DeployWriteContext {
  return { clients: store.clients, deadline: Date.now() + 60_000, secrets: new Set(), ...overrides };
}

/** A deploy of a new value (or, with `value` undefined, of the value the parameter holds) on a rotating parameter. */
const deploy = (overrides: Partial<DeployWrite> = {}): DeployWrite => ({
  spec: spec(),
  labels: LABELS,
  value: 'deployed',
  keepExpiry: false,
  labelPrevious: true,
  rotatorMayWrite: true,
  ...overrides,
});

/** Another writer's version (the rotator's), with the labels its calls set. */
function writeAsAnother(value = `another-${clock}`, labels: string[] = [], attributes: Record<string, unknown> = {}): number {
  const { Version } = store.putParameter({ Name: NAME, Value: value, Type: 'SecureString', KeyId: KEY_ARN, AllowedPattern: PATTERN, Overwrite: true, ...attributes });
  label(Version, labels);
  return Version;
}

function label(version: number, labels: string[]): void {
  for (const v of store.versions(NAME)) v.labels = v.labels.filter((l) => !labels.includes(l));
  store.versions(NAME).find((v) => v.version === version)?.labels.push(...labels);
}

const history = (): Promise<LiveParameter> => readHistory(NAME, context());
/** Each version: its number, its value, its labels (sorted). */
const versions = () => store.versions(NAME).map((v) => [v.version, v.value, [...v.labels].sort()]);
const labelCalls = () => store.calls(LabelParameterVersionCommand).map((c) => [c.ParameterVersion, c.Labels]);

describe('the first write', () => {
  test('a new value: the version with its labels, and previous on the version it replaces', async () => {
    const writer = new DeployWriter(deploy(), context());

    await writer.writeFirst(await history(), { Overwrite: true });

    expect(labelCalls()).toEqual([[2, LABELS], [1, ['previous']]]);
    expect(await writer.readBack()).toBe(2);
    expect(versions()).toEqual([[1, 'created', ['previous']], [2, 'deployed', [...LABELS].sort()]]);
    // nothing to set again
    expect(store.calls(LabelParameterVersionCommand)).toHaveLength(2);
  });

  test('without labelPrevious: no previous', async () => {
    const writer = new DeployWriter(deploy({ labelPrevious: false }), context());

    await writer.writeFirst(await history(), { Overwrite: true });

    expect(labelCalls()).toEqual([[2, LABELS]]);
  });

  test('a create (version 1) replaces no version: no previous', async () => {
    store.parameters.delete(NAME);
    const writer = new DeployWriter(deploy(), context());

    await writer.writeFirst(undefined, { Overwrite: false, Tags: [] });

    expect(labelCalls()).toEqual([[1, LABELS]]);
    expect(await writer.readBack()).toBe(1);
  });
});

describe('a version written after the deploy\'s', () => {
  test('a rotation after a new value: the deploy\'s value is written again on top, with its labels; previous back on the value it replaced', async () => {
    const writer = new DeployWriter(deploy(), context());
    await writer.writeFirst(await history(), { Overwrite: true });
    writeAsAnother('rotated', [SOURCE, 'current']);
    label(2, ['previous']);

    expect(await writer.readBack()).toBe(4);
    expect(versions()).toEqual([[1, 'created', ['previous']], [2, 'deployed', []], [3, 'rotated', []], [4, 'deployed', [...LABELS].sort()]]);
    expect(store.calls(PutParameterCommand).map((c) => c.Value)).toEqual(['deployed', 'deployed']);
  });

  test('on a parameter the rotator never writes, a newer version is another writer\'s: the deploy fails', async () => {
    const writer = new DeployWriter(deploy({ rotatorMayWrite: false }), context());
    await writer.writeFirst(await history(), { Overwrite: true });
    writeAsAnother();

    await expect(writer.readBack()).rejects.toThrow(
      `${NAME} was written, but reading it back found version 3 (expected 2, the version just written). Another writer may be changing this parameter`,
    );
    expect(store.calls(PutParameterCommand)).toHaveLength(1);
  });

  test('an older history than the deploy\'s write (deleted and created again): the deploy fails, even where the rotator writes', async () => {
    const writer = new DeployWriter(deploy(), context());
    await writer.writeFirst(await history(), { Overwrite: true });
    store.parameters.delete(NAME);
    store.seed(NAME, { value: 'again', keyId: KEY_ARN, allowedPattern: PATTERN, version: 1 });

    await expect(writer.readBack()).rejects.toThrow('reading it back found version 1 (expected 2, the version just written)');
  });

  test('a rotation of a kept value, with the template\'s attributes: it stays, and gets the deploy\'s labels back', async () => {
    const writer = new DeployWriter(deploy({ value: undefined, labelPrevious: false }), context());
    await writer.writeFirst(await history(), { Overwrite: true });
    writeAsAnother('rotated');
    label(2, ['previous']);

    expect(await writer.readBack()).toBe(3);
    expect(versions()).toEqual([[1, 'created', []], [2, 'created', ['previous']], [3, 'rotated', [...LABELS].sort()]]);
    expect(store.calls(PutParameterCommand)).toHaveLength(1);
  });

  test('a rotation of a kept value with other attributes: its value is written again with the template\'s', async () => {
    const writer = new DeployWriter(deploy({ value: undefined, labelPrevious: false }), context());
    await writer.writeFirst(await history(), { Overwrite: true });
    writeAsAnother('rotated', [], { AllowedPattern: '' });

    expect(await writer.readBack()).toBe(4);
    expect(store.versions(NAME).map((v) => [v.version, v.value, v.allowedPattern])).toEqual([
      [1, 'created', PATTERN], [2, 'created', PATTERN], [3, 'rotated', undefined], [4, 'rotated', PATTERN],
    ]);
  });

  test('another writer after each of the deploy\'s writes: four writes, then the deploy fails', async () => {
    const writer = new DeployWriter(deploy(), context());
    store.ssm.on(PutParameterCommand).callsFake((input) => {
      const written = store.putParameter(input);
      writeAsAnother();
      return written;
    });
    await writer.writeFirst(await history(), { Overwrite: true });

    await expect(writer.readBack()).rejects.toThrow(
      `${NAME} was written 4 times, and each time another writer wrote it right after. Another writer keeps changing this parameter; stop it and retry the deployment.`,
    );
    expect(store.calls(PutParameterCommand)).toHaveLength(4);
  });
});

describe('a version written between the deploy\'s read and its write, when it keeps the value', () => {
  test('between the history and the value\'s read: the newer value is read with its version, and its history read again', async () => {
    const live = await history();
    writeAsAnother('rotated');
    const writer = new DeployWriter(deploy({ value: undefined, labelPrevious: false }), context());

    await writer.writeFirst(live, { Overwrite: true });

    expect(store.versions(NAME).map((v) => [v.version, v.value])).toEqual([[1, 'created'], [2, 'rotated'], [3, 'rotated']]);
    expect(store.calls(GetParameterHistoryCommand)).toHaveLength(2);
    expect(await writer.readBack()).toBe(3);
  });

  test('the value read is the newest the history holds: no second history read', async () => {
    const writer = new DeployWriter(deploy({ value: undefined, labelPrevious: false }), context());

    await writer.writeFirst(await history(), { Overwrite: true });

    expect(store.calls(GetParameterHistoryCommand)).toHaveLength(1);
    // its own version is the newest, over the one it kept the value of: nothing to write again
    expect(await writer.readBack()).toBe(2);
    expect(store.calls(PutParameterCommand)).toHaveLength(1);
  });

  test('between the value\'s read and the write: the deploy wrote an older value, and writes the newer one again', async () => {
    let once = true;
    store.ssm.on(PutParameterCommand).callsFake((input) => {
      if (once) {
        once = false;
        writeAsAnother('rotated');
      }
      return store.putParameter(input);
    });
    const writer = new DeployWriter(deploy({ value: undefined, labelPrevious: false }), context());
    await writer.writeFirst(await history(), { Overwrite: true });

    expect(await writer.readBack()).toBe(4);
    expect(versions()).toEqual([[1, 'created', []], [2, 'rotated', []], [3, 'created', []], [4, 'rotated', [...LABELS].sort()]]);
  });
});

describe('the Expiration of a kept value', () => {
  const EXPIRATION = (at: number) => JSON.stringify({ Type: 'Expiration', Version: '1.0', Attributes: { Timestamp: new Date(at).toISOString() } });
  const expiring = spec({ tier: 'Advanced', expireAfterSeconds: 90 * 86_400 });
  const expirationWritten = () => Date.parse(JSON.parse(store.calls(PutParameterCommand)[0].Policies)[0].Attributes.Timestamp);
  let expiresAt: number;

  beforeEach(() => {
    expiresAt = clock + 10 * DAY;
    store.seed(NAME, { value: 'created', keyId: KEY_ARN, tier: 'Advanced', allowedPattern: PATTERN, policies: [EXPIRATION(expiresAt)], version: 1 });
  });

  test('kept with keepExpiry', async () => {
    const writer = new DeployWriter(deploy({ spec: expiring, value: undefined, keepExpiry: true }), context());

    await writer.writeFirst(await history(), { Overwrite: true });

    expect(expirationWritten()).toBe(expiresAt);
  });

  test.each([
    ['without keepExpiry', { value: undefined, keepExpiry: false }],
    ['for a new value, even with keepExpiry', { value: 'deployed', keepExpiry: true }],
  ])('renewed %s', async (_case, overrides) => {
    const writer = new DeployWriter(deploy({ spec: expiring, ...overrides }), context());

    await writer.writeFirst(await history(), { Overwrite: true });

    expect(expirationWritten()).toBeGreaterThan(Date.now() + 89 * DAY);
  });
});

test('a history without a version: the read-back fails, even where the rotator writes', async () => {
  const writer = new DeployWriter(deploy(), context());
  await writer.writeFirst(await history(), { Overwrite: true });
  store.ssm.on(GetParameterHistoryCommand).resolves({ Parameters: [] });

  await expect(writer.readBack()).rejects.toThrow('reading it back found version undefined (expected 2, the version just written)');
  expect(store.calls(PutParameterCommand)).toHaveLength(1);
});

describe('the labels a late label call moved', () => {
  /** GetParameterHistory as the store answers it, without the Labels of a version that has none. */
  const historyWithoutEmptyLabels = () =>
    store.ssm.on(GetParameterHistoryCommand).callsFake((input) => ({
      Parameters: store.versions(input.Name).map((v) => ({
        Name: NAME,
        Type: 'SecureString',
        KeyId: v.keyId,
        Tier: v.tier,
        AllowedPattern: v.allowedPattern,
        Policies: [],
        Version: v.version,
        LastModifiedDate: v.lastModified,
        ...(v.labels.length > 0 ? { Labels: [...v.labels] } : {}),
      })),
    }));

  test('a history that leaves out the labels of unlabelled versions: the deploy\'s labels and previous go back all the same', async () => {
    const writer = new DeployWriter(deploy(), context());
    await writer.writeFirst(await history(), { Overwrite: true });
    historyWithoutEmptyLabels();
    for (const v of store.versions(NAME)) v.labels = [];

    expect(await writer.readBack()).toBe(2);
    expect(labelCalls().slice(2)).toEqual([[2, LABELS], [1, ['previous']]]);
  });

  test('previous moved off the version the deploy\'s value replaced goes back', async () => {
    const writer = new DeployWriter(deploy(), context());
    await writer.writeFirst(await history(), { Overwrite: true });
    label(2, ['previous']);

    await writer.readBack();

    expect(labelCalls().slice(2)).toEqual([[1, ['previous']]]);
    expect(versions()).toEqual([[1, 'created', ['previous']], [2, 'deployed', [...LABELS].sort()]]);
  });

  test('a replaced version no longer kept is not labelled', async () => {
    const writer = new DeployWriter(deploy(), context());
    await writer.writeFirst(await history(), { Overwrite: true });
    const p = store.parameters.get(NAME)!;
    p.older = [];

    expect(await writer.readBack()).toBe(2);
    expect(labelCalls()).toHaveLength(2);
  });

  test('only the missing labels are set again', async () => {
    const writer = new DeployWriter(deploy(), context());
    await writer.writeFirst(await history(), { Overwrite: true });
    label(1, ['current']);

    await writer.readBack();

    expect(labelCalls().slice(2)).toEqual([[2, ['current']]]);
  });
});

describe('a batched chunk\'s read-back, deferred to its end', () => {
  test('the version written is expected, with a settle only where the rotator may write', async () => {
    for (const rotatorMayWrite of [true, false]) {
      const deferred = new DeferredReadBack();
      const expect_ = jest.spyOn(deferred, 'expect');
      const writer = new DeployWriter(deploy({ rotatorMayWrite }), context({ deferredReadBack: deferred }));
      await writer.writeFirst(await history(), { Overwrite: true });
      store.ssm.resetHistory();

      expect(await writer.readBack()).toBe(store.parameters.get(NAME)!.version);
      expect(expect_).toHaveBeenCalledWith(NAME, store.parameters.get(NAME)!.version, rotatorMayWrite ? expect.any(Function) : undefined);
      expect(store.calls(GetParameterHistoryCommand)).toHaveLength(0);
      // the chunk's end settles a rotating member through the deploy's own read-back
      const settle = expect_.mock.calls[0][2];
      if (settle) await expect(settle()).resolves.toBe(store.parameters.get(NAME)!.version);
    }
  });

  test('a tier PutParameter answered that the template did not ask for fails at once', async () => {
    store.ssm.on(PutParameterCommand).callsFake((input) => ({ ...store.putParameter(input), Tier: 'Advanced' }));
    const writer = new DeployWriter(deploy(), context({ deferredReadBack: new DeferredReadBack() }));
    await writer.writeFirst(await history(), { Overwrite: true });

    await expect(writer.readBack()).rejects.toThrow('reading it back found tier Advanced (expected Standard)');
  });
});
