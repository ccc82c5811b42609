import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CreateKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  DescribeParametersCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { createEvent, deleteEvent, properties, updateEvent } from './events';
import { Clients } from '../../lib/handler/clients';
import { handleEvent } from '../../lib/handler/secure-string.lambda';
import { sourceLabel } from '../../lib/handler/source-fingerprint';
import { ADOPTED_TAG_KEY, OWNER_TAG_KEY, ParameterProperties } from '../../lib/private/handler-protocol';
import { MotoServer } from '../helpers/moto-server';

/**
 * The handler against moto_server with the real AWS SDK: what is written is read back decrypted.
 * Each test uses its own parameter names, so the tests share one server.
 */
let moto: MotoServer;
let clients: Clients;
let keyArn: string;

beforeAll(async () => {
  moto = await MotoServer.start();
  clients = {
    ssm: new SSMClient(moto.clientConfig()),
    kms: new KMSClient(moto.clientConfig()),
    secrets: new SecretsManagerClient(moto.clientConfig()),
    cloudformation: new CloudFormationClient(moto.clientConfig()),
    ssmIn: (region) => new SSMClient(moto.clientConfig(region)),
  };
  keyArn = (await clients.kms.send(new CreateKeyCommand({ Description: 'parameters' }))).KeyMetadata!.Arn!;
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  jest.spyOn(console, 'error').mockImplementation(() => undefined);
}, 30_000);

afterAll(async () => {
  jest.restoreAllMocks();
  await moto?.stop();
});

async function run(event: Parameters<typeof handleEvent>[0]) {
  const response = await handleEvent(event, clients, Date.now() + 60_000);
  expect(response).toMatchObject({ Status: 'SUCCESS' });
  return response;
}

async function decrypted(name: string): Promise<string> {
  return (await clients.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter!.Value!;
}

async function expectGone(name: string): Promise<void> {
  await expect(clients.ssm.send(new GetParameterCommand({ Name: name }))).rejects.toMatchObject({ name: 'ParameterNotFound' });
}

async function newest(name: string) {
  return (await clients.ssm.send(new GetParameterHistoryCommand({ Name: name }))).Parameters!.at(-1)!;
}

function props(name: string, overrides: Partial<ParameterProperties> = {}): ParameterProperties {
  return properties({ Name: name, KeyId: keyArn, ...overrides });
}

async function encryptFor(name: string, plaintext: string): Promise<string> {
  const result = await clients.kms.send(
    new EncryptCommand({
      KeyId: keyArn,
      Plaintext: Buffer.from(plaintext),
      EncryptionContext: { PARAMETER_ARN: `arn:aws:ssm:eu-west-1:111111111111:parameter${name}` },
    }),
  );
  return Buffer.from(result.CiphertextBlob!).toString('base64');
}

describe.each(['Standard', 'Advanced'])('%s tier', (tier) => {
  const base = (name: string, overrides: Partial<ParameterProperties> = {}) => props(`/emulator/${tier}${name}`, { Tier: tier, ...overrides });

  test('generated: created once, kept on update, regenerated on request, deleted', async () => {
    const created = base('/generated');
    await run(createEvent(created));
    const first = await decrypted(created.Name);
    expect(first).toHaveLength(32);
    expect(await newest(created.Name)).toMatchObject({ Type: 'SecureString', KeyId: keyArn, Tier: tier });

    await run(updateEvent({ ...created, Description: 'described' }, created));
    expect(await decrypted(created.Name)).toBe(first);
    expect((await newest(created.Name)).Description).toBe('described');

    const rotated = { ...created, Source: { Type: 'generated', Options: '{"generation":2,"length":40}' } };
    await run(updateEvent(rotated, created));
    const second = await decrypted(created.Name);
    expect(second).toHaveLength(40);
    expect(second).not.toBe(first);

    await run(deleteEvent(rotated));
    await expectGone(created.Name);
  });

  test('ciphertext: decrypted under the key with the parameter ARN as context, re-encrypted by Parameter Store', async () => {
    const name = `/emulator/${tier}/ciphertext`;
    const created = base('/ciphertext', { Source: { Type: 'ciphertext', Ciphertext: await encryptFor(name, 'api-key-v1') } });
    await run(createEvent(created));
    expect(await decrypted(name)).toBe('api-key-v1');

    const updated = { ...created, Source: { Type: 'ciphertext', Ciphertext: await encryptFor(name, 'api-key-v2') } };
    await run(updateEvent(updated, created));
    expect(await decrypted(name)).toBe('api-key-v2');

    await run(deleteEvent(updated));
    await expectGone(name);
  });

  test('ciphertext made for another parameter cannot be replayed here', async () => {
    const created = base('/replayed', { Source: { Type: 'ciphertext', Ciphertext: await encryptFor('/somewhere/else', 'stolen') } });

    const response = await handleEvent(createEvent(created), clients, Date.now() + 60_000);

    expect(response.Status).toBe('FAILED');
    expect(response.Reason).toContain('kms:Decrypt failed: the committed ciphertext cannot be decrypted');
  });

  test('secret: copied from Secrets Manager, whole or one JSON field', async () => {
    const secret = await clients.secrets.send(
      new CreateSecretCommand({ Name: `emulator-${tier}-db`, SecretString: JSON.stringify({ username: 'app', password: 'from-secrets-manager' }) }),
    );
    const field = base('/secret-field', { Source: { Type: 'secret', SecretArn: secret.ARN!, JsonField: 'password' } });
    const whole = base('/secret-whole', { Source: { Type: 'secret', SecretArn: secret.ARN! } });

    await run(createEvent(field));
    await run(createEvent(whole));

    expect(await decrypted(field.Name)).toBe('from-secrets-manager');
    expect(JSON.parse(await decrypted(whole.Name))).toEqual({ username: 'app', password: 'from-secrets-manager' });

    const unchanged = { ...field, Description: 'copied' };
    await run(updateEvent(unchanged, field));
    expect(await decrypted(field.Name)).toBe('from-secrets-manager');
    await run(deleteEvent(unchanged));
    await expectGone(field.Name);
  });

  test('placeholder: written once, then the operator owns the value', async () => {
    const created = base('/placeholder', { Source: { Type: 'placeholder', Text: 'set me' } });
    await run(createEvent(created));
    expect(await decrypted(created.Name)).toBe('set me');
    await clients.ssm.send(new PutParameterCommand({ Name: created.Name, Value: 'operator-value', Type: 'SecureString', KeyId: keyArn, Overwrite: true }));

    await run(updateEvent({ ...created, Description: 'owned by ops' }, created));

    expect(await decrypted(created.Name)).toBe('operator-value');
    await run(deleteEvent(created));
    await expectGone(created.Name);
  });

  test('plain text: written as given and replaced when it changes', async () => {
    const created = base('/plaintext', { Source: { Type: 'plaintext', Text: 'v1' } });
    await run(createEvent(created));
    const updated = { ...created, Source: { Type: 'plaintext', Text: 'v2' } };
    await run(updateEvent(updated, created));

    expect(await decrypted(created.Name)).toBe('v2');
    await run(deleteEvent(updated));
    await expectGone(created.Name);
  });
});

test('Advanced with a policy: Parameter Store reports the policy', async () => {
  const expiration = { Type: 'Expiration', Version: '1.0', Attributes: { Timestamp: '2031-01-01T00:00:00.000Z' } };
  const created = props('/emulator/policies', { Tier: 'Advanced', Policies: JSON.stringify([expiration]) });

  await run(createEvent(created));

  const policies = (await newest(created.Name)).Policies!.map((p) => (typeof p.PolicyText === 'string' ? JSON.parse(p.PolicyText) : p.PolicyText));
  expect(policies).toEqual([expiration]);
});

test('a relative expiration: Parameter Store reports the timestamp the handler fixed, and the tier', async () => {
  const notification = { Type: 'NoChangeNotification', Version: '1.0', Attributes: { After: '30', Unit: 'Days' } };
  const created = props('/emulator/relative-expiration', { Tier: 'Advanced', ExpireAfterSeconds: '7776000', Policies: JSON.stringify([notification]) });
  const before = Date.now();

  await run(createEvent(created));

  const [described] = (await clients.ssm.send(
    new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [created.Name] }] }),
  )).Parameters!;
  const policies = described.Policies!.map((p) => (typeof p.PolicyText === 'string' ? JSON.parse(p.PolicyText) : p.PolicyText));
  expect(described).toMatchObject({ Name: created.Name, Type: 'SecureString', Tier: 'Advanced', KeyId: keyArn });
  expect(policies).toEqual([{ Type: 'Expiration', Version: '1.0', Attributes: { Timestamp: expect.any(String) } }, notification]);
  const expiresAt = Date.parse(policies[0].Attributes.Timestamp);
  expect(expiresAt).toBeGreaterThanOrEqual(before + 7_776_000_000 - 1000);
  expect(expiresAt).toBeLessThanOrEqual(Date.now() + 7_776_000_000);
});

test('a plain String with a relative expiration: the handler writes the expiration, the value stays', async () => {
  const name = '/emulator/plain/url';
  await clients.ssm.send(new PutParameterCommand({ Name: name, Value: 'https://x', Type: 'String', Tier: 'Advanced' }));
  const plain = {
    RequestType: 'Create',
    ServiceToken: 'x',
    ResponseURL: 'https://example.com/response',
    StackId: 'arn:aws:cloudformation:eu-west-1:111111111111:stack/AppStack/id',
    RequestId: 'r',
    LogicalResourceId: 'UrlPolicies',
    ResourceType: 'Custom::PlainParameterPolicies',
    ResourceProperties: { ServiceToken: 'x', Name: name, ParameterType: 'String', Value: 'https://x', ExpireAfterSeconds: '3600' },
  } as any;

  await run(plain);

  const [described] = (await clients.ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [name] }] }))).Parameters!;
  const policies = described.Policies!.map((p) => (typeof p.PolicyText === 'string' ? JSON.parse(p.PolicyText) : p.PolicyText));
  expect(described).toMatchObject({ Type: 'String', Tier: 'Advanced' });
  expect(policies).toEqual([{ Type: 'Expiration', Version: '1.0', Attributes: { Timestamp: expect.any(String) } }]);
  expect((await clients.ssm.send(new GetParameterCommand({ Name: name }))).Parameter!.Value).toBe('https://x');
});

test('ownership: a parameter made by someone else is refused and left untouched', async () => {
  const name = '/emulator/foreign';
  await clients.ssm.send(new PutParameterCommand({ Name: name, Value: 'not-yours', Type: 'SecureString', KeyId: keyArn }));

  const response = await handleEvent(createEvent(props(name)), clients, Date.now() + 60_000);

  expect(response.Status).toBe('FAILED');
  expect(response.Reason).toContain(`${name} already exists and is not managed by this resource`);
  expect(await decrypted(name)).toBe('not-yours');
  await handleEvent(deleteEvent(props(name)), clients, Date.now() + 60_000);
  expect(await decrypted(name)).toBe('not-yours');
});

test('rename: the new parameter gets the generated value and our owner tag', async () => {
  const created = props('/emulator/rename/old');
  await run(createEvent(created));
  const value = await decrypted(created.Name);

  const renamed = { ...created, Name: '/emulator/rename/new' };
  const response = await run(updateEvent(renamed, created));

  expect(response.PhysicalResourceId).toBe('/emulator/rename/new');
  expect(await decrypted('/emulator/rename/new')).toBe(value);
  const tags = await clients.ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/emulator/rename/new' }));
  expect(tags.TagList).toEqual([{ Key: OWNER_TAG_KEY, Value: 'AppStack/DbPassword' }]);
});

describe('rollbacks and redeliveries against Parameter Store', () => {
  const generation = (name: string, n: number, options = '') => props(name, { Source: { Type: 'generated', Options: `{${options}"generation":${n}}` } });

  test('rollback after a rotation: generation 1 → 2, back to 1 restores its value, forward to 2 restores the second', async () => {
    const name = '/emulator/rollback/rotation';
    await run(createEvent(generation(name, 1)));
    const first = await decrypted(name);
    await run(updateEvent(generation(name, 2), generation(name, 1)));
    const second = await decrypted(name);
    expect(second).not.toBe(first);

    await run(updateEvent(generation(name, 1), generation(name, 2)));
    expect(await decrypted(name)).toBe(first);

    await run(updateEvent(generation(name, 2), generation(name, 1)));
    expect(await decrypted(name)).toBe(second);
    const history = (await clients.ssm.send(new GetParameterHistoryCommand({ Name: name }))).Parameters!;
    const [label1, label2] = [1, 2].map((n) => sourceLabel(generation(name, n).Source));
    expect(history.map((v) => v.Labels ?? [])).toEqual([[], [], [label1], [label2]]);
  });

  test('a redelivered Create and a redelivered Update make no second value', async () => {
    const name = '/emulator/rollback/redelivered';
    await run(createEvent(generation(name, 1)));
    const first = await decrypted(name);
    await run(createEvent(generation(name, 1)));
    expect(await decrypted(name)).toBe(first);

    await run(updateEvent(generation(name, 2), generation(name, 1)));
    const second = await decrypted(name);
    const again = await run(updateEvent(generation(name, 2), generation(name, 1)));

    expect(await decrypted(name)).toBe(second);
    expect(again.Data).toMatchObject({ Version: '2' });
    expect((await newest(name)).Version).toBe(2);
  });

  test('a key change keeps the value, now under the new key; rolled back, the value returns under the old key', async () => {
    const name = '/emulator/rollback/key-change';
    const newKey = (await clients.kms.send(new CreateKeyCommand({ Description: 'new key' }))).KeyMetadata!.Arn!;
    const created = generation(name, 1);
    await run(createEvent(created));
    const first = await decrypted(name);

    await run(updateEvent({ ...created, KeyId: newKey }, created));
    expect(await decrypted(name)).toBe(first);
    expect(await newest(name)).toMatchObject({ KeyId: newKey, Version: 2 });

    await run(updateEvent(created, { ...created, KeyId: newKey }));
    expect(await decrypted(name)).toBe(first);
    expect(await newest(name)).toMatchObject({ KeyId: keyArn, Version: 3 });
  });

  test('options in another order never rotate the value', async () => {
    const name = '/emulator/rollback/reordered';
    const before = props(name, { Source: { Type: 'generated', Options: '{"length":40,"excludePunctuation":true}' } });
    const after = props(name, { Source: { Type: 'generated', Options: '{"excludePunctuation":true,"generation":1,"length":40}' } });
    await run(createEvent(before));
    const first = await decrypted(name);

    await run(updateEvent(after, before));

    expect(await decrypted(name)).toBe(first);
    expect((await newest(name)).Version).toBe(1);
  });

  test('a → /a is the same parameter: the old physical id is answered, and nothing is written', async () => {
    const plain = props('emulator-single', {});
    await run(createEvent(plain));
    const value = await decrypted('emulator-single');

    const response = await run(updateEvent({ ...plain, Name: '/emulator-single' }, plain));

    expect(response.PhysicalResourceId).toBe('emulator-single');
    expect(await decrypted('/emulator-single')).toBe(value);
    expect((await newest('emulator-single')).Version).toBe(1);
  });

  test("adoptExisting refuses another stack's parameter, adopts an untagged one, and releases it on Delete", async () => {
    const theirs = '/emulator/adopt/theirs';
    const untagged = '/emulator/adopt/untagged';
    await clients.ssm.send(new PutParameterCommand({
      Name: theirs, Value: 'their-value', Type: 'SecureString', KeyId: keyArn, Tags: [{ Key: OWNER_TAG_KEY, Value: 'OtherStack/Thing' }],
    }));
    await clients.ssm.send(new PutParameterCommand({ Name: untagged, Value: 'hand-made', Type: 'SecureString', KeyId: keyArn }));

    const refused = await handleEvent(createEvent(props(theirs, { Adopt: 'true' })), clients, Date.now() + 60_000);
    await run(createEvent(props(untagged, { Adopt: 'true' })));
    const adoptedTags = await tagsOf(untagged);
    await run(deleteEvent(props(untagged, { Adopt: 'true' })));

    expect(refused.Status).toBe('FAILED');
    expect(refused.Reason).toContain('it is owned by OtherStack/Thing. adoptExisting never takes a parameter from another stack or resource.');
    expect(await decrypted(theirs)).toBe('their-value');
    expect(adoptedTags).toEqual({ [OWNER_TAG_KEY]: 'AppStack/DbPassword', [ADOPTED_TAG_KEY]: 'true' });
    expect(await decrypted(untagged)).toBe('hand-made');
    expect(await tagsOf(untagged)).toEqual({});
  });
});

async function tagsOf(name: string): Promise<Record<string, string>> {
  const result = await clients.ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: name }));
  return Object.fromEntries((result.TagList ?? []).map((t) => [t.Key, t.Value]));
}

test('Intelligent-Tiering: written, read back and kept on update', async () => {
  const created = props('/emulator/intelligent-tiering', { Tier: 'Intelligent-Tiering' });

  const response = await run(createEvent(created));
  await run(updateEvent({ ...created, Description: 'tiered' }, created));

  expect(response.Data).toMatchObject({ Version: '1' });
  expect(await decrypted(created.Name)).toHaveLength(32);
});
