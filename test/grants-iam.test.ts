import { GetParameterCommand, GetParameterHistoryCommand, GetParametersByPathCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { ParameterHierarchy, SecureValue } from '../lib';
import { DeployedStack } from './helpers/deployed-stack';
import { PolicyDocument } from './helpers/iam-simulator';
import { MotoServer } from './helpers/moto-server';
import { createEventFor } from './helpers/template-events';
import { handleEvent } from '../lib/handler/secure-string.lambda';

/**
 * What users' grants allow in an emulated account: the roles' synthesized policies and the synthesized key
 * policy evaluated on every call, and on the kms:Decrypt / kms:Encrypt Parameter Store makes for them.
 */
const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const PASSWORD = '/app/prod/db/password';
const LOOK_ALIKE = '/app/production/db/password';

let moto: MotoServer;
let admin: SSMClient;
let world: Awaited<ReturnType<typeof deployWorld>>;

async function deployWorld() {
  const stack = new Stack(new App(), 'GrantStack', { env: { account: ACCOUNT, region: REGION } });
  const hierarchy = new ParameterHierarchy(stack, 'Prod', { path: '/app/prod', removalPolicy: RemovalPolicy.DESTROY });
  const password = hierarchy.addSecureString('Password', { name: 'db/password', value: SecureValue.generated() });
  const lambda = { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') };
  const roles = {
    pathReader: new iam.Role(stack, 'PathReader', lambda),
    oneReader: new iam.Role(stack, 'OneReader', lambda),
    writer: new iam.Role(stack, 'Writer', lambda),
    stranger: new iam.Role(stack, 'Stranger', lambda),
    tieredWriter: new iam.Role(stack, 'TieredWriter', lambda),
  };
  const tiered = new ParameterHierarchy(stack, 'Tiered', { path: '/app/tiered', tier: ssm.ParameterTier.INTELLIGENT_TIERING });
  tiered.grantWrite(roles.tieredWriter);
  hierarchy.grantRead(roles.pathReader);
  password.grantRead(roles.oneReader);
  hierarchy.grantWrite(roles.writer);

  const deployed = await DeployedStack.deploy(stack, moto);
  const response = await handleEvent(createEventFor(deployed, deployed.logicalId(password)), deployed.handlerClients(), Date.now() + 60_000);
  expect(response.Status).toBe('SUCCESS');
  const keyArn = deployed.keyArn(deployed.logicalId(hierarchy.encryptionKey));
  // the same key, a path that only looks alike: only the name tells the two apart
  await admin.send(new PutParameterCommand({ Name: LOOK_ALIKE, Value: 'not-for-prod-readers', Type: 'SecureString', KeyId: keyArn }));
  const roleId = (role: iam.Role) => deployed.logicalId(role);
  return {
    keyArn,
    tieredKeyArn: deployed.keyArn(deployed.logicalId(tiered.encryptionKey)),
    value: (await admin.send(new GetParameterCommand({ Name: PASSWORD, WithDecryption: true }))).Parameter!.Value!,
    policiesOf: (who: keyof typeof roles) => deployed.identityPolicies(roleId(roles[who])),
    as: (who: keyof typeof roles, identityPolicies?: PolicyDocument[]) => deployed.clientsAs(roleId(roles[who]), { identityPolicies }).ssm,
  };
}

beforeAll(async () => {
  moto = await MotoServer.start(ACCOUNT);
  admin = new SSMClient(moto.clientConfig(REGION));
  jest.spyOn(console, 'log').mockImplementation(() => undefined);
  world = await deployWorld();
}, 30_000);

afterAll(async () => {
  jest.restoreAllMocks();
  await moto?.stop();
});

const read = (client: SSMClient, name: string) => client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
const denied = (action: string) => ({ name: 'AccessDeniedException', message: expect.stringContaining(`is not authorized to perform: ${action}`) });

describe('readers', () => {
  test.each(['pathReader', 'oneReader'] as const)('%s reads the value, decrypted', async (who) => {
    expect((await read(world.as(who), PASSWORD)).Parameter!.Value).toBe(world.value);
  });

  test('a role without a grant is denied', async () => {
    await expect(read(world.as('stranger'), PASSWORD)).rejects.toMatchObject(denied('ssm:GetParameter'));
  });

  test('the path grant does not open a path that only starts the same (/app/prod vs /app/production)', async () => {
    await expect(read(world.as('pathReader'), LOOK_ALIKE)).rejects.toMatchObject(denied('ssm:GetParameter'));
  });

  test('with SSM opened to every parameter, the path reader\'s kms:Decrypt still refuses the look-alike\'s encryption context', async () => {
    const everyParameter: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/*` }],
    };

    await expect(read(world.as('pathReader', [...world.policiesOf('pathReader'), everyParameter]), LOOK_ALIKE)).rejects.toMatchObject(denied('kms:Decrypt'));
  });

  test('the path reader lists the path with decryption; the one-parameter reader cannot', async () => {
    const byPath = new GetParametersByPathCommand({ Path: '/app/prod', Recursive: true, WithDecryption: true });

    expect((await world.as('pathReader').send(byPath)).Parameters).toEqual([expect.objectContaining({ Name: PASSWORD, Value: world.value })]);
    await expect(world.as('oneReader').send(byPath)).rejects.toMatchObject(denied('ssm:GetParametersByPath'));
  });

  test('without its kms:Decrypt statement the reader may still call GetParameter, but Parameter Store\'s kms:Decrypt is denied', async () => {
    const withoutKms = world.policiesOf('pathReader').map((p) => ({ ...p, Statement: (p.Statement as Array<{ Action: unknown }>).filter((s) => ![s.Action].flat().includes('kms:Decrypt')) }));
    const reader = world.as('pathReader', withoutKms);

    await expect(read(reader, PASSWORD)).rejects.toMatchObject(denied('kms:Decrypt'));
    expect((await reader.send(new GetParameterCommand({ Name: PASSWORD }))).Parameter!.Type).toBe('SecureString');
  });
});

describe('writers', () => {
  const write = (name: string, tier: 'Standard' | 'Advanced') =>
    world.as('writer').send(new PutParameterCommand({ Name: name, Value: 'written', Type: 'SecureString', KeyId: world.keyArn, Tier: tier }));

  test('the path writer writes a Standard SecureString under the path (kms:Encrypt through Parameter Store)', async () => {
    await write('/app/prod/new/standard', 'Standard');

    expect((await read(admin, '/app/prod/new/standard')).Parameter!.Value).toBe('written');
  });

  test('a Standard hierarchy grants no kms:GenerateDataKey: an Advanced write is denied on the key', async () => {
    await expect(write('/app/prod/new/advanced', 'Advanced')).rejects.toMatchObject(denied('kms:GenerateDataKey'));
    await expect(read(admin, '/app/prod/new/advanced')).rejects.toMatchObject({ name: 'ParameterNotFound' });
  });

  test('the path writer cannot write beside the path', async () => {
    await expect(write('/app/production/new', 'Standard')).rejects.toMatchObject(denied('ssm:PutParameter'));
  });

  test('the writer cannot read what it wrote', async () => {
    await expect(read(world.as('writer'), PASSWORD)).rejects.toMatchObject(denied('ssm:GetParameter'));
  });
});

describe('an Intelligent-Tiering writer', () => {
  const write = (name: string, value: string, identityPolicies?: PolicyDocument[]) =>
    world.as('tieredWriter', identityPolicies).send(new PutParameterCommand({ Name: name, Value: value, Type: 'SecureString', KeyId: world.tieredKeyArn, Tier: 'Intelligent-Tiering' }));
  const storedTier = async (name: string) => (await admin.send(new GetParameterHistoryCommand({ Name: name }))).Parameters!.at(-1)!.Tier;

  test.each([
    ['a small value is stored Standard (kms:Encrypt)', '/app/tiered/small', 'x'.repeat(4096), 'Standard'],
    ['a value over 4 KB is stored Advanced (kms:GenerateDataKey)', '/app/tiered/large', 'x'.repeat(4097), 'Advanced'],
  ])('%s', async (_name, name, value, tier) => {
    await write(name, value);

    expect(await storedTier(name)).toBe(tier);
  });

  test('a writer granted only kms:GenerateDataKey cannot store a small value: Parameter Store calls kms:Encrypt', async () => {
    const withoutEncrypt = world.policiesOf('tieredWriter').map((p) => ({
      ...p,
      Statement: (p.Statement as Array<{ Action: unknown }>).map((s) => ({ ...s, Action: [s.Action].flat().filter((a) => a !== 'kms:Encrypt') })),
    }));

    await expect(write('/app/tiered/denied', 'small', withoutEncrypt)).rejects.toMatchObject(denied('kms:Encrypt'));
  });
});
