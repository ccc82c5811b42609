import { PutParameterCommand } from '@aws-sdk/client-ssm';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { STACK_ID, awsError } from './events';
import { FakeParameterStore } from './fake-parameter-store';
import { handleEvent } from '../../lib/handler/secure-string.lambda';
import { PlainPolicyProperties } from '../../lib/private/handler-protocol';

const NAME = '/app/prod/api/url';
const NOTIFY = '{"Type":"ExpirationNotification","Version":"1.0","Attributes":{"Before":"1","Unit":"Hours"}}';
const expiration = (timestamp: string) => `{"Type":"Expiration","Version":"1.0","Attributes":{"Timestamp":"${timestamp}"}}`;

function event(type: 'Create' | 'Update' | 'Delete', props: PlainPolicyProperties, old?: PlainPolicyProperties): CloudFormationCustomResourceEvent {
  return {
    RequestType: type,
    ServiceToken: 'arn:aws:lambda:eu-west-1:111111111111:function:handler',
    ResponseURL: 'https://example.com/response',
    StackId: STACK_ID,
    RequestId: 'r',
    LogicalResourceId: 'UrlPolicies',
    ResourceType: 'Custom::PlainParameterPolicies',
    ResourceProperties: { ServiceToken: 'x', ...props },
    ...(type === 'Create' ? {} : { PhysicalResourceId: `${NAME}#policies` }),
    ...(old ? { OldResourceProperties: { ServiceToken: 'x', ...old } } : {}),
  } as CloudFormationCustomResourceEvent;
}

const props: PlainPolicyProperties = { Name: NAME, ParameterType: 'String', Value: 'https://v1', ExpireAfterSeconds: '86400', Policies: `[${NOTIFY}]` };

let store: FakeParameterStore;

beforeEach(() => {
  store = new FakeParameterStore();
  // CloudFormation's own AWS::SSM::Parameter wrote the value first
  store.seed(NAME, { value: 'https://v1', keyId: undefined as any, tier: 'Advanced' });
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
  jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00.000Z'), doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
});

afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
  store.restore();
});

const run = (e: CloudFormationCustomResourceEvent) => handleEvent(e, store.clients, Date.now() + 60_000);

test('Create: re-writes the value as it is, with the expiration fixed from now', async () => {
  const response = await run(event('Create', props));

  expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: `${NAME}#policies`, Data: { Version: '2' } });
  expect(store.calls(PutParameterCommand)).toEqual([
    { Name: NAME, Value: 'https://v1', Type: 'String', Tier: 'Advanced', Overwrite: true, Policies: `[${expiration('2030-01-02T00:00:00.000Z')},${NOTIFY}]` },
  ]);
});

test('Update without a new value keeps the timestamp; a new value renews it', async () => {
  await run(event('Create', props));
  jest.setSystemTime(new Date('2030-01-01T06:00:00.000Z'));

  await run(event('Update', { ...props, Policies: undefined }, props));
  expect(store.calls(PutParameterCommand).at(-1).Policies).toBe(`[${expiration('2030-01-02T00:00:00.000Z')}]`);

  store.parameters.get(NAME)!.value = 'https://v2';
  await run(event('Update', { ...props, Value: 'https://v2', Policies: undefined }, { ...props, Policies: undefined }));
  expect(store.calls(PutParameterCommand).at(-1)).toMatchObject({ Value: 'https://v2', Policies: `[${expiration('2030-01-02T06:00:00.000Z')}]` });
});

test('nothing changed: nothing written', async () => {
  await run(event('Create', props));

  await run(event('Update', props, props));

  expect(store.calls(PutParameterCommand)).toHaveLength(1);
});

test('Delete clears the policies; a parameter that is gone is success', async () => {
  await run(event('Create', props));

  expect((await run(event('Delete', props))).Status).toBe('SUCCESS');
  expect(store.calls(PutParameterCommand).at(-1).Policies).toBe('[{}]');
  expect(store.parameters.get(NAME)!.policies).toEqual([]);

  store.parameters.delete(NAME);
  expect((await run(event('Delete', props))).Status).toBe('SUCCESS');
});

test('a Parameter Store refusal is explained', async () => {
  store.ssm.on(PutParameterCommand).rejects(awsError('IncompatiblePolicyException', 'two expirations'));

  const response = await run(event('Create', props));

  expect(response.Status).toBe('FAILED');
  expect(response.Reason).toContain(`${NAME}: ssm:PutParameter failed: Parameter Store rejected the parameter policies (IncompatiblePolicyException)`);
});

test('a failed Update answers the physical id CloudFormation knows, and names the parameter', async () => {
  store.ssm.on(PutParameterCommand).rejects(awsError('InternalServerError'));

  const response = await run(event('Update', { ...props, Value: 'https://v2' }, props));

  expect(response).toMatchObject({ Status: 'FAILED', PhysicalResourceId: `${NAME}#policies` });
  expect(response.Reason).toContain(`${NAME}: ssm:PutParameter failed: Parameter Store failed internally.`);
});
