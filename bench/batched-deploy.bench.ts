import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { CfnResource, Stack } from 'aws-cdk-lib';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { BenchResult } from './bench-result';
import { BATCH_PATH, batchedStack } from './stacks';
import { withThrottledMoto } from './throttled-moto';
import { ThrottlingProxy } from './throttling-proxy';
import { HierarchyDeployment } from '../lib';
import { Clients, createClients } from '../lib/handler/clients';
import { handleEvent } from '../lib/handler/secure-string.lambda';
import { BATCH_RESOURCE_TYPE } from '../lib/private/batch-protocol';
import { DeployedStack } from '../test/helpers/deployed-stack';
import { createEventFor, updateEventFor } from '../test/helpers/template-events';

const N = 1_000;
/** Members whose description the update changes. */
const CHANGED = 10;
const PUT_TPS = 3;
const WRITES_PER_SECOND = HierarchyDeployment.DEFAULT_WRITES_PER_SECOND;
/** The Lambda timeout of the handler, minus the margin it keeps to respond. */
const DEADLINE_MS = 15 * 60_000 - 20_000;
const ENV = { account: '111111111111', region: 'eu-west-1' };

export interface Deploy {
  readonly seconds: number;
  readonly failed: number;
  readonly puts: number;
  readonly throttledPuts: number;
}

/**
 * A batched hierarchy of `n` generated members deployed as CloudFormation would: each chunk's Create in
 * turn (they are chained by DependsOn), through handleEvent with real SDK clients, against moto_server
 * behind a proxy that throttles PutParameter to 3 TPS and GetParameter* to 40 TPS, like an account's
 * defaults. Then an Update of the chunks that hold the members whose description changed.
 */
export async function batchedDeployBench(n = N): Promise<BenchResult[]> {
  return withThrottledMoto(ENV.account, PUT_TPS, async (moto, proxy) => {
    // one Lambda environment runs the chunks one after another, and keeps its clients (the handler's own configuration)
    const clients = createClients({ ...moto.clientConfig(ENV.region), endpoint: proxy.endpoint });
    const v1 = batchedStack(n, { env: ENV });
    const deployed = await DeployedStack.deploy(v1, moto);
    const chunks = chunkIds(v1, deployed);
    const created = await measured(proxy, () => runInOrder(chunks.map((id) => createEventFor(deployed, id)), clients));
    const stored = await countUnderPath(new SSMClient(moto.clientConfig(ENV.region)));

    const changed = new Set(Array.from({ length: CHANGED }, (_, k) => Math.floor(((k + 0.5) * n) / CHANGED)));
    const v2 = batchedStack(n, { env: ENV, description: (i) => (changed.has(i) ? 'rotated by the platform team' : undefined) });
    const redeployed = await DeployedStack.deploy(v2, moto, { updates: deployed });
    // CloudFormation sends an Update only to the chunks whose properties changed
    const updates = chunks
      .filter((id) => JSON.stringify(redeployed.properties(id)) !== JSON.stringify(deployed.properties(id)))
      .map((id) => updateEventFor(redeployed, deployed, id, `${BATCH_PATH}#chunk-${deployed.properties(id).Index}`));
    const updated = await measured(proxy, () => runInOrder(updates, clients));
    return rows(n, chunks.length, created, stored, updated, updates.length);
  });
}

/** The chunks' logical ids, lowest index first: the order DependsOn makes CloudFormation run them in. */
export function chunkIds(stack: Stack, deployed: DeployedStack): string[] {
  return stack.node
    .findAll()
    .filter((c): c is CfnResource => c instanceof CfnResource && c.cfnResourceType === BATCH_RESOURCE_TYPE)
    // the resolved logicalId, which a chunk's overrideLogicalId sets (hierarchy-batch.ts)
    .map((c) => stack.resolve(c.logicalId) as string)
    .sort((a, b) => Number(deployed.properties(a).Index) - Number(deployed.properties(b).Index));
}

/** Runs the events one after another and returns how many failed. */
export async function runInOrder(events: CloudFormationCustomResourceEvent[], clients: Clients): Promise<number> {
  let failed = 0;
  for (const event of events) {
    const response = await handleEvent(event, clients, Date.now() + DEADLINE_MS);
    if (response.Status !== 'SUCCESS') failed++;
  }
  return failed;
}

/** The time `work` takes, and the PutParameter requests (and throttled ones) the proxy saw meanwhile. */
export async function measured(proxy: ThrottlingProxy, work: () => Promise<number>): Promise<Deploy> {
  const puts = proxy.requests.get('PutParameter') ?? 0;
  const throttled = proxy.throttledBy.get('PutParameter') ?? 0;
  const start = Date.now();
  const failed = await work();
  return {
    seconds: Math.round((Date.now() - start) / 100) / 10,
    failed,
    puts: (proxy.requests.get('PutParameter') ?? 0) - puts,
    throttledPuts: (proxy.throttledBy.get('PutParameter') ?? 0) - throttled,
  };
}

/** SecureStrings under the path, counted directly in moto (not through the proxy). */
async function countUnderPath(ssm: SSMClient): Promise<number> {
  let count = 0;
  let token: string | undefined;
  do {
    const page = await ssm.send(new GetParametersByPathCommand({ Path: BATCH_PATH, Recursive: true, MaxResults: 10, NextToken: token }));
    count += (page.Parameters ?? []).filter((p) => p.Type === 'SecureString').length;
    token = page.NextToken;
  } while (token);
  return count;
}

function rows(n: number, chunks: number, created: Deploy, stored: number, updated: Deploy, updatedChunks: number): BenchResult[] {
  const ideal = n / WRITES_PER_SECOND;
  const maxThrottled = 0.02 * n;
  return [
    {
      name: `batched deploy: ${n} generated members in ${chunks} chunks, PutParameter throttled to ${PUT_TPS} TPS`,
      unit: 's',
      ours: created.seconds,
      baseline: ideal,
      baselineName: `N / writesPerSecond (${WRITES_PER_SECOND})`,
      goal: '0 failures, ≤ 1.1×',
      met: created.failed === 0 && stored === n && created.seconds <= 1.1 * ideal,
      note: `${created.failed} chunks failed, ${stored} of ${n} SecureStrings stored`,
    },
    {
      name: `batched deploy: throttled PutParameter requests (${n} members)`,
      unit: 'requests',
      ours: created.throttledPuts,
      baseline: n,
      baselineName: 'writes (one per member)',
      goal: `≤ 2% of writes (${maxThrottled})`,
      met: created.throttledPuts <= maxThrottled,
      note: `${created.puts} PutParameter requests in all`,
    },
    {
      name: `batched update: ${CHANGED} of ${n} members changed (description)`,
      unit: 'PutParameter calls',
      ours: updated.puts,
      baseline: CHANGED,
      baselineName: 'members changed',
      goal: `≤ ${CHANGED}, 0 failures`,
      met: updated.failed === 0 && updated.puts <= CHANGED,
      note: `Update events to ${updatedChunks} of ${chunks} chunks (the others' properties are unchanged), ${updated.failed} failed, ${updated.seconds} s`,
    },
  ];
}
