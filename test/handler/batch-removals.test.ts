import { DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import { AddTagsToResourceCommand, DeleteParameterCommand, ListTagsForResourceCommand, RemoveTagsFromResourceCommand } from '@aws-sdk/client-ssm';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { BATCH, PATH, batchCreate, batchDelete, batchProperties, batchUpdate, chunkOwner, fullName } from './batch-events';
import { awsError } from './events';
import { FakeParameterStore } from './fake-parameter-store';
import { handleEvent } from '../../lib/handler/secure-string.lambda';
import { REAL_PACER_CLOCK } from '../../lib/handler/write-pacer';
import { BatchProperties, encodeNameSet } from '../../lib/private/batch-protocol';
import { OWNER_TAG_KEY, REMOVED_TAG_KEY } from '../../lib/private/handler-protocol';

/**
 * How members leave a chunk (batch-removals.ts), through the handler's entry point against the in-memory
 * Parameter Store: which calls a removal makes, which id the Update answers, and which members a chunk's
 * Delete deletes, by what CloudFormation records of the chunk. batch.test.ts has the whole-deploy scenarios.
 */
const TEAM = { Key: 'team', Value: 'payments' };
const LOGICAL_ID = `${BATCH}0`;
const BASE = `${PATH}#chunk-0`;

let store: FakeParameterStore;
let output: string[];

beforeEach(() => {
  store = new FakeParameterStore();
  output = [];
  for (const method of ['log', 'error', 'warn', 'info', 'debug'] as const) {
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => void output.push(args.map(String).join(' ')));
  }
  // the chunk's pacer on a clock that stands still: no real waits
  jest.spyOn(REAL_PACER_CLOCK, 'now').mockReturnValue(0);
  jest.spyOn(REAL_PACER_CLOCK, 'sleep').mockResolvedValue(undefined);
});

afterEach(() => {
  store.restore();
  jest.restoreAllMocks();
});

const run = (event: CloudFormationCustomResourceEvent) => handleEvent(event, store.clients, Date.now() + 60_000);
const stored = (relative: string) => store.parameters.get(fullName(relative));
const ownerTag = { Key: OWNER_TAG_KEY, Value: chunkOwner(0) };
/** The SSM commands called since the last reset, by name, in order. */
const ssmCalls = () => store.ssm.calls().map((c) => c.args[0].constructor.name.replace(/Command$/, ''));
const deleted = () => store.calls(DeleteParameterCommand).map((input) => input.Name as string).sort();

async function expectSuccess(event: CloudFormationCustomResourceEvent, physicalId: string | RegExp): Promise<void> {
  const response = await run(event);
  expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: typeof physicalId === 'string' ? physicalId : expect.stringMatching(physicalId) });
}

describe('a member that leaves the chunk\'s list', () => {
  test('RETAIN, not rotating: one tag read, nothing written, the chunk keeps its id', async () => {
    const v1 = batchProperties({ members: ['svc/kept', 'svc/stays'], defaults: { Tags: [TEAM] } });
    await expectSuccess(batchCreate(v1), BASE);
    store.ssm.resetHistory();

    await expectSuccess(batchUpdate(batchProperties({ members: ['svc/stays'], defaults: { Tags: [TEAM] } }), v1), BASE);

    expect(ssmCalls()).toEqual(['ListTagsForResource']);
    expect(stored('svc/kept')!.tags).toEqual([ownerTag, TEAM]);
  });

  test('DESTROY, not rotating: one tag read and the removal mark, which names the id the Update answers', async () => {
    const v1 = batchProperties({ members: ['svc/gone', 'svc/stays'], defaults: { Removal: 'Destroy' } });
    await expectSuccess(batchCreate(v1), BASE);
    store.ssm.resetHistory();

    const response = await run(batchUpdate(batchProperties({ members: ['svc/stays'], defaults: { Removal: 'Destroy' } }), v1));

    expect(response.PhysicalResourceId).toMatch(/^\/app\/prod#chunk-0@[0-9a-f]{12}$/);
    expect(ssmCalls()).toEqual(['ListTagsForResource', 'AddTagsToResource']);
    expect(store.calls(AddTagsToResourceCommand)).toEqual([
      { ResourceType: 'Parameter', ResourceId: fullName('svc/gone'), Tags: [{ Key: REMOVED_TAG_KEY, Value: response.PhysicalResourceId }] },
    ]);
  });

  test('rotating: its rotation tag says stopped (a rotation under way can no longer write), its options go; its own tags and the owner tag stay', async () => {
    const rotating = { Rotation: { Trigger: 'every-86400' }, Tags: [TEAM] };
    const v1 = batchProperties({ members: ['svc/rotating', 'svc/stays'], defaults: rotating });
    await expectSuccess(batchCreate(v1), BASE);
    store.ssm.resetHistory();

    await expectSuccess(batchUpdate(batchProperties({ members: ['svc/stays'], defaults: rotating }), v1), BASE);

    expect(store.calls(AddTagsToResourceCommand)).toEqual([
      { ResourceType: 'Parameter', ResourceId: fullName('svc/rotating'), Tags: [{ Key: 'cdk-secure-parameters:rotation', Value: 'stopped' }] },
    ]);
    expect(store.calls(RemoveTagsFromResourceCommand)).toEqual([
      { ResourceType: 'Parameter', ResourceId: fullName('svc/rotating'), TagKeys: ['cdk-secure-parameters:rotation-options'] },
    ]);
    expect(stored('svc/rotating')!.tags).toEqual([ownerTag, TEAM, { Key: 'cdk-secure-parameters:rotation', Value: 'stopped' }]);
  });

  test('still in the batch with this chunk as its home (the name set holds its hash): left as it is, no handover written', async () => {
    // the batch's name set is a set of 32-bit hashes: a removed name may share one with a member
    const v1 = batchProperties({ members: ['svc/left', 'svc/stays'] });
    await expectSuccess(batchCreate(v1), BASE);
    store.ssm.resetHistory();

    await expectSuccess(batchUpdate(batchProperties({ members: ['svc/stays'], all: ['svc/left', 'svc/stays'] }), v1), BASE);

    expect(ssmCalls()).toEqual(['ListTagsForResource']);
    expect(stored('svc/left')!.tags).toEqual([ownerTag]);
  });

  test('the tag write refused: the Update fails, naming the action and the member', async () => {
    const v1 = batchProperties({ members: ['svc/gone', 'svc/stays'], defaults: { Removal: 'Destroy' } });
    await expectSuccess(batchCreate(v1), BASE);
    store.ssm.on(AddTagsToResourceCommand).rejects(awsError('AccessDeniedException', 'Access denied'));

    const response = await run(batchUpdate(batchProperties({ members: ['svc/stays'], defaults: { Removal: 'Destroy' } }), v1));

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toBe(
      `${BASE}: 1 member(s) of chunk 1 of 1 failed. ${fullName('svc/gone')}: ssm:AddTagsToResource failed: access denied for ssm:AddTagsToResource on ` +
        `parameter ${fullName('svc/gone')}. Allow ssm:AddTagsToResource on parameter ${fullName('svc/gone')} in the handler role's IAM policy.`,
    );
  });
});

describe('the id an Update answers', () => {
  test('a renamed path: the id of the new path, not the one CloudFormation knows (CloudFormation then deletes the old one)', async () => {
    const v1 = batchProperties({ members: ['svc/a'] });
    await expectSuccess(batchCreate(v1), BASE);
    const renamed: BatchProperties = { ...batchProperties({ members: ['svc/a'] }), Path: '/app/renamed', All: encodeNameSet(['/app/renamed/svc/a']) };

    await expectSuccess(batchUpdate(renamed, v1), '/app/renamed#chunk-0');

    expect(store.parameters.has('/app/renamed/svc/a')).toBe(true);
    expect(stored('svc/a')!.tags).toEqual([ownerTag]);
  });

  test('a generation CloudFormation knows is kept while nothing new is marked', async () => {
    const v1 = batchProperties({ members: ['svc/a', 'svc/b'] });
    await expectSuccess(batchCreate(v1), BASE);
    const known = `${BASE}@0123456789ab`;

    await expectSuccess({ ...batchUpdate(batchProperties({ members: ['svc/a'] }), v1), PhysicalResourceId: known } as CloudFormationCustomResourceEvent, known);
  });
});

describe('a chunk\'s Delete', () => {
  const v1 = batchProperties({ members: ['svc/stays', 'svc/gone'], defaults: { Removal: 'Destroy' } });
  const v2 = batchProperties({ members: ['svc/stays'], defaults: { Removal: 'Destroy' } });
  const deleteOf = (props: BatchProperties, physicalId: string): CloudFormationCustomResourceEvent =>
    ({ ...batchDelete(props), PhysicalResourceId: physicalId }) as CloudFormationCustomResourceEvent;

  /** Creates v1, then removes svc/gone (marked with the answer, the chunk's next generation). */
  async function removeGone(): Promise<string> {
    await expectSuccess(batchCreate(v1), BASE);
    const next = (await run(batchUpdate(v2, v1))).PhysicalResourceId;
    expect(stored('svc/gone')!.tags).toContainEqual({ Key: REMOVED_TAG_KEY, Value: next });
    store.ssm.resetHistory();
    return next;
  }

  test('of RETAIN members only: no call at all, not even CloudFormation\'s record', async () => {
    const retained = batchProperties({ members: ['svc/a', 'svc/b'] });
    await expectSuccess(batchCreate(retained), BASE);
    store.ssm.resetHistory();

    await expectSuccess(batchDelete(retained), BASE);

    expect(store.ssm.calls()).toEqual([]);
    expect(store.cloudformation.calls()).toEqual([]);
    expect(output).toContain(`Delete ${BASE}: 0 members changed, 0 failed`);
  });

  test('the stack no longer has the chunk: every DESTROY member it lists is deleted, marked or not', async () => {
    await removeGone();
    // CloudFormation answers ValidationError "… does not exist" for a resource the stack no longer has
    store.stackRecords.delete(LOGICAL_ID);

    await expectSuccess(deleteOf(v1, BASE), BASE);

    expect(deleted()).toEqual([fullName('svc/gone'), fullName('svc/stays')]);
  });

  test('CloudFormation\'s answer without the resource\'s detail counts as no record: every DESTROY member is deleted', async () => {
    await removeGone();
    store.cloudformation.on(DescribeStackResourceCommand).resolves({});

    await expectSuccess(deleteOf(v1, BASE), BASE);

    expect(deleted()).toEqual([fullName('svc/gone'), fullName('svc/stays')]);
  });

  test('of a previous generation: a member deleted outside CloudFormation meanwhile is skipped, the marked one deleted', async () => {
    const next = await removeGone();
    store.stackRecords.set(LOGICAL_ID, next);
    store.parameters.delete(fullName('svc/stays'));

    await expectSuccess(deleteOf(v1, BASE), BASE);

    expect(deleted()).toEqual([fullName('svc/gone')]);
    expect(ssmCalls().filter((c) => c === 'ListTagsForResource').length).toBeGreaterThanOrEqual(2);
  });

  test('CloudFormation\'s record refused without naming the action: the reason still names it, nothing is deleted', async () => {
    await expectSuccess(batchCreate(v1), BASE);
    store.cloudformation.on(DescribeStackResourceCommand).rejects(awsError('AccessDeniedException', 'Access denied'));
    store.ssm.resetHistory();

    const response = await run(batchDelete(v1));

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toMatch(/^\/app\/prod#chunk-0: cloudformation:DescribeStackResource failed: access denied for cloudformation:DescribeStackResource /);
    expect(deleted()).toEqual([]);
  });

  test.each([
    ['a ValidationError about something else', awsError('ValidationError', '1 validation error detected: Value at \'stackName\' failed to satisfy constraint')],
    ['another error that says "does not exist"', awsError('InternalFailure', 'Stack state does not exist yet, retry later')],
  ])('only "the resource does not exist" means gone: %s fails the Delete, nothing deleted', async (_case, error) => {
    await expectSuccess(batchCreate(v1), BASE);
    store.cloudformation.on(DescribeStackResourceCommand).rejects(error);
    store.ssm.resetHistory();

    const response = await run(batchDelete(v1));

    expect(response.Status).toBe('FAILED');
    expect(deleted()).toEqual([]);
    expect(store.calls(ListTagsForResourceCommand)).toEqual([]);
  });
});
