import { DeleteParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { batchCreate, batchProperties, fullName } from './batch-events';
import { KEY_ARN, STACK_ID, awsError, createEvent, deleteEvent, properties, updateEvent } from './events';
import { FakeParameterStore } from './fake-parameter-store';
import { Clients } from '../../lib/handler/clients';
import { RotationSummary, runRotation } from '../../lib/handler/rotation-run';
import { handleEvent } from '../../lib/handler/secure-string.lambda';
import { sourceLabel } from '../../lib/handler/source-fingerprint';
import { OWNER_TAG_KEY, ParameterProperties } from '../../lib/private/handler-protocol';
import { ROTATION_OPTIONS_TAG_KEY, ROTATION_TAG_KEY } from '../../lib/private/rotation-protocol';

/**
 * A deploy and the stack's rotator writing one parameter at the same time, interleaved deterministically: the whole
 * of one runs just before each call of the other (the store's clients await it there). PutParameter has no
 * compare-and-swap; each final state below is what the two together must leave: the deploy's new value, or the
 * newest rotation of a value the deploy kept; the template's attributes; `current` on the newest version, `previous`
 * on the value it replaced, the source label on the newest version written from that source; the deploy succeeds.
 */
const NAME = '/app/prod/db/password';
const DAY = 86_400_000;

let store: FakeParameterStore;
/** The store's clock: each write one millisecond later, so that two writes never share a time. */
let clock: number;

beforeEach(() => {
  clock = Date.now();
  store = new FakeParameterStore({ now: () => new Date(++clock) });
  store.stackRecords.set('DbPassword', NAME);
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
});

afterEach(() => {
  store.restore();
  jest.restoreAllMocks();
});

const daily = (generation = 1, extra: Partial<ParameterProperties> = {}): ParameterProperties =>
  properties({ Source: { Type: 'generated', Options: `{"generation":${generation}}` }, Rotation: { Trigger: 'every-86400' }, ...extra });
const NOTIFICATION = { Type: 'ExpirationNotification', Version: '1.0', Attributes: { Before: '14', Unit: 'Days' } };
const expiring = (extra: Partial<ParameterProperties> = {}): ParameterProperties =>
  properties({
    Tier: 'Advanced',
    ExpireAfterSeconds: String(90 * 86_400),
    Policies: JSON.stringify([NOTIFICATION]),
    Rotation: { Trigger: 'before-expiration' },
    ...extra,
  });
const SOURCE = sourceLabel({ Type: 'generated', Options: '{"generation":1}' });
const NEW_SOURCE = sourceLabel({ Type: 'generated', Options: '{"generation":2}' });
const PLAIN = { Type: 'plaintext', Text: 'switched' };

interface Scenario {
  /** The parameter as the stack created it, two days before the deploy. */
  readonly created: ParameterProperties;
  readonly deploy: () => CloudFormationCustomResourceEvent;
  /** What triggers the rotator (a schedule's tick, or the parameter's ExpirationNotification). */
  readonly trigger: () => unknown;
  /** The rotator's clock: when the created version is due. */
  readonly rotatesAt: () => number;
}

const scheduled = (deploy: () => CloudFormationCustomResourceEvent, created = daily()): Scenario => ({
  created,
  deploy,
  trigger: () => ({ Trigger: 'every-86400' }),
  rotatesAt: () => clock,
});

const SCENARIOS = {
  'a deploy that changes the value (a new generation)': scheduled(() => updateEvent(daily(2), daily())),
  'a deploy that changes an attribute only (a description)': scheduled(() => updateEvent(daily(1, { Description: 'db' }), daily())),
  'a deploy that switches the source away from rotation': scheduled(() => updateEvent(properties({ Source: PLAIN }), daily())),
  'a DESTROY delete': scheduled(() => deleteEvent(daily())),
  'a deploy that changes an attribute of a parameter rotating before expiration (its Expiration kept: still due)': {
    created: expiring(),
    deploy: () => updateEvent(expiring({ Description: 'db' }), expiring()),
    trigger: () => ({ 'detail-type': 'Parameter Store Policy Action', 'detail': { 'parameter-name': NAME } }),
    // 13 days before the created version expires: within its 14-day notification
    rotatesAt: () => expirationOf(store.versions(NAME)[0].policies) - 13 * DAY,
  },
} satisfies Record<string, Scenario>;
type ScenarioName = keyof typeof SCENARIOS;

function expirationOf(policies: readonly string[]): number {
  return Date.parse(policies.map((p) => JSON.parse(p)).find((p) => p.Type === 'Expiration').Attributes.Timestamp);
}

/** Each writer's calls, in order, and the values it wrote. */
interface Writer {
  readonly calls: string[];
  readonly values: string[];
}

/** Clients that record `writer`'s calls and run `before(n)` just before its call number n (from 0). */
function clientsOf(writer: Writer, before: (n: number) => Promise<void> = async () => undefined): Clients {
  return store.interceptedClients(async (command, input) => {
    await before(writer.calls.length);
    writer.calls.push(command);
    if (command === 'PutParameter') writer.values.push(input.Value);
  });
}

interface Outcome {
  readonly deploy: Writer;
  readonly rotator: Writer;
  readonly response?: Awaited<ReturnType<typeof handleEvent>>;
  readonly summary?: RotationSummary;
  readonly created: string;
}

/** The stack creates the parameter two days before the deploy and the rotation meet. */
async function create(scenario: Scenario): Promise<string> {
  clock -= 2 * DAY;
  expect(await handleEvent(createEvent(scenario.created), store.clients, Date.now() + 60_000)).toMatchObject({ Status: 'SUCCESS' });
  clock += 2 * DAY;
  return store.parameters.get(NAME)!.value;
}

function rotate(scenario: Scenario, clients: Clients, now: number): Promise<RotationSummary> {
  return runRotation(scenario.trigger(), { clients, stackName: 'AppStack', stackId: STACK_ID, deadline: Date.now() + 600_000, now: () => now, secrets: new Set() });
}

/** The whole rotation runs just before the deploy's call number `at`. */
async function rotatorBeforeDeployCall(name: ScenarioName, at: number): Promise<Outcome> {
  const scenario: Scenario = SCENARIOS[name];
  const created = await create(scenario);
  const now = scenario.rotatesAt();
  const deploy: Writer = { calls: [], values: [] };
  const rotator: Writer = { calls: [], values: [] };
  let summary: RotationSummary | undefined;
  const clients = clientsOf(deploy, async (n) => {
    if (n === at) summary = await rotate(scenario, clientsOf(rotator), now);
  });
  const response = await handleEvent(scenario.deploy(), clients, Date.now() + 60_000);
  return { deploy, rotator, response, summary, created };
}

/** The whole deploy runs just before the rotator's call number `at`. */
async function deployBeforeRotatorCall(name: ScenarioName, at: number): Promise<Outcome> {
  const scenario: Scenario = SCENARIOS[name];
  const created = await create(scenario);
  const deploy: Writer = { calls: [], values: [] };
  const rotator: Writer = { calls: [], values: [] };
  let response: Outcome['response'];
  const clients = clientsOf(rotator, async (n) => {
    if (n === at) response = await handleEvent(scenario.deploy(), clientsOf(deploy), Date.now() + 60_000);
  });
  const summary = await rotate(scenario, clients, scenario.rotatesAt());
  return { deploy, rotator, response, summary, created };
}

/** Each kept version: its number, whose value it holds, its labels (sorted). */
function versions(outcome: Outcome): Array<[number, string, string[]]> {
  const names = new Map<string, string>([[outcome.created, 'created'], ['switched', 'switched']]);
  outcome.rotator.values.forEach((v, i) => names.set(v, i === 0 ? 'rotated' : 'rotated again'));
  outcome.deploy.values.forEach((v) => names.set(v, names.get(v) ?? 'deployed'));
  return store.versions(NAME).map((v) => [v.version, names.get(v.value) ?? 'unknown', [...v.labels].sort()]);
}

const newest = () => store.versions(NAME).at(-1)!;
const tagKeys = () => store.parameters.get(NAME)!.tags.map((t) => t.Key).sort();
const tags = () => Object.fromEntries(store.parameters.get(NAME)!.tags.map((t) => [t.Key, t.Value]));
const ROTATING_TAGS = [OWNER_TAG_KEY, ROTATION_TAG_KEY, ROTATION_OPTIONS_TAG_KEY].sort();

type Versions = Array<[number, string, string[]]>;
const sorted = (labels: string[]) => [...labels].sort();

function expectSucceeded(outcome: Outcome, rotated: number): void {
  expect(outcome.response).toMatchObject({ Status: 'SUCCESS' });
  expect(outcome.summary).toMatchObject({ rotated, failures: [] });
}

describe('the calls each writer makes alone', () => {
  test.each([
    ['a deploy that changes the value (a new generation)', ['ListTagsForResource', 'GetParameterHistory', 'PutParameter', 'LabelParameterVersion', 'LabelParameterVersion', 'ListTagsForResource', 'GetParameterHistory']],
    ['a deploy that changes an attribute only (a description)', ['ListTagsForResource', 'GetParameterHistory', 'GetParameter', 'PutParameter', 'LabelParameterVersion', 'ListTagsForResource', 'GetParameterHistory']],
    // the rotation tag says `stopped` before the write or delete: the rotator's write is refused from then on
    ['a deploy that switches the source away from rotation', ['ListTagsForResource', 'AddTagsToResource', 'GetParameterHistory', 'PutParameter', 'LabelParameterVersion', 'ListTagsForResource', 'RemoveTagsFromResource', 'GetParameterHistory']],
    ['a DESTROY delete', ['ListTagsForResource', 'AddTagsToResource', 'DeleteParameter']],
  ] as Array<[ScenarioName, string[]]>)('the deploy: %s', async (name, calls) => {
    const outcome = await rotatorBeforeDeployCall(name, Infinity);
    expect(outcome.deploy.calls).toEqual(calls);
  });

  test('the rotator: its reads in its write slot, the history last, right before its write; its labels; the history again', async () => {
    const outcome = await deployBeforeRotatorCall('a deploy that changes the value (a new generation)', Infinity);
    expect(outcome.rotator.calls).toEqual([
      'DescribeParameters',
      'ListTagsForResource',
      'DescribeStackResource',
      'GetParameterHistory',
      'PutParameter',
      'LabelParameterVersion',
      'LabelParameterVersion',
      'GetParameterHistory',
    ]);
  });
});

describe('a deploy that changes the value (a new generation): the deploy\'s value ends newest', () => {
  const name = 'a deploy that changes the value (a new generation)';
  const rotatedFirst: Versions = [[1, 'created', []], [2, 'rotated', sorted([SOURCE, 'previous'])], [3, 'deployed', sorted([NEW_SOURCE, 'current'])]];
  const deployOnly: Versions = [[1, 'created', sorted([SOURCE, 'previous'])], [2, 'deployed', sorted([NEW_SOURCE, 'current'])]];

  test.each<[string, number, Versions, number]>([
    ['ListTagsForResource', 0, rotatedFirst, 1],
    ['GetParameterHistory', 1, rotatedFirst, 1],
    // between the deploy's read and its write: the rotated value is the one the new value replaces
    ['PutParameter', 2, rotatedFirst, 1],
    // the deploy has written: its version is not due
    ['LabelParameterVersion (source, current)', 3, deployOnly, 0],
    ['LabelParameterVersion (previous)', 4, deployOnly, 0],
    ['ListTagsForResource (tags)', 5, deployOnly, 0],
    ['GetParameterHistory (read-back)', 6, deployOnly, 0],
  ])('the rotator just before the deploy\'s %s', async (_call, at, expected, rotated) => {
    const outcome = await rotatorBeforeDeployCall(name, at);

    expectSucceeded(outcome, rotated);
    expect(versions(outcome)).toEqual(expected);
    expect(tagKeys()).toEqual(ROTATING_TAGS);
  });

  test.each<[string, number, Versions]>([
    ['DescribeParameters', 0, deployOnly],
    ['ListTagsForResource', 1, deployOnly],
    ['DescribeStackResource', 2, deployOnly],
    // its history shows the deploy's version, written just now: not due
    ['GetParameterHistory', 3, deployOnly],
    // it decided on the created version; its write replaced the deploy's: it rotates again from the deploy's version
    // (its attributes, its options and source label), the stale version keeps no label
    ['PutParameter', 4, [[1, 'created', []], [2, 'deployed', ['previous']], [3, 'rotated', [SOURCE]], [4, 'rotated again', sorted([NEW_SOURCE, 'current'])]]],
    // the deploy replaced the rotated value; the rotator's late labels go back where the deploy put them
    ['LabelParameterVersion (source, current)', 5, [[1, 'created', []], [2, 'rotated', sorted([SOURCE, 'previous'])], [3, 'deployed', sorted([NEW_SOURCE, 'current'])]]],
    ['LabelParameterVersion (previous)', 6, [[1, 'created', []], [2, 'rotated', sorted([SOURCE, 'previous'])], [3, 'deployed', sorted([NEW_SOURCE, 'current'])]]],
    ['GetParameterHistory (after its labels)', 7, [[1, 'created', []], [2, 'rotated', sorted([SOURCE, 'previous'])], [3, 'deployed', sorted([NEW_SOURCE, 'current'])]]],
  ])('the deploy just before the rotator\'s %s', async (_call, at, expected) => {
    const outcome = await deployBeforeRotatorCall(name, at);

    expectSucceeded(outcome, at < 4 ? 0 : 1);
    expect(versions(outcome)).toEqual(expected);
  });
});

describe('a deploy that changes an attribute only (a description): the newest rotation stays, with the new attribute', () => {
  const name = 'a deploy that changes an attribute only (a description)';
  const rotatedFirst: Versions = [[1, 'created', ['previous']], [2, 'rotated', []], [3, 'rotated', sorted([SOURCE, 'current'])]];
  const deployOnly: Versions = [[1, 'created', []], [2, 'created', sorted([SOURCE, 'current'])]];

  test.each<[string, number, Versions, number]>([
    ['ListTagsForResource', 0, rotatedFirst, 1],
    ['GetParameterHistory', 1, rotatedFirst, 1],
    // the value read is the rotated one (its version is newer than the history read: read again for its Expiration)
    ['GetParameter', 2, rotatedFirst, 1],
    // the deploy wrote the value it had read, now older: its read-back finds the rotation and writes that value again
    ['PutParameter', 3, [[1, 'created', ['previous']], [2, 'rotated', []], [3, 'created', []], [4, 'rotated', sorted([SOURCE, 'current'])]], 1],
    ['LabelParameterVersion', 4, deployOnly, 0],
    ['ListTagsForResource (tags)', 5, deployOnly, 0],
    ['GetParameterHistory (read-back)', 6, deployOnly, 0],
  ])('the rotator just before the deploy\'s %s', async (_call, at, expected, rotated) => {
    const outcome = await rotatorBeforeDeployCall(name, at);

    expectSucceeded(outcome, rotated);
    expect(versions(outcome)).toEqual(expected);
    expect(newest().description).toBe('db');
  });

  test.each<[string, number, Versions]>([
    ['DescribeParameters', 0, deployOnly],
    ['ListTagsForResource', 1, deployOnly],
    ['DescribeStackResource', 2, deployOnly],
    ['GetParameterHistory', 3, deployOnly],
    // its write replaced the deploy's version (made from the created one's attributes): it rotates again from the deploy's
    ['PutParameter', 4, [[1, 'created', []], [2, 'created', ['previous']], [3, 'rotated', []], [4, 'rotated again', sorted([SOURCE, 'current'])]]],
    // the deploy kept the rotated value under the new attribute; the rotator's late labels go back to the deploy's version
    ['LabelParameterVersion (source, current)', 5, rotatedFirst],
    ['LabelParameterVersion (previous)', 6, rotatedFirst],
    ['GetParameterHistory (after its labels)', 7, rotatedFirst],
  ])('the deploy just before the rotator\'s %s', async (_call, at, expected) => {
    const outcome = await deployBeforeRotatorCall(name, at);

    expectSucceeded(outcome, at < 4 ? 0 : 1);
    expect(versions(outcome)).toEqual(expected);
    expect(newest().description).toBe('db');
  });
});

describe('a deploy that switches the source away from rotation: its rotation tag says stopped first, and the deploy\'s value ends newest', () => {
  const name = 'a deploy that switches the source away from rotation';
  const PLAIN_SOURCE = sourceLabel(PLAIN);
  const deployOnly: Versions = [[1, 'created', sorted([SOURCE, 'current'])], [2, 'switched', [PLAIN_SOURCE]]];
  const rotatedFirst: Versions = [[1, 'created', ['previous']], [2, 'rotated', sorted([SOURCE, 'current'])], [3, 'switched', [PLAIN_SOURCE]]];

  test.each<[string, number, Versions, number]>([
    ['ListTagsForResource', 0, rotatedFirst, 1],
    ['AddTagsToResource (rotation: stopped)', 1, rotatedFirst, 1],
    // the rotator no longer finds it: its rotation tag says stopped
    ['GetParameterHistory', 2, deployOnly, 0],
    ['PutParameter', 3, deployOnly, 0],
    ['LabelParameterVersion', 4, deployOnly, 0],
    ['ListTagsForResource (tags)', 5, deployOnly, 0],
    ['RemoveTagsFromResource (rotation options)', 6, deployOnly, 0],
    ['GetParameterHistory (read-back)', 7, deployOnly, 0],
  ])('the rotator just before the deploy\'s %s', async (_call, at, expected, rotated) => {
    const outcome = await rotatorBeforeDeployCall(name, at);

    expectSucceeded(outcome, rotated);
    expect(versions(outcome)).toEqual(expected);
    expect(tags()).toEqual({ [OWNER_TAG_KEY]: 'AppStack/DbPassword', [ROTATION_TAG_KEY]: 'stopped' });
  });

  test.each<[string, number, Versions, number]>([
    ['DescribeParameters', 0, deployOnly, 0],
    // its tags, or the history that follows them, tell it the parameter no longer rotates or is not due
    ['ListTagsForResource', 1, deployOnly, 0],
    ['DescribeStackResource', 2, deployOnly, 0],
    ['GetParameterHistory', 3, deployOnly, 0],
    // the deploy wrote after its labels or between them: the deploy's version stays newest, the labels it set stay
    ['LabelParameterVersion (source, current)', 5, rotatedFirst, 1],
    ['LabelParameterVersion (previous)', 6, rotatedFirst, 1],
    ['GetParameterHistory (after its labels)', 7, rotatedFirst, 1],
  ])('the deploy just before the rotator\'s %s', async (_call, at, expected, rotated) => {
    const outcome = await deployBeforeRotatorCall(name, at);

    expectSucceeded(outcome, rotated);
    expect(versions(outcome)).toEqual(expected);
    expect(tags()).toEqual({ [OWNER_TAG_KEY]: 'AppStack/DbPassword', [ROTATION_TAG_KEY]: 'stopped' });
  });

  test('the deploy just before the rotator\'s PutParameter: where IAM does not refuse the write (rotation-iam.test.ts shows it does), the rotator names the lost version in its alarm', async () => {
    const outcome = await deployBeforeRotatorCall(name, 4);

    expect(outcome.response).toMatchObject({ Status: 'SUCCESS' });
    expect(outcome.summary!.failures).toEqual([
      `${NAME}: a deploy (or another writer) wrote version 2 while this rotation was under way, and the rotation's write, version 3, replaced it; ` +
        'the parameter no longer rotates here (it is not set to rotate in stack AppStack (cdk-secure-parameters:rotation: stopped)), so the rotator ' +
        'cannot write again from version 2, whose value it never reads. Restore that value: deploy the stack twice, with the value\'s source ' +
        'changed and then back, or write the value of version 2 again as the newest version.',
    ]);
    expect(versions(outcome)).toEqual([[1, 'created', ['previous']], [2, 'switched', [PLAIN_SOURCE]], [3, 'rotated', sorted([SOURCE, 'current'])]]);
  });
});

describe('a DESTROY delete: nothing is left, and no rotation fails', () => {
  const name = 'a DESTROY delete';

  test.each<[string, number, number]>([
    ['ListTagsForResource', 0, 1],
    ['AddTagsToResource (rotation: stopped)', 1, 1],
    ['DeleteParameter', 2, 0],
  ])('the rotator just before the deploy\'s %s', async (_call, at, rotated) => {
    const outcome = await rotatorBeforeDeployCall(name, at);

    expectSucceeded(outcome, rotated);
    expect([...store.parameters.keys()]).toEqual([]);
  });

  test.each<[string, number]>([
    ['DescribeParameters', 0],
    ['ListTagsForResource', 1],
    ['DescribeStackResource', 2],
    ['GetParameterHistory', 3],
    ['LabelParameterVersion (source, current)', 5],
    ['LabelParameterVersion (previous)', 6],
    ['GetParameterHistory (after its labels)', 7],
  ])('the deploy just before the rotator\'s %s', async (_call, at) => {
    const outcome = await deployBeforeRotatorCall(name, at);

    expectSucceeded(outcome, 0);
    expect([...store.parameters.keys()]).toEqual([]);
  });

  test('the deploy just before the rotator\'s PutParameter: the write creates the parameter again (version 1, untagged), and the rotator deletes that', async () => {
    const outcome = await deployBeforeRotatorCall(name, 4);

    expectSucceeded(outcome, 0);
    expect(outcome.rotator.calls.slice(4)).toEqual(['PutParameter', 'DeleteParameter']);
    expect(store.calls(DeleteParameterCommand)).toEqual([{ Name: NAME }, { Name: NAME }]);
    expect([...store.parameters.keys()]).toEqual([]);
  });
});

describe('an attribute change of a parameter rotating before expiration: due again right after the deploy, the rotation stays', () => {
  const name = 'a deploy that changes an attribute of a parameter rotating before expiration (its Expiration kept: still due)';
  const rotatedFirst: Versions = [[1, 'created', ['previous']], [2, 'rotated', []], [3, 'rotated', sorted([SOURCE, 'current'])]];
  const rotatedAfter: Versions = [[1, 'created', []], [2, 'created', ['previous']], [3, 'rotated', sorted([SOURCE, 'current'])]];

  test.each<[string, number, Versions]>([
    ['ListTagsForResource', 0, rotatedFirst],
    ['GetParameterHistory', 1, rotatedFirst],
    ['GetParameter', 2, rotatedFirst],
    ['PutParameter', 3, [[1, 'created', ['previous']], [2, 'rotated', []], [3, 'created', []], [4, 'rotated', sorted([SOURCE, 'current'])]]],
    // the rotation of the deploy's version (its attributes) comes after the deploy's write: the deploy keeps it, and
    // puts back the labels its own late label call moved
    ['LabelParameterVersion', 4, rotatedAfter],
    ['ListTagsForResource (tags)', 5, rotatedAfter],
    ['GetParameterHistory (read-back)', 6, rotatedAfter],
  ])('the rotator just before the deploy\'s %s', async (_call, at, expected) => {
    const outcome = await rotatorBeforeDeployCall(name, at);

    expectSucceeded(outcome, 1);
    expect(versions(outcome)).toEqual(expected);
    expectRenewedWithTheDescription();
  });

  test.each<[string, number, Versions]>([
    ['ListTagsForResource', 0, rotatedAfter],
    ['DescribeStackResource', 1, rotatedAfter],
    ['GetParameterHistory', 2, rotatedAfter],
    ['PutParameter', 3, [[1, 'created', []], [2, 'created', ['previous']], [3, 'rotated', []], [4, 'rotated again', sorted([SOURCE, 'current'])]]],
    ['LabelParameterVersion (source, current)', 4, rotatedFirst],
    ['LabelParameterVersion (previous)', 5, rotatedFirst],
    ['GetParameterHistory (after its labels)', 6, rotatedFirst],
  ])('the deploy just before the rotator\'s %s', async (_call, at, expected) => {
    const outcome = await deployBeforeRotatorCall(name, at);

    expectSucceeded(outcome, 1);
    expect(versions(outcome)).toEqual(expected);
    expectRenewedWithTheDescription();
  });

  /** The newest version carries the template's description, and the Expiration the rotation renewed (90 days after it). */
  function expectRenewedWithTheDescription(): void {
    expect(newest().description).toBe('db');
    expect(expirationOf(newest().policies)).toBe(SCENARIOS[name].rotatesAt() + 90 * DAY);
    expect(newest().policies.map((p) => JSON.parse(p))).toContainEqual(NOTIFICATION);
  }
});

describe('edges', () => {
  /** Another writer's version (an operator's, say), written with the parameter's key. */
  const writeAsAnother = (name = NAME, value = 'another-writer') => store.putParameter({ Name: name, Value: value, Type: 'SecureString', KeyId: KEY_ARN, Overwrite: true });

  test('the rotator\'s write refused by IAM while its stack\'s rotation tag is still there: a failure that names the action', async () => {
    await create(SCENARIOS['a deploy that changes the value (a new generation)']);
    // the mock numbers calls from its first: the created version's write was one, so this one is told apart by hand
    let refused = false;
    store.ssm.on(PutParameterCommand).callsFake((input) => {
      if (refused) return store.putParameter(input);
      refused = true;
      throw awsError('AccessDeniedException', `User: rotator is not authorized to perform: ssm:PutParameter on resource: ${NAME}`);
    });

    const summary = await rotate(SCENARIOS['a deploy that changes the value (a new generation)'], store.clients, clock);

    expect(summary.failures).toEqual([expect.stringMatching(new RegExp(`^${NAME}: ssm:PutParameter failed: access denied for ssm:PutParameter`))]);
  });

  test('a parameter created again by the rotator\'s write, which the rotator may not delete: an alarm that says how to delete it', async () => {
    const name = 'a DESTROY delete';
    store.ssm
      .on(DeleteParameterCommand)
      .callsFakeOnce((input) => store.parameters.delete(input.Name))
      .rejectsOnce(awsError('AccessDeniedException', 'User: rotator is not authorized to perform: ssm:DeleteParameter'));

    const outcome = await deployBeforeRotatorCall(name, 4);

    expect(outcome.summary!.failures).toEqual([
      `${NAME}: its stack deleted it while it was rotated, and the rotation's write created it again (version 1, without tags); deleting that failed ` +
        `(AccessDeniedException). Delete it: aws ssm delete-parameter --name ${NAME}`,
    ]);
  });

  test('another writer before each of the rotator\'s writes: it writes twice, then gives up loudly', async () => {
    const scenario = SCENARIOS['a deploy that changes the value (a new generation)'];
    await create(scenario);
    const clients = store.interceptedClients(async (command) => {
      if (command === 'PutParameter') writeAsAnother();
    });

    const summary = await rotate(scenario, clients, clock);

    expect(summary.failures).toEqual([
      `${NAME}: its version 4 was written while the rotation wrote version 5 over it, twice in a row: another writer keeps writing it. ` +
        'Stop it; the next rotation writes from the newest version.',
    ]);
  });

  test('another writer after each of the deploy\'s writes of a rotating parameter: the deploy writes four times, then fails', async () => {
    await create(SCENARIOS['a deploy that changes the value (a new generation)']);
    store.ssm.on(PutParameterCommand).callsFake((input) => {
      const written = store.putParameter(input);
      writeAsAnother();
      return written;
    });

    const response = await handleEvent(updateEvent(daily(2), daily()), store.clients, Date.now() + 60_000);

    expect(response).toMatchObject({
      Status: 'FAILED',
      Reason: `${NAME}: ${NAME} was written 4 times, and each time another writer wrote it right after. Another writer keeps changing this parameter; stop it and retry the deployment.`,
    });
  });

  test('an operator\'s value written between the deploy\'s read and its write of a placeholder: written again, never reverted', async () => {
    const placeholder = properties({ Source: { Type: 'placeholder', Text: 'set me' } });
    await handleEvent(createEvent(placeholder), store.clients, Date.now() + 60_000);
    const clients = store.interceptedClients(async (command) => {
      if (command === 'PutParameter' && store.parameters.get(NAME)!.version === 1) writeAsAnother(NAME, 'set-by-operator');
    });

    const response = await handleEvent(updateEvent({ ...placeholder, Description: 'db' }, placeholder), clients, Date.now() + 60_000);

    expect(response).toMatchObject({ Status: 'SUCCESS' });
    expect(store.versions(NAME).map((v) => [v.version, v.value, v.description])).toEqual([
      [1, 'set me', undefined],
      [2, 'set-by-operator', undefined],
      [3, 'set me', 'db'],
      [4, 'set-by-operator', 'db'],
    ]);
  });

  test('a batched member that rotates: a rotation right after its write settles at the chunk\'s read-back instead of failing it', async () => {
    const member = { N: 'svc/rotating', Rotation: { Trigger: 'every-86400' } };
    const name = fullName('svc/rotating');
    store.ssm
      .on(PutParameterCommand, { Name: name })
      .callsFakeOnce((input) => {
        const written = store.putParameter(input);
        writeAsAnother(name, 'rotated');
        return written;
      })
      .callsFake((input) => store.putParameter(input));

    const response = await handleEvent(batchCreate(batchProperties({ members: [member, 'svc/plain'] })), store.clients, Date.now() + 60_000);

    expect(response).toMatchObject({ Status: 'SUCCESS' });
    // the deploy's new value goes on top again, with its labels
    const kept = store.versions(name);
    expect(kept.map((v) => v.version)).toEqual([1, 2, 3]);
    expect(kept[2].value).toBe(kept[0].value);
    expect(kept[2].labels).toEqual(expect.arrayContaining(['current', expect.stringMatching(/^src-/)]));
  });
});
