import { Stack } from 'aws-cdk-lib';
import { chunkFailure, chunkIds, chunkSucceeds, recordedSsm, membersOf, ownerOf, ownersOf, storedUnder } from './batch-scenario';
import { Scenario, deployVersion, handlerPoliciesWithoutAction, scenarioPerFile } from './iam-scenario';
import { HierarchyDeployment, ParameterHierarchy, SecureValue } from '../../lib';
import { createEventFor } from '../helpers/template-events';

/**
 * A batched hierarchy of 1,000 generated SecureStrings created the way CloudFormation creates it (chunk 0,
 * then chunk 1, which depends on it), with the real SDK against moto_server, every call through the IAM
 * layer. At 10 writes per second the pacer alone needs 100 s for the 1,000 PutParameter calls.
 */
let scenario: Scenario;

scenarioPerFile((started) => {
  scenario = started;
});

const PATH = '/batch/fleet';
const MEMBERS = 1_000;
const ACCOUNT_PARAMETERS = 'arn:aws:ssm:eu-west-1:111111111111:parameter';

/**
 * Names of 49 characters: the members' template bytes (about 52 each) then exceed one chunk's 48,000, so
 * the hierarchy has two chunks although 10 writes per second would let one chunk write 4,800 members.
 */
function fleet(path: string, count: number) {
  return (stack: Stack) => {
    const h = new ParameterHierarchy(stack, 'Fleet', { path, deployment: HierarchyDeployment.batched({ writesPerSecond: 10 }) });
    for (let i = 0; i < count; i++) {
      h.addSecureString(`Member${i}`, { name: `services/payments/gateway/credentials/member-${String(i).padStart(4, '0')}`, value: SecureValue.generated() });
    }
    return h;
  };
}

test('1,000 members: each a SecureString under the hierarchy key, owned by the chunk that lists it, 32 distinct characters', async () => {
  const version = await deployVersion(scenario.moto, fleet(PATH, MEMBERS));
  const chunks = chunkIds(version);
  expect(chunks).toHaveLength(2);
  const keyArn = version.deployed.keyArn(version.deployed.logicalId(version.built.encryptionKey));

  const responses = [];
  for (const chunk of chunks) {
    const { clients, count } = recordedSsm(version.deployed.handlerClients());
    responses.push(await chunkSucceeds(createEventFor(version.deployed, chunk), clients));
    // one write per member, and the existence check and the read-back ten names per call
    const members = membersOf(version, chunk).length;
    expect([count('PutParameter'), count('GetParameters')]).toEqual([members, 2 * Math.ceil(members / 10)]);
  }

  expect(responses).toEqual([0, 1].map((i) => expect.objectContaining({
    PhysicalResourceId: `${PATH}#chunk-${i}`,
    Data: { Path: PATH, Arn: `${ACCOUNT_PARAMETERS}${PATH}` },
  })));
  const stored = await storedUnder(scenario.admin, PATH);
  expect(stored.size).toBe(MEMBERS);
  const values = [...stored.values()];
  expect(values.filter((p) => p.type !== 'SecureString' || p.keyId !== keyArn || p.version !== 1)).toEqual([]);
  expect(values.filter((p) => p.value.length !== 32)).toEqual([]);
  expect(new Set(values.map((p) => p.value)).size).toBe(MEMBERS);
  for (const chunk of chunks) {
    const members = membersOf(version, chunk);
    expect(members.length).toBeGreaterThan(400);
    const owners = await ownersOf(scenario.admin, members);
    expect([...new Set(owners.values())]).toEqual([ownerOf(version, chunk)]);
  }
}, 360_000);

test('the read-back of a chunk needs ssm:GetParameters: without it the chunk fails naming the action, though its members are written', async () => {
  const path = '/batch/unread';
  const version = await deployVersion(scenario.moto, fleet(path, 12), { stackName: 'UnreadStack' });
  const [chunk] = chunkIds(version);
  const withoutGetParameters = version.deployed.handlerClients({ identityPolicies: handlerPoliciesWithoutAction(version.deployed, 'ssm:GetParameters') });

  const reason = await chunkFailure(createEventFor(version.deployed, chunk), withoutGetParameters);

  // each member is named (not the chunk's physical id, which is no parameter): the operator sees which to check
  const member = `${path}/services/payments/gateway/credentials/member-\\d{4}`;
  const denied = `${member}: ssm:GetParameters failed: access denied for ssm:GetParameters on parameter ${member}\\. Allow ssm:GetParameters on parameter ${member} in the handler role's IAM policy\\.`;
  expect(reason).toMatch(new RegExp(`^${path}#chunk-0: 12 member\\(s\\) of chunk 1 of 1 failed\\. ${denied} \\| ${denied} \\| ${denied} \\| and 9 more in the handler's log$`));
  expect((await storedUnder(scenario.admin, path)).size).toBe(12);
});
