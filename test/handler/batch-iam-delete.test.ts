import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { chunkFailure, chunkIds, chunkSucceeds, membersOf, ownersOf, recordedSsm, storedUnder } from './batch-scenario';
import { Scenario, StackVersion, deployVersion, handlerPoliciesWithoutAction, scenarioPerFile } from './iam-scenario';
import { HierarchyDeployment, ParameterHierarchy, SecureValue } from '../../lib';
import { createEventFor, deleteEventFor } from '../helpers/template-events';

/**
 * The stack's Delete of a batched hierarchy: CloudFormation deletes the chunks in the reverse order of their
 * DependsOn chain, each deleting its DESTROY members; a parameter another stack keeps under the same path
 * stays, and so does one that another stack owns under a member's name. Real SDK, moto_server, the IAM layer.
 */
let scenario: Scenario;

scenarioPerFile((started) => {
  scenario = started;
});

const PATH = '/batch/gone';
const MEMBERS = 60;
/** The other team's parameter under the same path, from another stack. */
const OTHER_STACK = 'OtherTeamStack';
const OTHERS = `${PATH}/team-b/token`;

const retained = (i: number) => i % 3 === 0;

/**
 * Descriptions of about 1,000 characters make the members' template bytes (60 KB) exceed one chunk's
 * 48,000: two chunks, at a rate that writes (and deletes) 60 members in seconds.
 */
function described(path: string, count: number, extra: (h: ParameterHierarchy) => void = () => undefined) {
  return (stack: Stack) => {
    const h = new ParameterHierarchy(stack, 'Gone', {
      path,
      removalPolicy: RemovalPolicy.DESTROY,
      deployment: HierarchyDeployment.batched({ writesPerSecond: 10 }),
    });
    for (let i = 0; i < count; i++) {
      h.addSecureString(`M${i}`, {
        name: `app/m${i}`,
        value: SecureValue.generated(),
        description: `Credential ${i} of the payments gateway. `.padEnd(1_000, 'Rotated by the platform team; ask #payments before changing it. '),
        removalPolicy: retained(i) ? RemovalPolicy.RETAIN : undefined,
      });
    }
    extra(h);
    return h;
  };
}

/** The other team's stack: one batched member under our path, deleted with its stack. */
async function otherTeam(): Promise<StackVersion<ParameterHierarchy>> {
  const version = await deployVersion(scenario.moto, (stack: Stack) => {
    const h = new ParameterHierarchy(stack, 'TeamB', { path: PATH, removalPolicy: RemovalPolicy.DESTROY, deployment: HierarchyDeployment.batched() });
    h.addSecureString('Token', { name: 'team-b/token', value: SecureValue.generated() });
    return h;
  }, { stackName: OTHER_STACK });
  const [chunk] = chunkIds(version);
  await chunkSucceeds(createEventFor(version.deployed, chunk), version.deployed.handlerClients());
  return version;
}

test('the Delete of each chunk, last first: DESTROY members deleted, RETAIN ones kept, another stack\'s parameter under the path untouched', async () => {
  const other = await otherTeam();
  const version = await deployVersion(scenario.moto, described(PATH, MEMBERS));
  const chunks = chunkIds(version);
  expect(chunks).toHaveLength(2);
  for (const chunk of chunks) {
    await chunkSucceeds(createEventFor(version.deployed, chunk), version.deployed.handlerClients());
  }
  const before = await storedUnder(scenario.admin, PATH);
  expect(before.size).toBe(MEMBERS + 1);
  const ownersBefore = await ownersOf(scenario.admin, [...before.keys()]);
  const deletes = [...chunks].reverse().map((chunk, i) => deleteEventFor(version.deployed, chunk, `${PATH}#chunk-${chunks.length - 1 - i}`));

  // each DESTROY member of the last chunk needs ssm:DeleteParameter: without it they fail, and nothing is deleted
  const destroyedByLast = membersOf(version, chunks[1]).filter((name) => !retained(Number(name.split('/m')[1])));
  const withoutDelete = version.deployed.handlerClients({ identityPolicies: handlerPoliciesWithoutAction(version.deployed, 'ssm:DeleteParameter') });
  expect(await chunkFailure(deletes[0], withoutDelete)).toMatch(new RegExp(
    `^${PATH}#chunk-1: ${destroyedByLast.length} member\\(s\\) of chunk 2 of 2 failed\\. ${PATH}/app/m\\d+: ssm:DeleteParameter failed: access denied for ssm:DeleteParameter on parameter ${PATH}/app/m\\d+\\. `,
  ));
  expect(await storedUnder(scenario.admin, PATH)).toEqual(before);

  const deleted: string[] = [];
  for (const event of deletes) {
    const { clients, sent } = recordedSsm(version.deployed.handlerClients());
    await chunkSucceeds(event, clients);
    deleted.push(...sent.filter((s) => s.command === 'DeleteParameter').map((s) => s.input.Name));
  }

  const after = await storedUnder(scenario.admin, PATH);
  const kept = (name: string) => name === OTHERS || retained(Number(name.split('/m')[1]));
  expect([...after.keys()].sort()).toEqual([...before.keys()].filter(kept).sort());
  expect(deleted.sort()).toEqual([...before.keys()].filter((name) => !kept(name)).sort());
  for (const [name, parameter] of after) {
    expect([name, parameter]).toEqual([name, before.get(name)]);
  }
  const ownersAfter = await ownersOf(scenario.admin, [...after.keys()]);
  expect(ownersAfter).toEqual(new Map([...after.keys()].map((name) => [name, ownersBefore.get(name)])));
  expect(ownersAfter.get(OTHERS)).toBe(`${OTHER_STACK}/${chunkIds(other)[0]}`);
}, 120_000);

test('the rollback Delete of a Create that met another stack\'s parameter deletes what the Create made, and leaves the other stack\'s', async () => {
  const path = '/batch/clash';
  const other = await deployVersion(scenario.moto, (stack: Stack) => {
    const h = new ParameterHierarchy(stack, 'TeamB', { path, deployment: HierarchyDeployment.batched() });
    h.addSecureString('Token', { name: 'shared/token', value: SecureValue.generated() });
  }, { stackName: 'SharedOwnerStack' });
  await chunkSucceeds(createEventFor(other.deployed, chunkIds(other)[0]), other.deployed.handlerClients());
  const theirs = (await storedUnder(scenario.admin, path)).get(`${path}/shared/token`);
  // our stack names the same member: its Create fails on that one, and CloudFormation deletes the chunk
  const ours = await deployVersion(scenario.moto, described(path, 3, (h) => h.addSecureString('Clash', { name: 'shared/token', value: SecureValue.generated() })));
  const [chunk] = chunkIds(ours);

  const reason = await chunkFailure(createEventFor(ours.deployed, chunk), ours.deployed.handlerClients());
  expect(reason).toContain(`${path}/shared/token already exists and is not managed by this resource (ScenarioStack/${chunk}): it is owned by SharedOwnerStack/${chunkIds(other)[0]}`);
  expect((await storedUnder(scenario.admin, path)).size).toBe(4);
  await chunkSucceeds(deleteEventFor(ours.deployed, chunk, `${path}#chunk-0`), ours.deployed.handlerClients());

  // m0 is RETAIN; m1 and m2 were made by the failed Create and go with it
  const left = await storedUnder(scenario.admin, path);
  expect([...left.keys()].sort()).toEqual([`${path}/app/m0`, `${path}/shared/token`]);
  expect(left.get(`${path}/shared/token`)).toEqual(theirs);
});
