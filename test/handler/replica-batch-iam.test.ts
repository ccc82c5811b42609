import { GetParameterHistoryCommand, GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { chunkIds, chunkSucceeds, recordedSsm } from './batch-scenario';
import { ACCOUNT, Scenario, StackVersion, scenarioPerFile } from './iam-scenario';
import { HierarchyDeployment, ParameterHierarchy, ParameterReplica, ReplicaSource, SecureValue } from '../../lib';
import { DeployedStack } from '../helpers/deployed-stack';
import { createEventFor } from '../helpers/template-events';

/**
 * A batched hierarchy replicated to another region behind the IAM layer: the replica's chunks copy their
 * members at one PutParameter each, and a redelivered chunk writes nothing.
 */
let scenario: Scenario;

scenarioPerFile((started) => {
  scenario = started;
});

const PATH = '/replicated/batch';
const MEMBERS = 30;

async function deployBatched(): Promise<{ source: StackVersion<unknown>; replica: StackVersion<unknown> }> {
  const app = new App();
  const sourceStack = new Stack(app, 'BatchSource', { env: { account: ACCOUNT, region: 'eu-west-1' } });
  const hierarchy = new ParameterHierarchy(sourceStack, 'Secrets', { path: PATH, deployment: HierarchyDeployment.batched({ writesPerSecond: 10 }) });
  for (let i = 0; i < MEMBERS; i++) {
    hierarchy.addSecureString(`M${i}`, { name: `m${i}`, value: SecureValue.generated() });
  }
  const replicaStack = new Stack(app, 'BatchReplica', { env: { account: ACCOUNT, region: 'us-east-1' } });
  new ParameterReplica(replicaStack, 'Replica', { source: ReplicaSource.hierarchy(hierarchy) });
  const source = { stack: sourceStack, built: undefined, deployed: await DeployedStack.deploy(sourceStack, scenario.moto) };
  const replica = { stack: replicaStack, built: undefined, deployed: await DeployedStack.deploy(replicaStack, scenario.moto) };
  return { source, replica };
}

async function valuesUnder(ssm: SSMClient): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  let NextToken: string | undefined;
  do {
    const page = await ssm.send(new GetParametersByPathCommand({ Path: PATH, WithDecryption: true, NextToken }));
    for (const p of page.Parameters ?? []) values.set(p.Name!, p.Value!);
    NextToken = page.NextToken;
  } while (NextToken);
  return values;
}

test('every member copied once under the replica key; a redelivered chunk writes nothing', async () => {
  const { source, replica } = await deployBatched();
  for (const id of chunkIds(source)) await chunkSucceeds(createEventFor(source.deployed, id), source.deployed.handlerClients());

  const sent = recordedSsm(replica.deployed.handlerClients());
  const [chunk] = chunkIds(replica);
  await chunkSucceeds(createEventFor(replica.deployed, chunk), sent.clients);
  expect(sent.count('PutParameter')).toBe(MEMBERS);

  const replicas = await valuesUnder(new SSMClient(scenario.moto.clientConfig('us-east-1')));
  const sources = await valuesUnder(scenario.admin.ssm);
  expect(replicas.size).toBe(MEMBERS);
  expect(replicas).toEqual(sources);
  const [keyId] = Object.keys(Template.fromStack(replica.stack).findResources('AWS::KMS::Key'));
  const { Parameters = [] } = await new SSMClient(scenario.moto.clientConfig('us-east-1')).send(new GetParameterHistoryCommand({ Name: `${PATH}/m7` }));
  expect(Parameters.map((p) => p.KeyId)).toEqual([replica.deployed.keyArn(keyId)]);

  const again = recordedSsm(replica.deployed.handlerClients());
  await chunkSucceeds(createEventFor(replica.deployed, chunk), again.clients);
  expect(again.count('PutParameter')).toBe(0);
});
