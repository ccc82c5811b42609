import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { chunkFailure, chunkIds, chunkSucceeds, membersOf, ownerOf, ownersOf, recordedSsm, storedUnder } from './batch-scenario';
import { Scenario, StackVersion, deployVersion, handlerPoliciesWithoutAction, scenarioPerFile } from './iam-scenario';
import { HierarchyDeployment, ParameterHierarchy, SecureValue } from '../../lib';
import { chunkOf } from '../../lib/private/batch-protocol';
import { DeployedStack } from '../helpers/deployed-stack';
import { createEventFor, deleteEventFor, updateEventFor } from '../helpers/template-events';

/**
 * A batched hierarchy that needs a second chunk once members are added: at 0.05 writes per second a chunk
 * holds 24 members (480 s of writes), so 20 members fit one chunk and 30 need two. CloudFormation updates
 * chunk 0 (the members jump hashing gives chunk 1 are handed over), then creates chunk 1 (which takes them
 * over); its rollback updates chunk 0 back and deletes chunk 1. Real SDK, moto_server, the IAM layer.
 *
 * At that rate each write after the first waits 20 s, so nothing here is written at 0.05: the members exist
 * beforehand, written by a version of the template at 10 writes per second (the rate is a property of the
 * chunk, not of a member). That makes the point of the test checkable: moving members writes nothing, which
 * the handler proves by succeeding with a role that may not call ssm:PutParameter or ssm:DeleteParameter.
 */
let scenario: Scenario;

scenarioPerFile((started) => {
  scenario = started;
});

const PATH = '/batch/grow';
/** DESTROY: a chunk that deleted a member it had handed over would lose it. */
const ORIGINALS = Array.from({ length: 20 }, (_, i) => `${PATH}/app/original-${i}`);
/** RETAIN: kept in Parameter Store when left out of the template, so adding them back writes nothing. */
const EXTRAS = Array.from({ length: 10 }, (_, i) => `${PATH}/app/extra-${i}`);

function growing(names: readonly string[], writesPerSecond: number) {
  return (stack: Stack) => {
    const h = new ParameterHierarchy(stack, 'Grow', { path: PATH, removalPolicy: RemovalPolicy.DESTROY, deployment: HierarchyDeployment.batched({ writesPerSecond }) });
    for (const name of names) {
      const relative = name.slice(PATH.length + 1);
      h.addSecureString(relative.replace(/\W/g, ''), {
        name: relative,
        value: SecureValue.generated(),
        removalPolicy: EXTRAS.includes(name) ? RemovalPolicy.RETAIN : undefined,
      });
    }
    return h;
  };
}

/** The handler's role without the two write actions: every event below must succeed with it. */
const writeless = (deployed: DeployedStack) => deployed.handlerClients({ identityPolicies: handlerPoliciesWithoutAction(deployed, 'ssm:PutParameter', 'ssm:DeleteParameter') });

/** The owner tag the chunk that lists each name in `version` puts on it. */
function expectedOwners(version: StackVersion<unknown>, names: readonly string[]): Map<string, string> {
  const chunks = chunkIds(version);
  const listed = new Map(chunks.flatMap((chunk) => membersOf(version, chunk).map((name): [string, string] => [name, ownerOf(version, chunk)])));
  // the template and the hash agree on each member's chunk
  expect(names.map((name) => listed.get(name))).toEqual(names.map((name) => ownerOf(version, chunks[chunkOf(name, chunks.length)])));
  return new Map(names.map((name) => [name, listed.get(name)!]));
}

test('from 20 to 30 members at 0.05 writes per second: two chunks, members moved without a write, and the rollback loses nothing', async () => {
  const all = [...ORIGINALS, ...EXTRAS];
  const v0 = await deployVersion(scenario.moto, growing(all, 10));
  const [chunk0] = chunkIds(v0);
  await chunkSucceeds(createEventFor(v0.deployed, chunk0), v0.deployed.handlerClients());
  const written = await storedUnder(scenario.admin, PATH);
  expect(written.size).toBe(30);
  // 20 members at 0.05: one chunk; the rate changes and the extras leave (kept), without a write
  const v1 = await deployVersion(scenario.moto, growing(ORIGINALS, 0.05), { updates: v0.deployed });
  expect(chunkIds(v1)).toEqual([chunk0]);
  await chunkSucceeds(updateEventFor(v1.deployed, v0.deployed, chunk0, `${PATH}#chunk-0`), writeless(v1.deployed));

  const v2 = await deployVersion(scenario.moto, growing(all, 0.05), { updates: v1.deployed });
  const [, chunk1] = chunkIds(v2);
  expect(chunkIds(v2)).toEqual([chunk0, chunk1]);
  const moved = membersOf(v2, chunk1).filter((name) => ORIGINALS.includes(name));
  expect([moved.length, membersOf(v2, chunk1).length - moved.length]).toEqual([12, 7]);
  const grow0 = updateEventFor(v2.deployed, v1.deployed, chunk0, `${PATH}#chunk-0`);
  // chunk 0 hands the moved members over by their owner tag: without ssm:AddTagsToResource each of them fails
  const withoutTagging = v2.deployed.handlerClients({ identityPolicies: handlerPoliciesWithoutAction(v2.deployed, 'ssm:AddTagsToResource') });
  expect(await chunkFailure(grow0, withoutTagging)).toMatch(new RegExp(
    `^${PATH}#chunk-0: 12 member\\(s\\) of chunk 1 of 2 failed; the others are written\\. ${PATH}/app/original-\\d+: ssm:AddTagsToResource failed: access denied for ssm:AddTagsToResource on parameter ${PATH}/app/original-\\d+\\. `,
  ));

  await chunkSucceeds(grow0, writeless(v2.deployed));
  await chunkSucceeds(createEventFor(v2.deployed, chunk1), writeless(v2.deployed));

  expect(await storedUnder(scenario.admin, PATH)).toEqual(written);
  const grownOwners = expectedOwners(v2, all);
  expect(await ownersOf(scenario.admin, all)).toEqual(grownOwners);

  // the rollback: chunk 0 back to 20 members (it takes the moved ones back), then chunk 1 deleted
  const back = await deployVersion(scenario.moto, growing(ORIGINALS, 0.05), { updates: v2.deployed });
  await chunkSucceeds(updateEventFor(back.deployed, v2.deployed, chunk0, `${PATH}#chunk-0`), writeless(back.deployed));
  // with the full role: a Delete of the moved members would succeed, and this test would see them gone
  const { clients, count } = recordedSsm(v2.deployed.handlerClients());
  await chunkSucceeds(deleteEventFor(v2.deployed, chunk1, `${PATH}#chunk-1`), clients);

  expect(count('DeleteParameter')).toBe(0);
  expect(await storedUnder(scenario.admin, PATH)).toEqual(written);
  const owners = await ownersOf(scenario.admin, all);
  expect(ORIGINALS.map((name) => owners.get(name))).toEqual(ORIGINALS.map(() => ownerOf(back, chunk0)));
  // the extras stay where the grown template put them: retained members keep their last owner tag
  expect(EXTRAS.map((name) => owners.get(name))).toEqual(EXTRAS.map((name) => grownOwners.get(name)));
}, 60_000);
