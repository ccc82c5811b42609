import { DeleteParameterCommand, ListTagsForResourceCommand, PutParameterCommand, RemoveTagsFromResourceCommand } from '@aws-sdk/client-ssm';
import { KEY_ARN, OWNER, awsError, createEvent, deleteEvent, properties, updateEvent } from './events';
import { FakeParameterStore } from './fake-parameter-store';
import { handleEvent } from '../../lib/handler/secure-string.lambda';
import { ADOPTED_TAG_KEY, OWNER_TAG_KEY, ownerTagValue } from '../../lib/private/handler-protocol';

const NAME = '/app/prod/db/password';
const OWNER_TAG = { Key: OWNER_TAG_KEY, Value: OWNER };
const ADOPTED_TAG = { Key: ADOPTED_TAG_KEY, Value: 'true' };

let store: FakeParameterStore;
let logs: string[];

beforeEach(() => {
  store = new FakeParameterStore();
  logs = [];
  jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logs.push(args.join(' ')));
  jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logs.push(args.join(' ')));
});

afterEach(() => {
  store.restore();
  jest.restoreAllMocks();
});

function run(event: Parameters<typeof handleEvent>[0]) {
  return handleEvent(event, store.clients, Date.now() + 60_000);
}

describe('the owner tag', () => {
  test('is <stack name>/<logical id> from the StackId and the event', async () => {
    await run(createEvent());

    expect(store.calls(PutParameterCommand)[0].Tags).toEqual([{ Key: OWNER_TAG_KEY, Value: ownerTagValue('AppStack', 'DbPassword') }]);
    expect(OWNER).toBe('AppStack/DbPassword');
  });

  test('is read from our tag key only, wherever it is in the list', async () => {
    store.seed(NAME, { keyId: KEY_ARN, tags: [{ Key: 'team', Value: OWNER }, OWNER_TAG] });

    const response = await run(updateEvent(properties({ Description: 'x' }), properties()));

    expect(response.Status).toBe('SUCCESS');
  });

  test('another tag holding our owner value does not make a parameter ours', async () => {
    store.seed(NAME, { keyId: KEY_ARN, tags: [{ Key: 'team', Value: OWNER }] });

    const response = await run(updateEvent(properties({ Description: 'x' }), properties()));

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain(`it has no ${OWNER_TAG_KEY} tag`);
  });
});

describe('another resource of the same stack (its logical id changed, the name stayed)', () => {
  test('the new resource takes the parameter over, keeps its value and re-tags it; the old one\'s cleanup Delete leaves it', async () => {
    store.seed(NAME, { keyId: KEY_ARN, value: 'kept', tags: [{ Key: OWNER_TAG_KEY, Value: 'AppStack/OldLogicalId' }] });

    const created = await run(createEvent());
    const cleanup = await run({ ...deleteEvent(), LogicalResourceId: 'OldLogicalId' });

    expect(created.Status).toBe('SUCCESS');
    expect(cleanup.Status).toBe('SUCCESS');
    expect(store.parameters.get(NAME)).toMatchObject({ value: 'kept', tags: [OWNER_TAG] });
    expect(store.calls(DeleteParameterCommand)).toEqual([]);
  });

  test.each(['AppStack-2/DbPassword', 'AppStacX/DbPassword', 'OtherStack/DbPassword', 'AppStackDbPassword'])('an owner tag %s is not this stack: refused', async (owner) => {
    store.seed(NAME, { keyId: KEY_ARN, value: 'theirs', tags: [{ Key: OWNER_TAG_KEY, Value: owner }] });

    const response = await run(createEvent());

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain(`it is owned by ${owner}`);
    expect(store.parameters.get(NAME)).toMatchObject({ value: 'theirs', version: 1 });
  });
});

describe('a Create that IAM refuses', () => {
  test('on a name another stack owns, says whose it is (IAM answers AccessDenied before Parameter Store could say it exists)', async () => {
    store.seed(NAME, { keyId: KEY_ARN, tags: [{ Key: OWNER_TAG_KEY, Value: 'OtherStack/X' }] });
    store.ssm.on(PutParameterCommand).rejects(awsError('AccessDeniedException', 'User: h is not authorized to perform: ssm:PutParameter'));

    const response = await run(createEvent());

    expect(response.Reason).toContain(`${NAME} already exists and is not managed by this resource (${OWNER}): it is owned by OtherStack/X.`);
  });

  test('on a name nobody has, stays an IAM problem to fix', async () => {
    store.ssm.on(PutParameterCommand).rejects(awsError('AccessDeniedException', 'User: h is not authorized to perform: ssm:PutParameter'));

    const response = await run(createEvent());

    expect(response.Reason).toContain(`${NAME}: ssm:PutParameter failed: access denied for ssm:PutParameter on parameter ${NAME}`);
  });
});

describe('ListTagsForResource', () => {
  test.each(['InvalidResourceId', 'ParameterNotFound'])('%s means the parameter is gone: a Delete succeeds without deleting', async (name) => {
    store.ssm.on(ListTagsForResourceCommand).rejects(awsError(name));

    const response = await run(deleteEvent());

    expect(response.Status).toBe('SUCCESS');
    expect(store.calls(DeleteParameterCommand)).toEqual([]);
  });

  test.each([
    ['Delete', () => deleteEvent()],
    ['Update', () => updateEvent(properties({ Description: 'x' }), properties())],
  ])('AccessDenied is an IAM problem, not a gone parameter: the %s fails', async (_name, event) => {
    await run(createEvent());
    store.ssm.on(ListTagsForResourceCommand).rejects(awsError('AccessDeniedException', 'User: x is not authorized to perform: ssm:ListTagsForResource'));

    const response = await run(event());

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain(`${NAME}: ssm:ListTagsForResource failed: access denied for ssm:ListTagsForResource on parameter ${NAME}`);
    expect(store.parameters.get(NAME)!.version).toBe(1);
    expect(store.calls(DeleteParameterCommand)).toEqual([]);
  });
});

describe('Delete', () => {
  test('a DeleteParameter error other than ParameterNotFound fails the Delete', async () => {
    await run(createEvent());
    store.ssm.on(DeleteParameterCommand).rejects(awsError('InternalServerError'));

    const response = await run(deleteEvent());

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain(`${NAME}: ssm:DeleteParameter failed: Parameter Store failed internally.`);
  });

  test.each([
    ['another owner', [{ Key: OWNER_TAG_KEY, Value: 'OtherStack/Thing' }], 'it is owned by OtherStack/Thing'],
    ['no owner tag', [], `it has no ${OWNER_TAG_KEY} tag`],
  ])('a parameter with %s is left in place, and the log says why', async (_name, tags, why) => {
    store.seed(NAME, { value: 'theirs-secret', tags });

    const response = await run(deleteEvent());

    expect(response.Status).toBe('SUCCESS');
    expect(store.parameters.has(NAME)).toBe(true);
    expect(logs).toContain(`Delete ${NAME}: left in place, ${why}, not by ${OWNER}`);
    expect(logs.join('\n')).not.toContain('theirs-secret');
  });
});

describe('adoptExisting', () => {
  const adopt = properties({ Adopt: 'true' });

  test('adopts an untagged parameter on Create and records the adoption', async () => {
    store.seed(NAME, { value: 'made-by-hand', keyId: KEY_ARN });

    const response = await run(createEvent(adopt));

    expect(response.Status).toBe('SUCCESS');
    expect(store.parameters.get(NAME)!.tags).toEqual(expect.arrayContaining([OWNER_TAG, ADOPTED_TAG]));
    expect(store.parameters.get(NAME)!.value).toBe('made-by-hand');
  });

  test("never takes another stack's parameter, and says whose it is", async () => {
    store.seed(NAME, { value: 'theirs', tags: [{ Key: OWNER_TAG_KEY, Value: 'OtherStack/Thing' }] });

    const response = await run(createEvent(adopt));

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain('it is owned by OtherStack/Thing. adoptExisting never takes a parameter from another stack or resource.');
    expect(store.calls(PutParameterCommand).filter((p) => p.Overwrite)).toEqual([]);
    expect(store.parameters.get(NAME)!.tags).toEqual([{ Key: OWNER_TAG_KEY, Value: 'OtherStack/Thing' }]);
  });

  test('an Update never adopts, even with adoptExisting', async () => {
    store.seed(NAME, { value: 'made-by-hand', keyId: KEY_ARN });

    const response = await run(updateEvent({ ...adopt, Description: 'x' }, adopt));

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain('adoption happens only when the resource is created');
    expect(store.parameters.get(NAME)!.tags).toEqual([]);
  });

  test('a rename onto an existing parameter never adopts it', async () => {
    await run(createEvent(adopt));
    store.seed('/app/prod/other', { value: 'made-by-hand' });

    const response = await run(updateEvent({ ...adopt, Name: '/app/prod/other' }, adopt));

    expect(response.Status).toBe('FAILED');
    expect(store.parameters.get('/app/prod/other')).toMatchObject({ value: 'made-by-hand', tags: [] });
  });

  test("the rollback's Delete releases an adopted parameter instead of deleting it", async () => {
    store.seed(NAME, { value: 'made-by-hand', keyId: KEY_ARN, tags: [{ Key: 'team', Value: 'payments' }] });
    await run(createEvent(adopt));

    const response = await run(deleteEvent(adopt));

    expect(response.Status).toBe('SUCCESS');
    expect(store.calls(DeleteParameterCommand)).toEqual([]);
    expect(store.calls(RemoveTagsFromResourceCommand)).toEqual([{ ResourceType: 'Parameter', ResourceId: NAME, TagKeys: [OWNER_TAG_KEY, ADOPTED_TAG_KEY] }]);
    expect(store.parameters.get(NAME)).toMatchObject({ value: 'made-by-hand', tags: [{ Key: 'team', Value: 'payments' }] });
    expect(logs).toContain(`Delete ${NAME}: released, not deleted: it existed before this stack adopted it`);
  });

  test('an adopted parameter stays adopted through a redelivered Create and an Update', async () => {
    store.seed(NAME, { value: 'made-by-hand', keyId: KEY_ARN });
    await run(createEvent(adopt));
    await run(createEvent(adopt));
    await run(updateEvent({ ...adopt, Description: 'x' }, adopt));

    expect(store.parameters.get(NAME)!.tags).toEqual(expect.arrayContaining([OWNER_TAG, ADOPTED_TAG]));
  });

  test('a parameter created by the stack is deleted, not released', async () => {
    await run(createEvent(adopt));

    await run(deleteEvent(adopt));

    expect(store.parameters.has(NAME)).toBe(false);
  });
});

describe('one canonical name: a and /a are one parameter', () => {
  const plain = properties({ Name: 'a' });
  const slashed = properties({ Name: '/a' });

  test('a → /a is no rename: nothing is created, and the old physical id is answered unchanged', async () => {
    await run(createEvent(plain));

    const response = await run(updateEvent(slashed, plain));

    expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'a', Data: { Version: '1', Arn: 'arn:aws:ssm:eu-west-1:111111111111:parameter/a' } });
    expect(store.calls(PutParameterCommand)).toHaveLength(1);
    expect(store.parameters.get('a')!.version).toBe(1);
  });

  test('/a → a with a new description writes the one parameter under the name CloudFormation knows', async () => {
    await run(createEvent(slashed));

    const response = await run(updateEvent({ ...plain, Description: 'x' }, slashed));

    expect(response.PhysicalResourceId).toBe('/a');
    expect(store.calls(PutParameterCommand).at(-1)).toMatchObject({ Name: '/a', Description: 'x', Overwrite: true });
  });

  test('a Delete of /a when the parameter was created as a deletes it', async () => {
    await run(createEvent(plain));

    await run(deleteEvent(slashed));

    expect(store.parameters.has('a')).toBe(false);
  });
});

describe('a refusal says whose the parameter is and what to do', () => {
  const INTRO = `${NAME}: ${NAME} already exists and is not managed by this resource (${OWNER})`;
  const THEIRS = [{ Key: OWNER_TAG_KEY, Value: 'OtherStack/Thing' }];

  test.each<[string, () => Parameters<typeof handleEvent>[0], typeof THEIRS, string]>([
    ['an Update of another owner\'s parameter', () => updateEvent(properties({ Description: 'x' }), properties()), THEIRS,
      'it is owned by OtherStack/Thing. Choose another name, or remove the parameter from its owner first.'],
    ['a Create with adoptExisting on another owner\'s parameter', () => createEvent(properties({ Adopt: 'true' })), THEIRS,
      'it is owned by OtherStack/Thing. adoptExisting never takes a parameter from another stack or resource. Choose another name, or remove the parameter from its owner first.'],
    ['a Create on an untagged parameter', () => createEvent(), [],
      `it has no ${OWNER_TAG_KEY} tag. Choose another name, delete the existing parameter, or set adoptExisting: true to take it over (adoption happens only when the resource is created).`],
  ])('%s', async (_name, event, tags, reason) => {
    store.seed(NAME, { value: 'theirs', keyId: KEY_ARN, tags });

    const response = await run(event());

    expect(response.Reason).toBe(`${INTRO}: ${reason}`);
  });
});

describe('tag calls', () => {
  test('the tags are listed by the parameter name, as a Parameter resource', async () => {
    await run(deleteEvent());

    expect(store.calls(ListTagsForResourceCommand)).toEqual([{ ResourceType: 'Parameter', ResourceId: NAME }]);
  });

  test('a redelivered Create of a parameter the stack made records no adoption', async () => {
    await run(createEvent());
    await run(createEvent());

    expect(store.parameters.get(NAME)!.tags).toEqual([OWNER_TAG]);
  });

  test('a failed release names the call', async () => {
    store.seed(NAME, { value: 'made-by-hand', keyId: KEY_ARN });
    await run(createEvent(properties({ Adopt: 'true' })));
    store.ssm.on(RemoveTagsFromResourceCommand).rejects(awsError('InternalServerError'));

    const response = await run(deleteEvent());

    expect(response.Reason).toBe(`${NAME}: ssm:RemoveTagsFromResource failed: Parameter Store failed internally. Retry the deployment.`);
  });
});
