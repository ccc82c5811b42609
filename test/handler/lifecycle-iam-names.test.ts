import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  STACK_NAME,
  Scenario,
  decrypted,
  deployVersion,
  expectGone,
  failureOf,
  handlerPoliciesWithout,
  handlerPoliciesWithoutAction,
  history,
  run,
  scenarioPerFile,
  succeeds,
  tagsOf,
} from './iam-scenario';
import { SecureStringParameter, SecureValue } from '../../lib';
import { ADOPTED_TAG_KEY, OWNER_TAG_KEY } from '../../lib/private/handler-protocol';
import { DeployedStack } from '../helpers/deployed-stack';
import { createEventFor, deleteEventFor, updateEventFor } from '../helpers/template-events';

/**
 * Renames, removed names and adoption under IAM, with the events CloudFormation sends: a rename answers a
 * new physical id and the old one gets a Delete in the cleanup phase, while the NEW template's policies are
 * live; a removed resource gets a Delete in the cleanup phase too; a failed or rolled-back Create a Delete.
 */
let scenario: Scenario;

scenarioPerFile((started) => {
  scenario = started;
});

/** S2 is what reaches a name the current template no longer covers. */
const withoutOwnedReach = (deployed: DeployedStack) => deployed.handlerClients({ identityPolicies: handlerPoliciesWithout(deployed, 'ReachParametersThisStackOwns') });

type SecretOptions = Partial<ConstructorParameters<typeof SecureStringParameter>[2]>;

/** A stack with one SecureString per entry, each under its construct id. */
function secrets(entries: Record<string, SecretOptions & { parameterName: string }>) {
  return (stack: Stack) => {
    const made = Object.entries(entries).map(
      ([id, options]) => new SecureStringParameter(stack, id, { value: SecureValue.generated(), removalPolicy: RemovalPolicy.DESTROY, ...options }),
    );
    return (deployed: DeployedStack) => made.map((p) => deployed.logicalId(p));
  };
}

describe('rename across paths', () => {
  test('DESTROY: the value is carried to /rb/x, then the cleanup Delete of /ra/x under the new template\'s role removes it', async () => {
    const v1 = await deployVersion(scenario.moto, secrets({ Secret: { parameterName: '/ra/x' } }));
    const [id] = v1.built(v1.deployed);
    await succeeds(createEventFor(v1.deployed, id), v1.deployed.handlerClients());
    const value = await decrypted(scenario.admin, '/ra/x');
    const v2 = await deployVersion(scenario.moto, secrets({ Secret: { parameterName: '/rb/x' } }), { updates: v1.deployed });
    const rename = updateEventFor(v2.deployed, v1.deployed, id, '/ra/x');

    // the new template covers rb/* only: the old name is reached through its owner tag
    expect(await failureOf(rename, withoutOwnedReach(v2.deployed))).toContain('ssm:GetParameter failed: access denied for ssm:GetParameter on parameter /ra/x');
    await expectGone(scenario.admin, '/rb/x');
    const response = await succeeds(rename, v2.deployed.handlerClients());
    expect(response.PhysicalResourceId).toBe('/rb/x');
    expect(await decrypted(scenario.admin, '/rb/x')).toBe(value);

    const cleanup = deleteEventFor(v1.deployed, id, '/ra/x');
    expect(await failureOf(cleanup, withoutOwnedReach(v2.deployed))).toContain('access denied for ssm:DeleteParameter on parameter /ra/x');
    expect(await decrypted(scenario.admin, '/ra/x')).toBe(value);
    await succeeds(cleanup, v2.deployed.handlerClients());

    await expectGone(scenario.admin, '/ra/x');
    expect(await decrypted(scenario.admin, '/rb/x')).toBe(value);
  });

  test('RETAIN: CloudFormation sends no cleanup Delete, both names hold the value, and a rename back takes the old name again', async () => {
    const retained = (parameterName: string) => secrets({ Secret: { parameterName, removalPolicy: RemovalPolicy.RETAIN } });
    const v1 = await deployVersion(scenario.moto, retained('/rr/x'));
    const [id] = v1.built(v1.deployed);
    await succeeds(createEventFor(v1.deployed, id), v1.deployed.handlerClients());
    const value = await decrypted(scenario.admin, '/rr/x');

    const v2 = await deployVersion(scenario.moto, retained('/rs/x'), { updates: v1.deployed });
    expect(Template.fromStack(v2.stack).toJSON().Resources[id]).toMatchObject({ UpdateReplacePolicy: 'Retain', DeletionPolicy: 'Retain' });
    expect((await succeeds(updateEventFor(v2.deployed, v1.deployed, id, '/rr/x'), v2.deployed.handlerClients())).PhysicalResourceId).toBe('/rs/x');
    expect([await decrypted(scenario.admin, '/rr/x'), await decrypted(scenario.admin, '/rs/x')]).toEqual([value, value]);
    expect((await tagsOf(scenario.admin, '/rr/x'))[OWNER_TAG_KEY]).toBe(`${STACK_NAME}/${id}`);

    const v3 = await deployVersion(scenario.moto, retained('/rr/x'), { updates: v2.deployed });
    const back = updateEventFor(v3.deployed, v2.deployed, id, '/rs/x');
    expect((await succeeds(back, v3.deployed.handlerClients())).PhysicalResourceId).toBe('/rr/x');
    expect(await decrypted(scenario.admin, '/rr/x')).toBe(value);
  });
});

describe('a → /a is the same parameter', () => {
  test('the old physical id is answered, nothing is written, and no cleanup Delete is due', async () => {
    const v1 = await deployVersion(scenario.moto, secrets({ Secret: { parameterName: 'canonical' } }));
    const [id] = v1.built(v1.deployed);
    await succeeds(createEventFor(v1.deployed, id), v1.deployed.handlerClients());
    const value = await decrypted(scenario.admin, 'canonical');
    const v2 = await deployVersion(scenario.moto, secrets({ Secret: { parameterName: '/canonical' } }), { updates: v1.deployed });

    const response = await succeeds(updateEventFor(v2.deployed, v1.deployed, id, 'canonical'), v2.deployed.handlerClients());

    // an unchanged physical id is an ordinary update: CloudFormation sends no Delete for it
    expect(response).toMatchObject({ PhysicalResourceId: 'canonical', Data: { Version: '1', Arn: 'arn:aws:ssm:eu-west-1:111111111111:parameter/canonical' } });
    expect((await history(scenario.admin, '/canonical')).map((v) => [v.Version, v.Value])).toEqual([[1, value]]);
  });
});

describe('DESTROY cleanup of a name removed from the template', () => {
  test('the cleanup Delete, with the new template\'s role, deletes the removed parameter and nothing else', async () => {
    const v1 = await deployVersion(scenario.moto, secrets({ Kept: { parameterName: '/keep/x' }, Removed: { parameterName: '/gone/x' } }));
    const [keptId, removedId] = v1.built(v1.deployed);
    for (const id of [keptId, removedId]) await succeeds(createEventFor(v1.deployed, id), v1.deployed.handlerClients());
    const kept = await decrypted(scenario.admin, '/keep/x');
    const v2 = await deployVersion(scenario.moto, secrets({ Kept: { parameterName: '/keep/x' } }), { updates: v1.deployed });
    const cleanup = deleteEventFor(v1.deployed, removedId, '/gone/x');

    expect(await failureOf(cleanup, withoutOwnedReach(v2.deployed))).toContain('/gone/x: ssm:DeleteParameter failed: access denied for ssm:DeleteParameter on parameter /gone/x');
    await succeeds(cleanup, v2.deployed.handlerClients());

    await expectGone(scenario.admin, '/gone/x');
    expect(await decrypted(scenario.admin, '/keep/x')).toBe(kept);
  });
});

describe('a failed Create is followed by a Delete', () => {
  test('the Delete of a name the failed Create never wrote succeeds and touches nothing', async () => {
    const name = '/failed/create';
    const { deployed, built } = await deployVersion(scenario.moto, secrets({ Secret: { parameterName: name } }));
    const [id] = built(deployed);
    const withoutEncrypt = deployed.handlerClients({ identityPolicies: handlerPoliciesWithoutAction(deployed, 'kms:Encrypt') });

    const failed = await run(createEventFor(deployed, id), withoutEncrypt);
    const deleted = await succeeds(deleteEventFor(deployed, id, failed.PhysicalResourceId), deployed.handlerClients());

    expect(failed).toMatchObject({ Status: 'FAILED', PhysicalResourceId: `${name}#not-created` });
    expect(deleted.PhysicalResourceId).toBe(`${name}#not-created`);
    await expectGone(scenario.admin, name);
  });

  test('a stack re-created over its retained parameter: the rollback of a failed Create leaves the parameter and its value', async () => {
    const name = '/failed/retained';
    const first = await deployVersion(scenario.moto, secrets({ Secret: { parameterName: name, removalPolicy: RemovalPolicy.DESTROY } }));
    const [firstId] = first.built(first.deployed);
    await succeeds(createEventFor(first.deployed, firstId), first.deployed.handlerClients());
    const value = await decrypted(scenario.admin, name);
    // the stack is deleted (the parameter retained) and created again: same stack name and logical id, new stack id
    const again = await deployVersion(scenario.moto, secrets({ Secret: { parameterName: name, removalPolicy: RemovalPolicy.DESTROY } }));
    const [id] = again.built(again.deployed);
    const withoutEncrypt = again.deployed.handlerClients({ identityPolicies: handlerPoliciesWithoutAction(again.deployed, 'kms:Encrypt') });

    const failed = await run(createEventFor(again.deployed, id), withoutEncrypt);
    await succeeds(deleteEventFor(again.deployed, id, failed.PhysicalResourceId), again.deployed.handlerClients());

    expect(failed).toMatchObject({ Status: 'FAILED', PhysicalResourceId: `${name}#not-created` });
    expect(await decrypted(scenario.admin, name)).toBe(value);
  });
});

describe('adoptExisting', () => {
  const adopting = (parameterName: string) => secrets({ Secret: { parameterName, adoptExisting: true } });

  async function existing(deployed: DeployedStack, id: string, name: string, value: string, owner?: string) {
    const KeyId = deployed.properties(id).KeyId as string;
    const Tags = owner === undefined ? undefined : [{ Key: OWNER_TAG_KEY, Value: owner }];
    await scenario.admin.ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'SecureString', KeyId, Tags }));
  }

  test('a parameter another stack owns is refused, the reason names the owner, and the Delete after the failed Create leaves it', async () => {
    const name = '/adopt/owned';
    const { deployed, built } = await deployVersion(scenario.moto, adopting(name));
    const [id] = built(deployed);
    await existing(deployed, id, name, 'theirs', 'OtherStack/X');

    const reason = await failureOf(createEventFor(deployed, id), deployed.handlerClients());
    await succeeds(deleteEventFor(deployed, id, name), deployed.handlerClients());

    expect(reason).toContain(`${name} already exists and is not managed by this resource (${STACK_NAME}/${id}): it is owned by OtherStack/X. adoptExisting never takes a parameter from another stack`);
    expect(await decrypted(scenario.admin, name)).toBe('theirs');
    expect(await tagsOf(scenario.admin, name)).toEqual({ [OWNER_TAG_KEY]: 'OtherStack/X' });
  });

  test('an untagged parameter is adopted with its value; the rollback\'s Delete releases it and the value stays', async () => {
    const name = '/adopt/untagged';
    const { deployed, built } = await deployVersion(scenario.moto, adopting(name));
    const [id] = built(deployed);
    await existing(deployed, id, name, 'made-by-hand');

    await succeeds(createEventFor(deployed, id), deployed.handlerClients());
    expect(await decrypted(scenario.admin, name)).toBe('made-by-hand');
    expect(await tagsOf(scenario.admin, name)).toEqual({ [OWNER_TAG_KEY]: `${STACK_NAME}/${id}`, [ADOPTED_TAG_KEY]: 'true' });

    const rollbackDelete = deleteEventFor(deployed, id, name);
    // releasing is untagging: denied, the Delete fails and the parameter is not deleted in its place
    const withoutUntag = deployed.handlerClients({ identityPolicies: handlerPoliciesWithoutAction(deployed, 'ssm:RemoveTagsFromResource') });
    expect(await failureOf(rollbackDelete, withoutUntag)).toContain('access denied for ssm:RemoveTagsFromResource on parameter /adopt/untagged');
    await succeeds(rollbackDelete, deployed.handlerClients());

    expect(await decrypted(scenario.admin, name)).toBe('made-by-hand');
    expect(await tagsOf(scenario.admin, name)).toEqual({});
  });
});
