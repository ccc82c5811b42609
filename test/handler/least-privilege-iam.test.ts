import { DecryptCommand, EncryptCommand, GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import {
  DeleteParameterCommand,
  GetParameterCommand,
  LabelParameterVersionCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  UnlabelParameterVersionCommand,
} from '@aws-sdk/client-ssm';
import { RemovalPolicy } from 'aws-cdk-lib';
import { ACCOUNT, REGION, STACK_NAME, Scenario, deployVersion, quietHandlerLogs, startScenario } from './iam-scenario';
import { ParameterKey, SecureStringParameter, SecureValue } from '../../lib';
import { Clients } from '../../lib/handler/clients';
import { OWNER_TAG_KEY } from '../../lib/private/handler-protocol';

/**
 * What the handler role cannot do, each shown denied by the IAM layer with the synthesized policies: touch
 * a parameter another stack owns (outside the template's names or under them), create a name the template does not have,
 * or use a key without Parameter Store, committed ciphertext for the template's names excepted.
 */
let scenario: Scenario;
let handler: Clients;
let keys: { parameters: string; ciphertext: string };

const arnOf = (name: string) => `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${name}`;
const THEIRS = '/elsewhere/theirs';
/** A stack whose name starts with ours: `ScenarioStack/*` must not match `ScenarioStack-2/...`. */
const LOOKALIKE = '/elsewhere/lookalike';
/** Another stack's parameter under a path the template's names cover (`parameter/lp/*`). */
const NEIGHBOUR = '/lp/neighbour';

beforeAll(async () => {
  scenario = await startScenario();
  quietHandlerLogs();
  const { deployed, built } = await deployVersion(scenario.moto, (stack) => {
    const parameterKey = new ParameterKey(stack, 'ParameterKey');
    const ciphertextKey = new ParameterKey(stack, 'CiphertextKey');
    new SecureStringParameter(stack, 'Mine', { parameterName: '/lp/mine', value: SecureValue.generated(), encryptionKey: parameterKey, removalPolicy: RemovalPolicy.DESTROY });
    // the ciphertext itself does not matter to the role's policy, only its key and the parameter's name
    new SecureStringParameter(stack, 'Committed', { parameterName: '/lp/committed', value: SecureValue.fromCiphertext('AAAA'), encryptionKey: ciphertextKey });
    return { parameterKey, ciphertextKey };
  });
  handler = deployed.handlerClients();
  const keyArn = (key: ParameterKey) => deployed.keyArn(deployed.logicalId(key));
  keys = { parameters: keyArn(built.parameterKey), ciphertext: keyArn(built.ciphertextKey) };
  for (const [name, owner] of [[THEIRS, 'OtherStack/X'], [LOOKALIKE, `${STACK_NAME}-2/X`], [NEIGHBOUR, 'OtherStack/Y']]) {
    // under our key, so that only the SSM statements can be what denies
    const Tags = [{ Key: OWNER_TAG_KEY, Value: owner }];
    await scenario.admin.ssm.send(new PutParameterCommand({ Name: name, Value: 'not-yours', Type: 'SecureString', KeyId: keys.parameters, Tags }));
  }
}, 60_000);

afterAll(async () => {
  jest.restoreAllMocks();
  await scenario?.moto.stop();
});

function deniedMessage(action: string, resource: string) {
  return { name: 'AccessDeniedException', message: expect.stringContaining(`is not authorized to perform: ${action} on resource: ${resource}`) };
}

describe('another stack\'s parameter', () => {
  const calls: Array<[string, (name: string) => Promise<unknown>]> = [
    ['ssm:PutParameter', (Name) => handler.ssm.send(new PutParameterCommand({ Name, Value: 'overwritten', Type: 'SecureString', KeyId: keys.parameters, Overwrite: true }))],
    ['ssm:DeleteParameter', (Name) => handler.ssm.send(new DeleteParameterCommand({ Name }))],
    ['ssm:LabelParameterVersion', (Name) => handler.ssm.send(new LabelParameterVersionCommand({ Name, ParameterVersion: 1, Labels: ['src-0'] }))],
    ['ssm:UnlabelParameterVersion', (Name) => handler.ssm.send(new UnlabelParameterVersionCommand({ Name, ParameterVersion: 1, Labels: ['src-0'] }))],
    ['ssm:GetParameter', (Name) => handler.ssm.send(new GetParameterCommand({ Name, WithDecryption: true }))],
  ];

  test.each([THEIRS, LOOKALIKE, NEIGHBOUR].flatMap((name) => calls.map(([action, call]) => [name, action, call] as const)))('%s: %s is denied', async (name, action, call) => {
    await expect(call(name)).rejects.toMatchObject(deniedMessage(action, arnOf(name)));

    expect((await scenario.admin.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter).toMatchObject({ Value: 'not-yours', Version: 1 });
  });

  test('the same calls on a parameter this stack owns outside the template\'s names are allowed (the contrast)', async () => {
    const ours = '/elsewhere/ours';
    await scenario.admin.ssm.send(new PutParameterCommand({ Name: ours, Value: 'retained', Type: 'SecureString', KeyId: keys.parameters, Tags: [{ Key: OWNER_TAG_KEY, Value: `${STACK_NAME}/Old` }] }));

    expect((await handler.ssm.send(new GetParameterCommand({ Name: ours, WithDecryption: true }))).Parameter!.Value).toBe('retained');
    expect(await handler.ssm.send(new LabelParameterVersionCommand({ Name: ours, ParameterVersion: 1, Labels: ['src-0'] }))).toMatchObject({ InvalidLabels: [] });
    await handler.ssm.send(new DeleteParameterCommand({ Name: ours }));
    await expect(scenario.admin.ssm.send(new GetParameterCommand({ Name: ours }))).rejects.toMatchObject({ name: 'ParameterNotFound' });
  });

  test('its tags can be read (they hold no secret): the handler tells "not ours" from "gone"', async () => {
    const { TagList } = await handler.ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: THEIRS }));

    expect(TagList).toEqual([{ Key: OWNER_TAG_KEY, Value: 'OtherStack/X' }]);
  });
});

describe('a name the template does not have', () => {
  test.each([
    ['without tags', undefined],
    ['with our owner tag in the request (a forged claim: S2 matches the tags a parameter has, not the ones asked for)', [{ Key: OWNER_TAG_KEY, Value: `${STACK_NAME}/Forged` }]],
  ])('cannot be created %s', async (_case, Tags) => {
    const name = '/elsewhere/new';

    await expect(handler.ssm.send(new PutParameterCommand({ Name: name, Value: 'x', Type: 'SecureString', KeyId: keys.parameters, Tags }))).rejects.toMatchObject(
      deniedMessage('ssm:PutParameter', arnOf(name)),
    );
    await expect(scenario.admin.ssm.send(new GetParameterCommand({ Name: name }))).rejects.toMatchObject({ name: 'ParameterNotFound' });
  });
});

describe('keys used directly, without Parameter Store', () => {
  const context = (name: string) => ({ PARAMETER_ARN: arnOf(name) });

  async function ciphertext(keyId: string, name: string): Promise<Uint8Array> {
    return (await scenario.admin.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('committed'), EncryptionContext: context(name) }))).CiphertextBlob!;
  }

  test.each([
    ['kms:Encrypt', () => handler.kms.send(new EncryptCommand({ KeyId: keys.parameters, Plaintext: Buffer.from('x'), EncryptionContext: context('/lp/mine') }))],
    ['kms:GenerateDataKey', () => handler.kms.send(new GenerateDataKeyCommand({ KeyId: keys.parameters, KeySpec: 'AES_256', EncryptionContext: context('/lp/mine') }))],
  ])('%s on the parameters\' key is denied', async (action, call) => {
    await expect(call()).rejects.toMatchObject(deniedMessage(action, keys.parameters));
  });

  test('kms:Decrypt on the parameters\' key is denied: only Parameter Store decrypts what it encrypted', async () => {
    const blob = await ciphertext(keys.parameters, '/lp/mine');

    await expect(handler.kms.send(new DecryptCommand({ CiphertextBlob: blob, KeyId: keys.parameters, EncryptionContext: context('/lp/mine') }))).rejects.toMatchObject(
      deniedMessage('kms:Decrypt', keys.parameters),
    );
  });

  test('committed ciphertext is decrypted directly, for a name of the template only', async () => {
    const allowed = await ciphertext(keys.ciphertext, '/lp/committed');
    const replayed = await ciphertext(keys.ciphertext, '/elsewhere/theirs');

    const { Plaintext } = await handler.kms.send(new DecryptCommand({ CiphertextBlob: allowed, KeyId: keys.ciphertext, EncryptionContext: context('/lp/committed') }));
    expect(Buffer.from(Plaintext!).toString()).toBe('committed');
    await expect(
      handler.kms.send(new DecryptCommand({ CiphertextBlob: replayed, KeyId: keys.ciphertext, EncryptionContext: context('/elsewhere/theirs') })),
    ).rejects.toMatchObject(deniedMessage('kms:Decrypt', keys.ciphertext));
  });
});
