import { GetParametersByPathCommand } from '@aws-sdk/client-ssm';
import { Stack } from 'aws-cdk-lib';
import { Scenario, deployVersion, startScenario, succeeds, tagsOf } from './iam-scenario';
import { HierarchyDeployment, ParameterHierarchy, SecureValue } from '../../lib';
import { BATCH_RESOURCE_TYPE } from '../../lib/private/batch-protocol';
import { createEventFor, updateEventFor } from '../helpers/template-events';

let scenario: Scenario;
beforeAll(async () => {
  scenario = await startScenario();
}, 60_000);
afterAll(async () => scenario.moto.stop());

function batched(count: number, extra?: (h: ParameterHierarchy) => void) {
  return (stack: Stack) => {
    const h = new ParameterHierarchy(stack, 'Prod', { path: '/batch/prod', deployment: HierarchyDeployment.batched({ writesPerSecond: 10 }) });
    for (let i = 0; i < count; i++) h.addSecureString(`P${i}`, { name: `svc/p${i}`, value: SecureValue.generated() });
    extra?.(h);
    return h;
  };
}

function chunkIds(stack: Stack): string[] {
  return Object.entries(stack.resolve((stack as any)._toCloudFormation().Resources) as Record<string, { Type: string }>)
    .filter(([, r]) => r.Type === BATCH_RESOURCE_TYPE).map(([id]) => id);
}

test('smoke: create 30 members, then update with one added and one removed', async () => {
  const v1 = await deployVersion(scenario.moto, batched(30));
  const [chunk] = chunkIds(v1.stack);
  await succeeds(createEventFor(v1.deployed, chunk), v1.deployed.handlerClients());
  const listed = await scenario.admin.ssm.send(new GetParametersByPathCommand({ Path: '/batch/prod', Recursive: true, MaxResults: 10 }));
  expect(listed.Parameters?.length).toBeGreaterThan(0);
  expect((await tagsOf(scenario.admin, '/batch/prod/svc/p0'))['cdk-secure-parameters:owner']).toBe(`ScenarioStack/${chunk}`);
  const v2 = await deployVersion(scenario.moto, batched(31), { updates: v1.deployed });
  await succeeds(updateEventFor(v2.deployed, v1.deployed, chunk, '/batch/prod#chunk-0'), v2.deployed.handlerClients());
}, 120_000);
