import { MIX, MIX_ADDED, MIX_CHANGED, MIX_CHUNK, MIX_PATH, MixVersion, OPERATOR_VALUE, mixTemplate, operatorSetsPlaceholder } from './batch-mix';
import { StoredParameter, chunkFailure, chunkIds, chunkSucceeds, ownerOf, ownersOf, recordedSsm, storedUnder } from './batch-scenario';
import { Scenario, deployVersion, handlerPoliciesWithoutAction, scenarioPerFile } from './iam-scenario';
import { STACK_RECORDS } from '../helpers/stack-records';
import { createEventFor, deleteEventFor, updateEventFor } from '../helpers/template-events';

/**
 * One Update of a batched chunk with every kind of member change at once (batch-mix.ts): the diff touches
 * only what changed, each change with per-parameter semantics. Real SDK, moto_server, the IAM layer.
 */
let scenario: Scenario;
let v1: MixVersion;
/** Every parameter under the path once version 1 is deployed and the operator has set the placeholder. */
let before: Map<string, StoredParameter>;

scenarioPerFile((started) => {
  scenario = started;
});

beforeAll(async () => {
  v1 = await deployVersion(scenario.moto, mixTemplate(1));
  const [chunk] = chunkIds(v1);
  await chunkSucceeds(createEventFor(v1.deployed, chunk), v1.deployed.handlerClients());
  await operatorSetsPlaceholder(scenario.admin, v1);
  before = await storedUnder(scenario.admin, MIX_PATH);
}, 120_000);

test('changed, added, removed, untouched and an operator\'s placeholder in one Update: a write per change or addition, none for the rest', async () => {
  const v2 = await deployVersion(scenario.moto, mixTemplate(2), { updates: v1.deployed });
  const [chunk] = chunkIds(v2);
  expect(chunkIds(v1)).toEqual([chunk]);
  const update = updateEventFor(v2.deployed, v1.deployed, chunk, MIX_CHUNK);

  // without the two write actions, exactly the members that need a write fail, and nothing changes
  const readOnly = v2.deployed.handlerClients({ identityPolicies: handlerPoliciesWithoutAction(v2.deployed, 'ssm:PutParameter', 'ssm:DeleteParameter') });
  const reason = await chunkFailure(update, readOnly);
  expect(reason).toMatch(new RegExp(`^${MIX_CHUNK}: ${MIX_CHANGED.length + MIX_ADDED.length} member\\(s\\) of chunk 1 of 1 failed; the others are written\\. `));
  expect(reason).toMatch(/: ssm:PutParameter failed: access denied for ssm:PutParameter on parameter \/batch\/mix\/[a-z/-]+\d\. Allow ssm:PutParameter on parameter /);
  expect(await storedUnder(scenario.admin, MIX_PATH)).toEqual(before);

  const { clients, count, touched } = recordedSsm(v2.deployed.handlerClients());
  const response = await chunkSucceeds(update, clients);

  // the removed DESTROY member is marked, not deleted: the Update answers the chunk's next generation
  const nextId = response.PhysicalResourceId;
  expect(response).toMatchObject({ PhysicalResourceId: expect.stringMatching(/^\/batch\/mix#chunk-0@[0-9a-f]{12}$/), Data: { Path: MIX_PATH, Arn: `arn:aws:ssm:eu-west-1:111111111111:parameter${MIX_PATH}` } });
  expect([count('PutParameter'), count('DeleteParameter')]).toEqual([MIX_CHANGED.length + MIX_ADDED.length, 0]);
  expect(MIX.untouched.filter((name) => touched().has(name))).toEqual([]);
  const after = await storedUnder(scenario.admin, MIX_PATH);
  // untouched, and removed with RETAIN: the very same version
  for (const name of [...MIX.untouched, MIX.removedRetained]) {
    expect([name, after.get(name)]).toEqual([name, before.get(name)]);
  }
  expect(after.get(MIX.removedDestroyed)).toEqual(before.get(MIX.removedDestroyed));
  for (const name of MIX.rotated) {
    expect(after.get(name)).toMatchObject({ version: 2, value: expect.stringMatching(/^.{32}$/) });
    expect(after.get(name)!.value).not.toBe(before.get(name)!.value);
  }
  for (const name of MIX.redescribed) {
    expect(after.get(name)).toEqual({ ...before.get(name), version: 2, description: 'second' });
  }
  // version 1 written by the handler, 2 by the operator, 3 the new description with the operator's value
  expect(after.get(MIX.placeholder)).toMatchObject({ version: 3, value: OPERATOR_VALUE, description: 'second' });
  for (const name of MIX_ADDED) {
    expect(after.get(name)).toMatchObject({ version: 1, type: 'SecureString', keyId: before.get(MIX.removedRetained)!.keyId, value: expect.stringMatching(/^.{32}$/) });
  }
  const owners = await ownersOf(scenario.admin, [...after.keys()]);
  expect(new Set(owners.values())).toEqual(new Set([ownerOf(v2, chunk)]));

  // the deploy succeeded: CloudFormation records the new id and deletes the previous one, which deletes what
  // the new one marked, and only that (the previous id's properties list every member of version 1)
  STACK_RECORDS.record(v2.deployed.stackId, chunk, nextId);
  const cleanup = recordedSsm(v2.deployed.handlerClients());
  await chunkSucceeds(deleteEventFor(v1.deployed, chunk, MIX_CHUNK), cleanup.clients);
  expect([cleanup.count('PutParameter'), cleanup.count('DeleteParameter')]).toEqual([0, 1]);
  const cleaned = await storedUnder(scenario.admin, MIX_PATH);
  expect(cleaned.has(MIX.removedDestroyed)).toBe(false);
  expect(new Map([...after].filter(([name]) => name !== MIX.removedDestroyed))).toEqual(cleaned);
}, 120_000);
