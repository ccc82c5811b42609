import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { App, Stack } from 'aws-cdk-lib';
import { chunkIds, measured, runInOrder } from './batched-deploy.bench';
import { BenchResult } from './bench-result';
import { BATCH_PATH, memberName } from './stacks';
import { withThrottledMoto } from './throttled-moto';
import { HierarchyDeployment, ParameterHierarchy, ParameterReplica, ReplicaSource, SecureValue } from '../lib';
import { createClients } from '../lib/handler/clients';
import { DeployedStack } from '../test/helpers/deployed-stack';
import { createEventFor } from '../test/helpers/template-events';

const N = 1_000;
const PUT_TPS = 3;
const WRITES_PER_SECOND = HierarchyDeployment.DEFAULT_WRITES_PER_SECOND;
const ACCOUNT = '111111111111';
const SOURCE = { account: ACCOUNT, region: 'eu-west-1' };
const REPLICA = { account: ACCOUNT, region: 'us-east-1' };

/**
 * A batched hierarchy of `n` members replicated to another region as CloudFormation would deploy the replica's
 * stack: each chunk's Create in turn, through handleEvent with real SDK clients, against moto_server behind a
 * proxy that throttles PutParameter to 3 TPS (the sources, written directly into moto, are not counted). Then the
 * same Creates again, as a redelivery: nothing changed at the source, so nothing is written.
 */
export async function replicaDeployBench(n = N): Promise<BenchResult[]> {
  return withThrottledMoto(ACCOUNT, PUT_TPS, async (moto, proxy) => {
    const app = new App();
    const sourceStack = new Stack(app, 'BenchSource', { env: SOURCE });
    const hierarchy = new ParameterHierarchy(sourceStack, 'Prod', { path: BATCH_PATH, deployment: HierarchyDeployment.batched() });
    for (let i = 0; i < n; i++) {
      hierarchy.addSecureString(`P${i}`, { name: memberName(i), value: SecureValue.generated() });
    }
    const replicaStack = new Stack(app, 'BenchReplica', { env: REPLICA });
    new ParameterReplica(replicaStack, 'Replica', { source: ReplicaSource.hierarchy(hierarchy) });
    await writeSources(new SSMClient(moto.clientConfig(SOURCE.region)), n);

    const deployed = await DeployedStack.deploy(replicaStack, moto);
    const clients = createClients({ ...moto.clientConfig(REPLICA.region), endpoint: proxy.endpoint });
    const events = chunkIds(replicaStack, deployed).map((id) => createEventFor(deployed, id));
    const copied = await measured(proxy, () => runInOrder(events, clients));
    const again = await measured(proxy, () => runInOrder(events, clients));
    return rows(n, events.length, copied, again);
  });
}

/** The sources as the source stack's handler would have left them, written straight into moto. */
async function writeSources(ssm: SSMClient, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await ssm.send(new PutParameterCommand({ Name: `${BATCH_PATH}/${memberName(i)}`, Value: `source-value-${i}`, Type: 'SecureString' }));
  }
}

function rows(n: number, chunks: number, copied: Awaited<ReturnType<typeof measured>>, again: Awaited<ReturnType<typeof measured>>): BenchResult[] {
  const ideal = n / WRITES_PER_SECOND;
  return [
    {
      name: `replica deploy: ${n} batched members copied to another region in ${chunks} chunks, PutParameter throttled to ${PUT_TPS} TPS`,
      unit: 's',
      ours: copied.seconds,
      baseline: ideal,
      baselineName: `N / writesPerSecond (${WRITES_PER_SECOND})`,
      goal: '0 failures, ≤ 1.1×',
      met: copied.failed === 0 && copied.seconds <= 1.1 * ideal,
      note: `${copied.failed} chunks failed, ${copied.throttledPuts} throttled PutParameter requests`,
    },
    {
      name: `replica deploy: PutParameter calls in the replica region (${n} members)`,
      unit: 'calls',
      ours: copied.puts,
      baseline: n,
      baselineName: 'members',
      goal: `≤ ${n}`,
      met: copied.puts <= n,
      note: `the same Creates again (a redelivery, sources unchanged): ${again.puts} PutParameter calls, ${again.failed} failed, ${again.seconds} s`,
    },
  ];
}
