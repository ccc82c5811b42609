import { GetParameterCommand, LabelParameterVersionCommand } from '@aws-sdk/client-ssm';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import {
  Scenario,
  decrypted,
  deployVersion,
  failureOf,
  handlerPoliciesWithout,
  handlerPoliciesWithoutAction,
  history,
  scenarioPerFile,
  succeeds,
} from './iam-scenario';
import { GeneratedValueOptions, SecureStringParameter, SecureValue } from '../../lib';
import { Clients } from '../../lib/handler/clients';
import { DeployedStack } from '../helpers/deployed-stack';
import { createEventFor, updateEventFor } from '../helpers/template-events';

/**
 * Which value a version holds when CloudFormation replays or reverses an event: a rollback Update (new
 * properties are the old ones), a redelivered Create or Update (the same event again), and generator
 * options written differently. Every call goes through the IAM layer.
 */
let scenario: Scenario;

scenarioPerFile((started) => {
  scenario = started;
});

/** A stack version with one generated SecureString `name`. */
async function generatedVersion(name: string, options: GeneratedValueOptions, updates?: DeployedStack) {
  const { deployed, built } = await deployVersion(
    scenario.moto,
    (stack: Stack) => new SecureStringParameter(stack, 'Secret', { parameterName: name, value: SecureValue.generated(options), removalPolicy: RemovalPolicy.DESTROY }),
    { updates },
  );
  return { deployed, id: deployed.logicalId(built) };
}

/** Each kept version as [version, value, labels]. */
async function versions(name: string): Promise<Array<[number, string, string[]]>> {
  return (await history(scenario.admin, name)).map((v) => [v.Version!, v.Value!, v.Labels ?? []]);
}

/** The handler's clients, recording every SSM command it sends. */
function recorded(clients: Clients): { clients: Clients; sent: Array<{ command: string; input: any }> } {
  const sent: Array<{ command: string; input: any }> = [];
  const send = clients.ssm.send.bind(clients.ssm);
  jest.spyOn(clients.ssm, 'send').mockImplementation(((command: { constructor: { name: string }; input: unknown }) => {
    sent.push({ command: command.constructor.name, input: command.input });
    return send(command as any);
  }) as any);
  return { clients, sent };
}

/** Without ssm:PutParameter nothing can be written: a success under it proves the event wrote nothing. */
const readOnly = (deployed: DeployedStack) => deployed.handlerClients({ identityPolicies: handlerPoliciesWithoutAction(deployed, 'ssm:PutParameter') });

/**
 * A Create always tries `Overwrite: false` first (it cannot know the name exists): denying only overwrites
 * (condition key ssm:Overwrite) proves a redelivered Create wrote no second version.
 */
const noOverwrite = (deployed: DeployedStack) => deployed.handlerClients({
  identityPolicies: [
    ...deployed.identityPolicies(deployed.handlerRoleLogicalId),
    { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'ssm:PutParameter', Resource: '*', Condition: { StringEquals: { 'ssm:Overwrite': 'true' } } }] },
  ],
});

describe('rollback after a rotation', () => {
  test('generation 1 → 2, then the rollback Update back to 1 makes the generation-1 value current again', async () => {
    const name = '/versions/rollback';
    const v1 = await generatedVersion(name, { generation: 1 });
    await succeeds(createEventFor(v1.deployed, v1.id), v1.deployed.handlerClients());
    const v2 = await generatedVersion(name, { generation: 2 }, v1.deployed);
    await succeeds(updateEventFor(v2.deployed, v1.deployed, v2.id, name), v2.deployed.handlerClients());
    const [[, first, [label1]], [, second, [label2]]] = await versions(name);
    expect(second).not.toBe(first);
    expect([label1, label2]).toEqual([expect.stringMatching(/^src-[0-9a-f]+$/), expect.stringMatching(/^src-[0-9a-f]+$/)]);

    const rollback = await generatedVersion(name, { generation: 1 }, v2.deployed);
    const event = updateEventFor(rollback.deployed, v2.deployed, rollback.id, name);
    // the labelled version is read through Parameter Store: without kms:Decrypt nothing is written
    expect(await failureOf(event, rollback.deployed.handlerClients({ identityPolicies: handlerPoliciesWithoutAction(rollback.deployed, 'kms:Decrypt') }))).toContain(
      `${name}: ssm:GetParameter failed: access denied for kms:Decrypt on KMS key ${rollback.deployed.properties(rollback.id).KeyId}.`,
    );
    const { clients, sent } = recorded(rollback.deployed.handlerClients());
    const response = await succeeds(event, clients);

    expect(response.Data).toMatchObject({ Version: '3' });
    expect(await decrypted(scenario.admin, name)).toBe(first);
    // the generation-1 label moved forward to the restored version
    expect(await versions(name)).toEqual([
      [1, first, []],
      [2, second, [label2]],
      [3, first, [label1]],
    ]);
    expect(sent).toEqual(expect.arrayContaining([
      { command: GetParameterCommand.name, input: { Name: `${name}:${label1}`, WithDecryption: true } },
      { command: LabelParameterVersionCommand.name, input: { Name: name, ParameterVersion: 3, Labels: [label1] } },
    ]));
  });

  test('every write is labelled: without ssm:LabelParameterVersion the Create fails on the label', async () => {
    const name = '/versions/unlabelled';
    const { deployed, id } = await generatedVersion(name, {});
    const withoutLabels = deployed.handlerClients({ identityPolicies: handlerPoliciesWithoutAction(deployed, 'ssm:LabelParameterVersion') });

    expect(await failureOf(createEventFor(deployed, id), withoutLabels)).toContain(
      `${name}: ssm:LabelParameterVersion failed: access denied for ssm:LabelParameterVersion on parameter ${name}`,
    );
  });
});

describe('redelivered events', () => {
  test('a redelivered Create keeps the value it wrote first, and needs to read its own owner tag', async () => {
    const name = '/versions/redelivered-create';
    const { deployed, id } = await generatedVersion(name, {});
    const create = createEventFor(deployed, id);
    await succeeds(create, deployed.handlerClients());
    const [[, value]] = await versions(name);

    expect(await failureOf(create, deployed.handlerClients({ identityPolicies: handlerPoliciesWithout(deployed, 'ReadOwnershipTags') }))).toContain(
      `access denied for ssm:ListTagsForResource on parameter ${name}`,
    );
    const again = await succeeds(create, noOverwrite(deployed));

    expect(again).toMatchObject({ PhysicalResourceId: name, Data: { Version: '1' } });
    expect((await versions(name)).map(([version, v]) => [version, v])).toEqual([[1, value]]);
  });

  test('a redelivered Update (a rotation) writes no second value', async () => {
    const name = '/versions/redelivered-update';
    const v1 = await generatedVersion(name, {});
    await succeeds(createEventFor(v1.deployed, v1.id), v1.deployed.handlerClients());
    const v2 = await generatedVersion(name, { generation: 2 }, v1.deployed);
    const rotate = updateEventFor(v2.deployed, v1.deployed, v2.id, name);
    // a rotation overwrites: the deny of overwrites that the redelivered Create passes does stop it
    expect(await failureOf(rotate, noOverwrite(v2.deployed))).toContain(`${name}: ssm:PutParameter failed: access denied for ssm:PutParameter on parameter ${name}`);
    await succeeds(rotate, v2.deployed.handlerClients());
    const rotated = await decrypted(scenario.admin, name);

    const again = await succeeds(rotate, readOnly(v2.deployed));

    expect(again.Data).toMatchObject({ Version: '2' });
    expect((await versions(name)).map(([version, v]) => [version, v === rotated])).toEqual([[1, false], [2, true]]);
  });
});

describe('generator options written differently', () => {
  const reordered = JSON.stringify({ requireEachIncludedType: true, excludePunctuation: true, generation: 1, excludeCharacters: '', length: 40 });

  /** The event with the source options of its new (or old) properties replaced, as an older template may carry them. */
  function withOptions(event: CloudFormationCustomResourceEvent, side: 'ResourceProperties' | 'OldResourceProperties', options: string) {
    const properties = (event as any)[side];
    return { ...event, [side]: { ...properties, Source: { ...properties.Source, Options: options } } } as CloudFormationCustomResourceEvent;
  }

  test('in another order, or with defaults written out, the construct synthesizes the same properties', async () => {
    const a = await generatedVersion('/versions/options/synth', { length: 40, excludePunctuation: true });
    const b = await generatedVersion('/versions/options/synth', { excludeCharacters: '', excludePunctuation: true, generation: 1, length: 40 });

    expect(b.deployed.properties(b.id).Source).toEqual(a.deployed.properties(a.id).Source);
    expect(a.deployed.properties(a.id).Source).toEqual({ Type: 'generated', Options: '{"excludePunctuation":true,"length":40}' });
  });

  test.each(['ResourceProperties', 'OldResourceProperties'] as const)('an Update whose %s carry reordered options with defaults writes nothing', async (side) => {
    const name = `/versions/options/${side}`;
    const v1 = await generatedVersion(name, { length: 40, excludePunctuation: true });
    await succeeds(createEventFor(v1.deployed, v1.id), v1.deployed.handlerClients());
    const value = await decrypted(scenario.admin, name);

    const update = withOptions(updateEventFor(v1.deployed, v1.deployed, v1.id, name), side, reordered);
    const response = await succeeds(update, readOnly(v1.deployed));

    expect(response.Data).toMatchObject({ Version: '1' });
    expect((await versions(name)).map(([version, v]) => [version, v])).toEqual([[1, value]]);
    expect(value).toMatch(/^[A-Za-z0-9]{40}$/);
  });
});
