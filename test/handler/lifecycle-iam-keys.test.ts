import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import {
  STACK_NAME,
  Scenario,
  decrypted,
  deployVersion,
  failureOf,
  handlerPoliciesReplacing,
  handlerPoliciesWithout,
  handlerPoliciesWithoutAction,
  history,
  scenarioPerFile,
  succeeds,
  tagsOf,
} from './iam-scenario';
import { ParameterHierarchy, ParameterKey, SecureStringParameter, SecureValue } from '../../lib';
import { OWNER_TAG_KEY } from '../../lib/private/handler-protocol';
import { DeployedStack } from '../helpers/deployed-stack';
import { createEventFor, updateEventFor } from '../helpers/template-events';

/**
 * Scenarios where the handler reaches a parameter under a key the template does not (or no longer) name,
 * and the tiers' KMS actions, with every call (and Parameter Store's KMS call for it) evaluated against
 * the synthesized handler role and key policies.
 */
let scenario: Scenario;

scenarioPerFile((started) => {
  scenario = started;
});

const keyOf = (deployed: DeployedStack, id: string) => deployed.properties(id).KeyId as string;

/** S4 as a naive policy would write it: only the parameter's key in the current template, not every key of the account. */
function keysOfTemplateOnly(deployed: DeployedStack, id: string) {
  return handlerPoliciesReplacing(deployed, 'UseKeysOnlyThroughParameterStore', (s) => ({ ...s, Resource: [keyOf(deployed, id)] }));
}

interface KeyedParameter {
  readonly id: (deployed: DeployedStack) => string;
}

/** A stack whose SecureString `name` uses the key `use` of `keys` (the ParameterKeys the template holds). */
function keyedStack(name: string, keys: string[], use: string, removalPolicy = RemovalPolicy.DESTROY) {
  return (stack: Stack): KeyedParameter => {
    const made = Object.fromEntries(keys.map((k) => [k, new ParameterKey(stack, k)]));
    const parameter = new SecureStringParameter(stack, 'Secret', { parameterName: name, value: SecureValue.generated(), encryptionKey: made[use], removalPolicy });
    return { id: (deployed) => deployed.logicalId(parameter) };
  };
}

describe('key change', () => {
  test('KeyA → KeyB and back: the value is kept and re-encrypted under the new key each time', async () => {
    const name = '/keys/change/both';
    const v1 = await deployVersion(scenario.moto, keyedStack(name, ['KeyA', 'KeyB'], 'KeyA'));
    const id = v1.built.id(v1.deployed);
    await succeeds(createEventFor(v1.deployed, id), v1.deployed.handlerClients());
    const value = await decrypted(scenario.admin, name);
    const [keyA, keyB] = [v1.deployed.keyArn(v1.deployed.logicalId(v1.stack.node.findChild('KeyA'))), v1.deployed.keyArn(v1.deployed.logicalId(v1.stack.node.findChild('KeyB')))];

    const v2 = await deployVersion(scenario.moto, keyedStack(name, ['KeyA', 'KeyB'], 'KeyB'), { updates: v1.deployed });
    const toB = updateEventFor(v2.deployed, v1.deployed, id, name);
    // re-encrypting needs the old key too: a policy naming only the parameter's key fails on KeyA
    expect(await failureOf(toB, v2.deployed.handlerClients({ identityPolicies: keysOfTemplateOnly(v2.deployed, id) }))).toContain(
      `access denied for kms:Decrypt on KMS key ${keyA}.`,
    );
    await succeeds(toB, v2.deployed.handlerClients());
    const v3 = await deployVersion(scenario.moto, keyedStack(name, ['KeyA', 'KeyB'], 'KeyA'), { updates: v2.deployed });
    await succeeds(updateEventFor(v3.deployed, v2.deployed, id, name), v3.deployed.handlerClients());

    expect((await history(scenario.admin, name)).map((v) => [v.Version, v.KeyId, v.Value])).toEqual([
      [1, keyA, value],
      [2, keyB, value],
      [3, keyA, value],
    ]);
  });

  test('the old key left the template (retained): the handler still decrypts under it, through Parameter Store only', async () => {
    const name = '/keys/change/removed';
    const v1 = await deployVersion(scenario.moto, keyedStack(name, ['KeyA'], 'KeyA'));
    const id = v1.built.id(v1.deployed);
    await succeeds(createEventFor(v1.deployed, id), v1.deployed.handlerClients());
    const value = await decrypted(scenario.admin, name);
    const oldKey = keyOf(v1.deployed, id);

    const v2 = await deployVersion(scenario.moto, keyedStack(name, ['KeyB'], 'KeyB'), { updates: v1.deployed });
    const update = updateEventFor(v2.deployed, v1.deployed, id, name);

    // a policy naming only the template's keys cannot read the value under the old one: the reason names it
    expect(await failureOf(update, v2.deployed.handlerClients({ identityPolicies: keysOfTemplateOnly(v2.deployed, id) }))).toContain(
      `${name}: ssm:GetParameter failed: access denied for kms:Decrypt on KMS key ${oldKey}.`,
    );
    await succeeds(update, v2.deployed.handlerClients());
    expect((await history(scenario.admin, name)).map((v) => [v.KeyId, v.Value])).toEqual([
      [oldKey, value],
      [keyOf(v2.deployed, id), value],
    ]);
  });
});

describe('stack deleted and re-created under the same name over RETAIN parameters', () => {
  test('the Create takes its retained parameter back, keeps the generated value and moves it to the new key', async () => {
    const name = '/keys/recreated/password';
    const build = keyedStack(name, ['Key'], 'Key', RemovalPolicy.RETAIN);
    const first = await deployVersion(scenario.moto, build);
    const id = first.built.id(first.deployed);
    await succeeds(createEventFor(first.deployed, id), first.deployed.handlerClients());
    const value = await decrypted(scenario.admin, name);
    // a Retain resource gets no Delete when its stack is deleted; the parameter and its key stay

    const second = await deployVersion(scenario.moto, build);
    expect(second.deployed.stackId).not.toBe(first.deployed.stackId);
    expect(keyOf(second.deployed, id)).not.toBe(keyOf(first.deployed, id));
    const create = createEventFor(second.deployed, id);

    expect(await failureOf(create, second.deployed.handlerClients({ identityPolicies: keysOfTemplateOnly(second.deployed, id) }))).toContain(
      `access denied for kms:Decrypt on KMS key ${keyOf(first.deployed, id)}.`,
    );
    const response = await succeeds(create, second.deployed.handlerClients());

    expect(response.PhysicalResourceId).toBe(name);
    expect(await decrypted(scenario.admin, name)).toBe(value);
    expect((await history(scenario.admin, name)).at(-1)!.KeyId).toBe(keyOf(second.deployed, id));
    expect((await tagsOf(scenario.admin, name))[OWNER_TAG_KEY]).toBe(`${STACK_NAME}/${id}`);
  });
});

describe('Intelligent-Tiering', () => {
  const tiered = (name: string, length: number) => (stack: Stack) => {
    const parameter = new SecureStringParameter(stack, 'Secret', {
      parameterName: name,
      value: SecureValue.generated({ length }),
      tier: ssm.ParameterTier.INTELLIGENT_TIERING,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    return { id: (deployed: DeployedStack) => deployed.logicalId(parameter) };
  };

  test.each([
    ['a small value is stored Standard', 'kms:Encrypt', '/keys/tiering/small', 32, 'Standard'],
    ['a value over 4 KB is stored Advanced', 'kms:GenerateDataKey', '/keys/tiering/large', 5000, 'Advanced'],
  ])('%s and needs %s', async (_case, kmsAction, name, length, storedTier) => {
    const { deployed, built } = await deployVersion(scenario.moto, tiered(name, length));
    const id = built.id(deployed);
    const create = createEventFor(deployed, id);

    expect(await failureOf(create, deployed.handlerClients({ identityPolicies: handlerPoliciesWithoutAction(deployed, kmsAction) }))).toContain(
      `${name}: ssm:PutParameter failed: access denied for ${kmsAction} on KMS key ${keyOf(deployed, id)}.`,
    );
    await succeeds(create, deployed.handlerClients());

    const [version] = await history(scenario.admin, name);
    expect(version).toMatchObject({ Tier: storedTier, KeyId: keyOf(deployed, id), Version: 1 });
    expect(version.Value).toHaveLength(length);
  });
});

describe('20 hierarchies, each with its own ParameterKey', () => {
  test('every Create succeeds under the synthesized policy, which stays under IAM\'s 6,144 characters', async () => {
    const { deployed, built } = await deployVersion(scenario.moto, (stack) =>
      Array.from({ length: 20 }, (_, i) => {
        const key = new ParameterKey(stack, `Key${i}`);
        const hierarchy = new ParameterHierarchy(stack, `Service${i}`, { path: `/scale/svc${i}`, encryptionKey: key, removalPolicy: RemovalPolicy.DESTROY });
        return { parameter: hierarchy.addSecureString('Password', { name: 'password', value: SecureValue.generated() }), key: key as kms.IKey };
      }),
    );
    const policies = deployed.identityPolicies(deployed.handlerRoleLogicalId);
    const ids = built.map(({ parameter }) => deployed.logicalId(parameter));

    expect(policies.map((p) => JSON.stringify(p).length).every((length) => length <= 6144)).toBe(true);
    expect(policies.flatMap((p) => p.Statement as Array<{ Sid?: string; Resource: unknown }>).find((s) => s.Sid === 'ManageParametersOfThisStack')!.Resource).toEqual(
      'arn:aws:ssm:eu-west-1:111111111111:parameter/scale/*',
    );
    // the template's patterns are the gate for new names: without them not one Create passes
    const withoutPatterns = deployed.handlerClients({ identityPolicies: handlerPoliciesWithout(deployed, 'ManageParametersOfThisStack') });
    expect(await failureOf(createEventFor(deployed, ids[0]), withoutPatterns)).toContain('access denied for ssm:PutParameter on parameter /scale/svc0/password');

    for (const id of ids) {
      await succeeds(createEventFor(deployed, id), deployed.handlerClients());
    }
    for (const [i, { key }] of built.entries()) {
      const [version] = await history(scenario.admin, `/scale/svc${i}/password`);
      expect(version.KeyId).toBe(deployed.keyArn(deployed.logicalId(key)));
      expect(version.Value).toHaveLength(32);
    }
  }, 60_000);
});
