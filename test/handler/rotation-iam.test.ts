import { AddTagsToResourceCommand, DeleteParameterCommand, GetParameterCommand, GetParameterHistoryCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { chunkIds, chunkSucceeds } from './batch-scenario';
import { Scenario, decrypted, deployVersion, history, scenarioPerFile, succeeds, tagsOf } from './iam-scenario';
import { GeneratedValueOptions, HierarchyDeployment, ParameterHierarchy, ParameterPolicy, ParameterRotation, SecureStringParameter, SecureValue } from '../../lib';
import { Clients } from '../../lib/handler/clients';
import { RotationContext } from '../../lib/handler/rotation-context';
import { RotationSummary, runRotation } from '../../lib/handler/rotation-run';
import { OWNER_TAG_KEY } from '../../lib/private/handler-protocol';
import { ROTATION_OPTIONS_TAG_KEY, ROTATION_TAG_KEY } from '../../lib/private/rotation-protocol';
import { DeployedStack } from '../helpers/deployed-stack';
import { PolicyDocument } from '../helpers/iam-simulator';
import { interceptedClients } from '../helpers/intercepted-clients';
import { STACK_RECORDS } from '../helpers/stack-records';
import { createEventFor, deleteEventFor, updateEventFor } from '../helpers/template-events';

/**
 * Rotation with the real SDK against moto_server, every call of the handler and of the rotator checked against
 * their synthesized role and key policies (and the KMS calls Parameter Store makes for them), and the events
 * CloudFormation really sends: create, rotate, deploy again, roll back, and the rotator's limits.
 */
let scenario: Scenario;

scenarioPerFile((started) => {
  scenario = started;
});

const DAY = 86_400_000;
const NAME = '/rotation/db';
const LIFETIME = Duration.days(30);

interface Version {
  readonly deployed: DeployedStack;
  readonly id: string;
}

/** A stack version with one rotating generated SecureString (Advanced, expiring 30 days after each write). */
async function version(options: GeneratedValueOptions, props: { updates?: DeployedStack; description?: string } = {}): Promise<Version> {
  const { deployed, built } = await deployVersion(
    scenario.moto,
    (stack: Stack) =>
      new SecureStringParameter(stack, 'Secret', {
        parameterName: NAME,
        value: SecureValue.generated(options),
        description: props.description,
        policies: [ParameterPolicy.expireAfter(LIFETIME), ParameterPolicy.expirationNotification(Duration.days(7))],
        rotation: ParameterRotation.every(Duration.days(1)),
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    { updates: props.updates, stackName: 'RotationStack' },
  );
  return { deployed, id: deployed.logicalId(built) };
}

function rotatorRoleLogicalId(deployed: DeployedStack): string {
  const role = Object.entries(Template(deployed)).find(([, r]) => r.Type === 'AWS::IAM::Role' && /Rotates/.test(r.Properties.Description));
  if (!role) throw new Error('the stack has no rotator role');
  return role[0];
}

function Template(deployed: DeployedStack): Record<string, any> {
  return (deployed as unknown as { resources: Record<string, any> }).resources;
}

/**
 * What the rotator's environment says (stack name, id, its names), and CloudFormation's record of every
 * SecureString resource of the stack, which the rotator asks before it writes.
 */
function rotatorEnvironment(deployed: DeployedStack): Pick<RotationContext, 'stackName' | 'stackId' | 'rotatingNames'> {
  for (const [id, resource] of Object.entries(Template(deployed))) {
    if (String(resource.Type).startsWith('Custom::SecureString')) STACK_RECORDS.record(deployed.stackId, id, id);
  }
  const fn = Object.values(Template(deployed)).find((r) => r.Type === 'AWS::Lambda::Function' && /rotates/.test(r.Properties.Description));
  const variables = deployed.properties(Object.keys(Template(deployed)).find((k) => Template(deployed)[k] === fn)!).Environment.Variables;
  expect(variables.STACK_NAME).toBe(deployed.stackName);
  expect(variables.STACK_ID).toBe(deployed.stackId);
  return { stackName: variables.STACK_NAME, stackId: variables.STACK_ID, rotatingNames: JSON.parse(variables.ROTATING_NAMES) };
}

function rotatorClients(deployed: DeployedStack, identityPolicies?: PolicyDocument[]): Clients {
  return deployed.clientsAs(rotatorRoleLogicalId(deployed), { identityPolicies });
}

/** The rotator's scheduled run, `daysLater` after now, as the rotator's role. */
async function rotate(clients: Clients, deployed: DeployedStack, daysLater = 2): Promise<{ summary: RotationSummary; now: number }> {
  const now = Date.now() + daysLater * DAY;
  const ctx: RotationContext = { ...rotatorEnvironment(deployed), clients, deadline: Date.now() + 60_000, now: () => now, secrets: new Set() };
  return { summary: await runRotation({ Trigger: 'every-86400' }, ctx), now };
}

async function labels(name = NAME): Promise<Array<[number, string[]]>> {
  return (await history(scenario.admin, name)).map((v) => [v.Version!, v.Labels ?? []]);
}

async function expiration(name = NAME): Promise<string> {
  const [newest] = (await history(scenario.admin, name)).slice(-1);
  // moto answers PolicyText as an object where Parameter Store answers a JSON string (read-back.ts reads both)
  const policy = (newest.Policies ?? []).map((p) => (typeof p.PolicyText === 'string' ? JSON.parse(p.PolicyText) : p.PolicyText)).find((p) => p.Type === 'Expiration');
  return policy.Attributes.Timestamp;
}

test('create → rotate → deploy again → roll back: the rotated value survives, labels and expiration move forward', async () => {
  const v1 = await version({ generation: 1 });
  await succeeds(createEventFor(v1.deployed, v1.id), v1.deployed.handlerClients());
  const created = await decrypted(scenario.admin, NAME);
  expect(await labels()).toEqual([[1, [expect.stringMatching(/^src-/), 'current']]]);
  const [[, [sourceLabel]]] = await labels();

  // the scheduled rotation, as the rotator's role
  const { summary, now } = await rotate(rotatorClients(v1.deployed), v1.deployed);
  expect(summary).toEqual({ rotated: 1, skipped: 0, notReached: 0, overdue: 0, failures: [] });
  const rotated = await decrypted(scenario.admin, NAME);
  expect(rotated).toMatch(/^.{32}$/);
  expect(rotated).not.toBe(created);
  expect(await labels()).toEqual([[1, ['previous']], [2, [sourceLabel, 'current']]]);
  expect(await expiration()).toBe(new Date(now + LIFETIME.toMilliseconds()).toISOString());
  const renewed = await expiration();

  // the same schedule's event delivered again a minute after the rotation (moto stamps writes with the real clock)
  expect((await rotate(rotatorClients(v1.deployed), v1.deployed, 0.001)).summary).toMatchObject({ rotated: 0, skipped: 1 });

  // a later deploy with the same source keeps the rotated value and its expiration
  const v2 = await version({ generation: 1 }, { updates: v1.deployed, description: 'database password' });
  await succeeds(updateEventFor(v2.deployed, v1.deployed, v2.id, NAME), v2.deployed.handlerClients());
  expect(await decrypted(scenario.admin, NAME)).toBe(rotated);
  expect(await expiration()).toBe(renewed);

  // a new generation, then CloudFormation's rollback Update to generation 1: the rotated value returns
  const v3 = await version({ generation: 2 }, { updates: v2.deployed, description: 'database password' });
  await succeeds(updateEventFor(v3.deployed, v2.deployed, v3.id, NAME), v3.deployed.handlerClients());
  expect(await decrypted(scenario.admin, NAME)).not.toBe(rotated);
  const rollback = await version({ generation: 1 }, { updates: v3.deployed, description: 'database password' });
  await succeeds(updateEventFor(rollback.deployed, v3.deployed, rollback.id, NAME), rollback.deployed.handlerClients());

  expect(await decrypted(scenario.admin, NAME)).toBe(rotated);
  expect((await labels()).at(-1)).toEqual([expect.any(Number), [sourceLabel, 'current']]);
});

test('the rotator needs its key statement, and never gets kms:Decrypt', async () => {
  const name = '/rotation/keyless';
  const { deployed, built } = await deployVersion(
    scenario.moto,
    (stack: Stack) => new SecureStringParameter(stack, 'Secret', { parameterName: name, value: SecureValue.generated(), rotation: ParameterRotation.every(Duration.days(1)) }),
    { stackName: 'KeylessStack' },
  );
  await succeeds(createEventFor(deployed, deployed.logicalId(built)), deployed.handlerClients());
  const policies = deployed.identityPolicies(rotatorRoleLogicalId(deployed));
  expect(JSON.stringify(policies)).not.toContain('kms:Decrypt');
  const withoutKey = policies.map((p) => ({ ...p, Statement: (p.Statement as Array<{ Sid?: string }>).filter((s) => s.Sid !== 'EncryptRotatedValues') }));

  const { summary } = await rotate(rotatorClients(deployed, withoutKey), deployed);

  expect(summary.rotated).toBe(0);
  expect(summary.failures).toEqual([expect.stringContaining(`${name}: ssm:PutParameter failed: access denied for kms:Encrypt`)]);
  expect(await labels(name)).toEqual([[1, [expect.stringMatching(/^src-/), 'current']]]);
});

test('a parameter outside the rotating names is out of the rotator\'s reach, whatever its tags say', async () => {
  const { deployed, built } = await deployVersion(
    scenario.moto,
    (stack: Stack) => new SecureStringParameter(stack, 'Secret', { parameterName: '/rotation/reach', value: SecureValue.generated(), rotation: ParameterRotation.every(Duration.days(1)) }),
    { stackName: 'ReachStack' },
  );
  await succeeds(createEventFor(deployed, deployed.logicalId(built)), deployed.handlerClients());
  const outside = '/elsewhere/api-key';
  await scenario.admin.ssm.send(new PutParameterCommand({ Name: outside, Value: 'operator-value', Type: 'SecureString' }));
  await scenario.admin.ssm.send(
    new AddTagsToResourceCommand({
      ResourceType: 'Parameter',
      ResourceId: outside,
      Tags: [
        { Key: OWNER_TAG_KEY, Value: 'ReachStack/Forged' },
        { Key: ROTATION_TAG_KEY, Value: 'ReachStack/every-86400' },
        { Key: ROTATION_OPTIONS_TAG_KEY, Value: 'previous=keep length=32 classes=lunp each=1' },
      ],
    }),
  );

  // the rotator skips a name outside its own without a call; and were it to try, IAM denies it
  const { summary } = await rotate(rotatorClients(deployed), deployed, 3);
  const now = Date.now() + 3 * DAY;
  const unlimited: RotationContext = {
    ...rotatorEnvironment(deployed),
    rotatingNames: undefined,
    clients: rotatorClients(deployed),
    deadline: Date.now() + 60_000,
    now: () => now,
    secrets: new Set(),
  };
  const tried = await runRotation({ Trigger: 'every-86400' }, unlimited);

  expect(summary).toMatchObject({ rotated: 1, skipped: 1, failures: [] });
  expect(tried.failures).toEqual([expect.stringMatching(/^\/elsewhere\/api-key: ssm:ListTagsForResource failed: access denied/)]);
  expect(await decrypted(scenario.admin, outside)).toBe('operator-value');
  const { Parameters = [] } = await scenario.admin.ssm.send(new GetParameterHistoryCommand({ Name: outside }));
  expect(Parameters).toHaveLength(1);
});

test('before expiration: the notification rotates the parameter and renews its expiration', async () => {
  const name = '/rotation/expiring';
  const { deployed, built } = await deployVersion(
    scenario.moto,
    (stack: Stack) =>
      new SecureStringParameter(stack, 'Secret', {
        parameterName: name,
        value: SecureValue.generated(),
        policies: [ParameterPolicy.expireAfter(LIFETIME), ParameterPolicy.expirationNotification(Duration.days(7))],
        rotation: ParameterRotation.beforeExpiration(),
      }),
    { stackName: 'ExpiringStack' },
  );
  await succeeds(createEventFor(deployed, deployed.logicalId(built)), deployed.handlerClients());
  const first = await decrypted(scenario.admin, name);
  const notifiedAt = Date.parse(await expiration(name)) - 7 * DAY;
  const event = { 'detail-type': 'Parameter Store Policy Action', 'source': 'aws.ssm', 'detail': { 'parameter-name': name, 'policy-type': 'ExpirationNotification' } };
  const ctx = (now: number): RotationContext => ({
    ...rotatorEnvironment(deployed),
    clients: rotatorClients(deployed),
    deadline: Date.now() + 60_000,
    now: () => now,
    secrets: new Set(),
  });

  expect(await runRotation(event, ctx(notifiedAt))).toMatchObject({ rotated: 1, failures: [] });
  expect(await decrypted(scenario.admin, name)).not.toBe(first);
  expect(await expiration(name)).toBe(new Date(notifiedAt + LIFETIME.toMilliseconds()).toISOString());
  // the same notification delivered again rotates nothing
  expect(await runRotation(event, ctx(notifiedAt + 60_000))).toMatchObject({ rotated: 0, skipped: 1 });
});

test('a batched hierarchy: its 30 rotating members rotate on one schedule, under the covering path, each once; another stack\'s parameter there is skipped', async () => {
  const batched = await deployVersion(
    scenario.moto,
    (stack: Stack) => {
      const hierarchy = new ParameterHierarchy(stack, 'Prod', {
        path: '/rotation/batch',
        deployment: HierarchyDeployment.batched(),
        rotation: ParameterRotation.every(Duration.days(1), { keepPrevious: false }),
      });
      for (let i = 0; i < 30; i++) hierarchy.addSecureString(`S${i}`, { name: `s${i}`, value: SecureValue.generated() });
      hierarchy.addSecureString('Operated', { name: 'operated', value: SecureValue.placeholder() });
      return hierarchy;
    },
    { stackName: 'BatchRotationStack' },
  );
  for (const chunk of chunkIds(batched)) await chunkSucceeds(createEventFor(batched.deployed, chunk), batched.deployed.handlerClients());
  const before = await decrypted(scenario.admin, '/rotation/batch/s7');
  const ssm = JSON.stringify(batched.deployed.identityPolicies(rotatorRoleLogicalId(batched.deployed)));
  expect(ssm).toContain(':parameter/rotation/batch/*');

  const { summary } = await rotate(rotatorClients(batched.deployed), batched.deployed);

  expect(summary).toEqual({ rotated: 30, skipped: 0, notReached: 0, overdue: 0, failures: [] });
  expect(await decrypted(scenario.admin, '/rotation/batch/s7')).not.toBe(before);
  expect(await decrypted(scenario.admin, '/rotation/batch/operated')).toBe(SecureValue.DEFAULT_PLACEHOLDER);
  expect(await labels('/rotation/batch/s7')).toEqual([[1, []], [2, [expect.stringMatching(/^src-/)]]]);
  expect((await rotate(rotatorClients(batched.deployed), batched.deployed, 0.001)).summary).toMatchObject({ rotated: 0, skipped: 30 });

  // another stack's parameter under the covering path: IAM denies the rotator its tags, and its notification is a skip, not a failure
  const foreign = '/rotation/batch/foreign';
  const foreignTags = [{ Key: OWNER_TAG_KEY, Value: 'OtherStack/Foreign' }];
  await scenario.admin.ssm.send(new PutParameterCommand({ Name: foreign, Value: 'other-stack-value', Type: 'SecureString', Tags: foreignTags }));
  const notified = { 'detail-type': 'Parameter Store Policy Action', 'source': 'aws.ssm', 'detail': { 'parameter-name': foreign, 'policy-type': 'ExpirationNotification' } };
  const ctx: RotationContext = {
    ...rotatorEnvironment(batched.deployed),
    clients: rotatorClients(batched.deployed),
    deadline: Date.now() + 60_000,
    now: () => Date.now(),
    secrets: new Set(),
  };
  expect(await runRotation(notified, ctx)).toEqual({ rotated: 0, skipped: 1, notReached: 0, overdue: 0, failures: [] });
  expect(await decrypted(scenario.admin, foreign)).toBe('other-stack-value');
});

describe('a deploy that ends the rotation lands between the rotator\'s reads and its write', () => {
  /** The rotator's clients (its role, under IAM), which run `deploy` just before the rotator's PutParameter. */
  function deployingBeforeTheWrite(deployed: DeployedStack, deploy: () => Promise<unknown>): Clients {
    let ran = false;
    return interceptedClients(rotatorClients(deployed), async (command) => {
      if (command === 'PutParameter' && !ran) {
        ran = true;
        await deploy();
      }
    });
  }

  async function rotating(name: string, stackName: string): Promise<Version> {
    const { deployed, built } = await deployVersion(
      scenario.moto,
      (stack: Stack) =>
        new SecureStringParameter(stack, 'Secret', {
          parameterName: name,
          value: SecureValue.generated(),
          rotation: ParameterRotation.every(Duration.days(1)),
          removalPolicy: RemovalPolicy.DESTROY,
        }),
      { stackName },
    );
    const id = deployed.logicalId(built);
    await succeeds(createEventFor(deployed, id), deployed.handlerClients());
    return { deployed, id };
  }

  test('a switch to another source: IAM refuses the rotator\'s write (the rotation tag says stopped), and the deploy\'s value stays', async () => {
    const name = '/rotation/switched';
    const v1 = await rotating(name, 'SwitchStack');
    const { deployed: v2 } = await deployVersion(
      scenario.moto,
      (stack: Stack) => new SecureStringParameter(stack, 'Secret', { parameterName: name, value: SecureValue.unsafePlainText('switched'), removalPolicy: RemovalPolicy.DESTROY }),
      { updates: v1.deployed, stackName: 'SwitchStack' },
    );
    const clients = deployingBeforeTheWrite(v1.deployed, () => succeeds(updateEventFor(v2, v1.deployed, v1.id, name), v2.handlerClients()));

    const { summary } = await rotate(clients, v1.deployed);

    expect(summary).toEqual({ rotated: 0, skipped: 1, notReached: 0, overdue: 0, failures: [] });
    expect(jest.mocked(console.log)).toHaveBeenCalledWith(
      `${name}: not rotated: a deploy took it off rotation while it was rotated: IAM refused the write (its rotation tag is no longer this stack's)`,
    );
    expect(await decrypted(scenario.admin, name)).toBe('switched');
    expect(await labels(name)).toEqual([[1, [expect.stringMatching(/^src-/), 'current']], [2, [expect.stringMatching(/^src-/)]]]);
    expect(await tagsOf(scenario.admin, name)).toEqual({ [OWNER_TAG_KEY]: `SwitchStack/${v1.id}`, [ROTATION_TAG_KEY]: 'stopped' });
  });

  test('a DESTROY delete: the rotator\'s write creates the parameter again, untagged, and it may delete that (and only that)', async () => {
    const name = '/rotation/deleted';
    const { deployed, id } = await rotating(name, 'DeleteStack');
    const clients = deployingBeforeTheWrite(deployed, () => succeeds(deleteEventFor(deployed, id, name), deployed.handlerClients()));

    const { summary } = await rotate(clients, deployed);

    expect(summary).toEqual({ rotated: 0, skipped: 1, notReached: 0, overdue: 0, failures: [] });
    await expect(scenario.admin.ssm.send(new GetParameterCommand({ Name: name }))).rejects.toMatchObject({ name: 'ParameterNotFound' });
    // never a parameter a stack owns
    const other = await rotating('/rotation/owned', 'OwnedStack');
    await expect(rotatorClients(other.deployed).ssm.send(new DeleteParameterCommand({ Name: '/rotation/owned' }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});
