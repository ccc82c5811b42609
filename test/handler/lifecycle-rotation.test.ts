import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { STACK_ID, createEvent, properties, updateEvent } from './events';
import { FakeParameterStore, useFakeParameterStore } from './fake-parameter-store';
import { runRotation } from '../../lib/handler/rotation-run';
import { handleEvent } from '../../lib/handler/secure-string.lambda';
import { sourceLabel } from '../../lib/handler/source-fingerprint';
import { ParameterProperties } from '../../lib/private/handler-protocol';
import { ROTATION_OPTIONS_TAG_KEY, ROTATION_TAG_KEY } from '../../lib/private/rotation-protocol';

/** The deploy-time handler's side of rotation: the tags the rotator finds, the labels, and deploys after a rotation. */
const NAME = '/app/prod/db/password';
const DAY = 86_400_000;

let store: FakeParameterStore;

const currentStore = useFakeParameterStore();
beforeEach(() => {
  store = currentStore();
});

async function run(event: Parameters<typeof handleEvent>[0]) {
  const response = await handleEvent(event, store.clients, Date.now() + 60_000);
  expect(response).toMatchObject({ Status: 'SUCCESS' });
  return response;
}

/** The rotator's scheduled run, two days after the last write. */
async function rotate(): Promise<void> {
  const now = Date.now() + 2 * DAY;
  store.stackRecords.set('DbPassword', NAME);
  const summary = await runRotation(
    { Trigger: 'every-86400' },
    { clients: store.clients, stackName: 'AppStack', stackId: STACK_ID, deadline: now + 600_000, now: () => now, secrets: new Set() },
  );
  expect(summary).toMatchObject({ rotated: 1, failures: [] });
}

const rotating = (generation = 1, keepPrevious = true): ParameterProperties =>
  properties({
    Source: { Type: 'generated', Options: `{"generation":${generation}}` },
    Rotation: { Trigger: 'every-86400', KeepPrevious: keepPrevious ? undefined : 'false' },
  });
const value = () => store.parameters.get(NAME)!.value;
const labelsByVersion = () => store.versions(NAME).map((v) => [v.version, v.labels]);
const tag = (key: string) => store.parameters.get(NAME)!.tags.find((t) => t.Key === key)?.Value;

describe('the handler prepares a rotating parameter for the rotator', () => {
  test('a Create tags it with the stack and trigger and what to generate, and labels the version current', async () => {
    await run(createEvent({ ...rotating(), Source: { Type: 'generated', Options: '{"length":20,"excludePunctuation":true}' } }));

    expect(tag(ROTATION_TAG_KEY)).toBe('AppStack/every-86400');
    expect(tag(ROTATION_OPTIONS_TAG_KEY)).toBe('previous=keep length=20 classes=lun each=1');
    expect(labelsByVersion()).toEqual([[1, [sourceLabel({ Type: 'generated', Options: '{"length":20,"excludePunctuation":true}' }), 'current']]]);
  });

  test('a relative expiration travels in the options tag, so that the rotator renews it', async () => {
    await run(createEvent({ ...rotating(), Tier: 'Advanced', ExpireAfterSeconds: '7776000' }));

    expect(tag(ROTATION_OPTIONS_TAG_KEY)).toBe('previous=keep expire=7776000 length=32 classes=lunp each=1');
  });

  test('keepPrevious off: no current label', async () => {
    await run(createEvent(rotating(1, false)));

    expect(labelsByVersion()).toEqual([[1, [sourceLabel(rotating().Source)]]]);
  });

  test('a new generation is a rotation too: the replaced version is labelled previous', async () => {
    await run(createEvent(rotating(1)));
    await run(updateEvent(rotating(2), rotating(1)));

    expect(labelsByVersion()).toEqual([[1, [sourceLabel(rotating(1).Source), 'previous']], [2, [sourceLabel(rotating(2).Source), 'current']]]);
  });

  test('dropping the rotation says stopped in the rotation tag, before anything else (a rotation under way is then refused), and removes the options tag', async () => {
    await run(createEvent(rotating()));
    const calls = store.ssm.calls().length;
    await run(updateEvent(properties({ Source: rotating().Source }), rotating()));

    expect(tag(ROTATION_TAG_KEY)).toBe('stopped');
    expect(tag(ROTATION_OPTIONS_TAG_KEY)).toBeUndefined();
    expect(store.ssm.calls().slice(calls, calls + 2).map((c) => c.args[0].constructor.name)).toEqual(['ListTagsForResourceCommand', 'AddTagsToResourceCommand']);
  });

  test('rotating again after a stop sets both tags again', async () => {
    await run(createEvent(rotating()));
    await run(updateEvent(properties({ Source: rotating().Source }), rotating()));
    await run(updateEvent(rotating(), properties({ Source: rotating().Source })));

    expect(tag(ROTATION_TAG_KEY)).toBe('AppStack/every-86400');
    expect(tag(ROTATION_OPTIONS_TAG_KEY)).toBe('previous=keep length=32 classes=lunp each=1');
  });

  test('rotation on a value that is not generated is a malformed request', async () => {
    const response = await handleEvent(createEvent(properties({ Source: { Type: 'placeholder', Text: 'x' }, Rotation: { Trigger: 'every-86400' } })), store.clients, Date.now() + 60_000);

    expect(response).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining('the request is malformed: a placeholder value cannot rotate') });
  });
});

describe('CloudFormation and the rotator agree', () => {
  test('a deploy with the same source keeps the rotated value: no write', async () => {
    await run(createEvent(rotating()));
    await rotate();
    const rotated = value();
    const writes = store.calls(PutParameterCommand).length;

    await run(updateEvent({ ...rotating(), Tags: [{ Key: 'team', Value: 'db' }] }, rotating()));

    expect(value()).toBe(rotated);
    expect(store.calls(PutParameterCommand)).toHaveLength(writes);
  });

  test('a rollback restores the rotated value, never the one written before the rotation', async () => {
    await run(createEvent(rotating(1)));
    const created = value();
    await rotate();
    const rotated = value();
    await run(updateEvent(rotating(2), rotating(1)));

    await run(updateEvent(rotating(1), rotating(2)));

    expect(value()).toBe(rotated);
    expect(value()).not.toBe(created);
    expect(store.versions(NAME).at(-1)!.labels).toEqual([sourceLabel(rotating(1).Source), 'current']);
  });
});
