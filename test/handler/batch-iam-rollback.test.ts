import { MIX, MIX_CHUNK, MIX_PATH, MixVersion, OPERATOR_VALUE, mixTemplate, operatorSetsPlaceholder } from './batch-mix';
import { StoredParameter, chunkFailure, chunkIds, chunkSucceeds, ownerOf, ownersOf, recordedSsm, storedUnder } from './batch-scenario';
import { Scenario, deployVersion, handlerPoliciesWithoutAction, history, scenarioPerFile, tagsOf } from './iam-scenario';
import { REMOVED_TAG_KEY } from '../../lib/private/handler-protocol';
import { STACK_RECORDS } from '../helpers/stack-records';
import { createEventFor, deleteEventFor, updateEventFor } from '../helpers/template-events';

/**
 * CloudFormation's rollback of the mixed Update (batch-mix.ts): another Update of the chunk, from version 2's
 * properties back to version 1's, then the cleanup Delete of the generation the rollback replaced, which
 * deletes what the failed deploy added with DESTROY. Real SDK, moto_server, the IAM layer.
 */
let scenario: Scenario;
let v2: MixVersion;
let chunk: string;
let keyArn: string;
/** Every parameter under the path after version 1 (and the operator's value), and after version 2. */
let before: Map<string, StoredParameter>;
let updated: Map<string, StoredParameter>;
/** The physical id version 2's Update answered (it marked the removed DESTROY member). */
let v2Id: string;

scenarioPerFile((started) => {
  scenario = started;
});

beforeAll(async () => {
  const v1 = await deployVersion(scenario.moto, mixTemplate(1));
  [chunk] = chunkIds(v1);
  keyArn = v1.deployed.keyArn(v1.deployed.logicalId(v1.built.encryptionKey));
  await chunkSucceeds(createEventFor(v1.deployed, chunk), v1.deployed.handlerClients());
  await operatorSetsPlaceholder(scenario.admin, v1);
  before = await storedUnder(scenario.admin, MIX_PATH);
  v2 = await deployVersion(scenario.moto, mixTemplate(2), { updates: v1.deployed });
  v2Id = (await chunkSucceeds(updateEventFor(v2.deployed, v1.deployed, chunk, MIX_CHUNK), v2.deployed.handlerClients())).PhysicalResourceId;
  updated = await storedUnder(scenario.admin, MIX_PATH);
}, 120_000);

/** Each member's value and attributes, without the version (a restore writes a new version). */
const content = ({ value, type, keyId, description, tier }: StoredParameter) => ({ value, type, keyId, description, tier });

test('the rollback Update brings every member back to its value and attributes; generated values come back from their labels', async () => {
  const back = await deployVersion(scenario.moto, mixTemplate(1), { updates: v2.deployed });
  const rollback = updateEventFor(back.deployed, v2.deployed, chunk, v2Id);
  const changedBack = [...MIX.rotated, ...MIX.redescribed, MIX.placeholder];
  const labels = new Map<string, string[]>();
  for (const name of MIX.rotated) labels.set(name, (await history(scenario.admin, name)).map((v) => (v.Labels ?? []).join()));

  // the old values are read back through Parameter Store: without kms:Decrypt exactly the changed members fail
  const withoutDecrypt = back.deployed.handlerClients({ identityPolicies: handlerPoliciesWithoutAction(back.deployed, 'kms:Decrypt') });
  const reason = await chunkFailure(rollback, withoutDecrypt);
  expect(reason).toMatch(new RegExp(`^${v2Id}: ${changedBack.length} member\\(s\\) of chunk 1 of 1 failed; the others are written\\. `));
  expect(reason).toContain(`: ssm:GetParameter failed: access denied for kms:Decrypt on KMS key ${keyArn}. Allow kms:Decrypt for the handler's role in the key policy`);
  const denied = await storedUnder(scenario.admin, MIX_PATH);
  expect(changedBack.map((name) => denied.get(name))).toEqual(changedBack.map((name) => updated.get(name)));

  const { clients, sent } = recordedSsm(back.deployed.handlerClients());
  const rolledBack = await chunkSucceeds(rollback, clients);

  const after = await storedUnder(scenario.admin, MIX_PATH);
  for (const name of [...MIX.untouched, MIX.removedRetained]) {
    expect([name, after.get(name)]).toEqual([name, before.get(name)]);
  }
  for (const name of [...MIX.rotated, ...MIX.redescribed]) {
    expect([name, content(after.get(name)!)]).toEqual([name, content(before.get(name)!)]);
  }
  expect(after.get(MIX.placeholder)).toMatchObject({ value: OPERATOR_VALUE, description: 'first' });
  // restored, not regenerated: the version labelled with generation 1's source is read, and its label moves to the new version
  for (const name of MIX.rotated) {
    const [generation1, generation2] = labels.get(name)!;
    expect([generation1, generation2]).toEqual([expect.stringMatching(/^src-[0-9a-f]+$/), expect.stringMatching(/^src-[0-9a-f]+$/)]);
    expect((await history(scenario.admin, name)).map((v) => [v.Version, (v.Labels ?? []).join()])).toEqual([[1, ''], [2, generation2], [3, generation1]]);
    expect(sent).toContainEqual({ command: 'GetParameter', input: { Name: `${name}:${generation1}`, WithDecryption: true } });
  }
  // the DESTROY member version 2 removed was only marked: it is back with its value and version
  expect(after.get(MIX.removedDestroyed)).toEqual(before.get(MIX.removedDestroyed));
  expect((await tagsOf(scenario.admin, MIX.removedDestroyed))[REMOVED_TAG_KEY]).toBeUndefined();
  // the members the failed deploy added: RETAIN ones kept; DESTROY ones marked by the rollback's generation...
  for (const name of MIX.addedRetained) {
    expect(after.get(name)).toEqual(updated.get(name));
  }
  for (const name of MIX.addedDestroyed) {
    expect((await tagsOf(scenario.admin, name))[REMOVED_TAG_KEY]).toBe(rolledBack.PhysicalResourceId);
  }
  const owners = await ownersOf(scenario.admin, [...after.keys()]);
  expect(new Set(owners.values())).toEqual(new Set([ownerOf(back, chunk)]));

  // ...and deleted by the cleanup of the generation the rollback replaced
  STACK_RECORDS.record(back.deployed.stackId, chunk, rolledBack.PhysicalResourceId);
  await chunkSucceeds(deleteEventFor(v2.deployed, chunk, v2Id), back.deployed.handlerClients());
  const cleaned = await storedUnder(scenario.admin, MIX_PATH);
  expect(MIX.addedDestroyed.filter((name) => cleaned.has(name))).toEqual([]);
  expect(new Map([...after].filter(([name]) => !MIX.addedDestroyed.includes(name)))).toEqual(cleaned);
}, 120_000);
