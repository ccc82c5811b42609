import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { chunkIds, chunkSucceeds, ownerOf, ownersOf, recordedSsm, storedUnder } from './batch-scenario';
import { Scenario, StackVersion, deployVersion, handlerPoliciesWithoutAction, scenarioPerFile, succeeds } from './iam-scenario';
import { HierarchyDeployment, ParameterHierarchy, SecureValue } from '../../lib';
import { STACK_RECORDS } from '../helpers/stack-records';
import { createEventFor, deleteEventFor } from '../helpers/template-events';

/**
 * A hierarchy switched between per-parameter and batched deployment, in CloudFormation's order: the new
 * resources are created (and take the parameters over, as resources of the same stack), then the cleanup
 * deletes the old ones, which find the parameters owned by others and leave them. Every value and version
 * survives, with no PutParameter. Real SDK, moto_server, the IAM layer.
 */
let scenario: Scenario;

scenarioPerFile((started) => {
  scenario = started;
});

const PATH = '/batch/switch';
const NAMES = Array.from({ length: 12 }, (_, i) => `svc/s${i}`);

function hierarchy(deployment: HierarchyDeployment) {
  return (stack: Stack) => {
    const h = new ParameterHierarchy(stack, 'Switch', { path: PATH, removalPolicy: RemovalPolicy.DESTROY, deployment });
    NAMES.forEach((name, i) => h.addSecureString(`S${i}`, { name, value: SecureValue.generated() }));
    return h;
  };
}

function perParameterIds(version: StackVersion<unknown>): string[] {
  return Object.keys(Template.fromStack(version.stack).findResources('Custom::SecureStringParameter'));
}

test('per parameter → batched → per parameter: the same values and versions (no new one), each cleanup Delete leaves what the new resources took', async () => {
  const perParameter = await deployVersion(scenario.moto, hierarchy(HierarchyDeployment.perParameter()));
  for (const id of perParameterIds(perParameter)) {
    await succeeds(createEventFor(perParameter.deployed, id), perParameter.deployed.handlerClients());
  }
  const before = await storedUnder(scenario.admin, PATH);
  expect(before.size).toBe(NAMES.length);

  // to batched: the chunk's Create claims every parameter without a write (proven without PutParameter)...
  const toBatched = hierarchy(HierarchyDeployment.batched({ writesPerSecond: 10 }));
  const batched = await deployVersion(scenario.moto, toBatched, { updates: perParameter.deployed });
  const [chunk] = chunkIds(batched);
  const writeless = batched.deployed.handlerClients({ identityPolicies: handlerPoliciesWithoutAction(batched.deployed, 'ssm:PutParameter', 'ssm:DeleteParameter') });
  const created = await chunkSucceeds(createEventFor(batched.deployed, chunk), writeless);
  STACK_RECORDS.record(batched.deployed.stackId, chunk, created.PhysicalResourceId);
  expect(new Set((await ownersOf(scenario.admin, [...before.keys()])).values())).toEqual(new Set([ownerOf(batched, chunk)]));
  // ...and the cleanup Deletes of the per-parameter resources (DESTROY) find another owner: nothing deleted
  const cleanup = recordedSsm(batched.deployed.handlerClients());
  for (const id of perParameterIds(perParameter)) {
    await succeeds(deleteEventFor(perParameter.deployed, id, perParameter.deployed.properties(id).Name), cleanup.clients);
  }
  expect([cleanup.count('PutParameter'), cleanup.count('DeleteParameter')]).toEqual([0, 0]);
  expect(await storedUnder(scenario.admin, PATH)).toEqual(before);

  // and back: each per-parameter Create takes its parameter back; the chunk's Delete (its own id, as
  // CloudFormation records it until the cleanup) deletes nothing it no longer owns
  const back = await deployVersion(scenario.moto, hierarchy(HierarchyDeployment.perParameter()), { updates: batched.deployed });
  const backClients = recordedSsm(back.deployed.handlerClients());
  for (const id of perParameterIds(back)) {
    await succeeds(createEventFor(back.deployed, id), backClients.clients);
  }
  await chunkSucceeds(deleteEventFor(batched.deployed, chunk, created.PhysicalResourceId), backClients.clients);
  // a per-parameter Create first tries Overwrite: false, which Parameter Store refuses: no new version
  expect([backClients.count('PutParameter'), backClients.count('DeleteParameter')]).toEqual([NAMES.length, 0]);
  expect(await storedUnder(scenario.admin, PATH)).toEqual(before);
  const owners = await ownersOf(scenario.admin, [...before.keys()]);
  expect([...owners.values()].every((owner) => owner?.startsWith(`${back.deployed.stackName}/`) && owner !== ownerOf(batched, chunk))).toBe(true);
}, 180_000);
