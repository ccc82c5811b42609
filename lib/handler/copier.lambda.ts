import type { Context } from 'aws-lambda';
import { Clients, createClients } from './clients';
import { explainError } from './errors';
import { redact } from './redact';
import { CopierConfig, copyChange } from './replica-copy';
import { sweepFailureMessage, sweepReplicas } from './replica-sweep';
import { WritePacer } from './write-pacer';
import { ParameterChangeEvent, REPLICATED_NAMES_ENV, REPLICA_STACK_ENV, ReplicaSweepInput, SOURCE_REGION_ENV, isSweep } from '../private/replica-protocol';

/** Time kept back from the Lambda deadline to log the outcome. */
const END_MARGIN_MS = 5_000;
/**
 * The sweep's share of this region's PutParameter quota (3 TPS per account by default): it repairs what lost
 * events left behind, usually nothing, and leaves the rest of the quota to deployments and rotations.
 */
const SWEEP_WRITES_PER_SECOND = 1;

let clients: Clients | undefined;

/**
 * The copier of a ParameterReplica: EventBridge forwards each `Parameter Store Change` of a source parameter
 * from the source region, and the copier brings its replica up to date; its schedule makes it compare every
 * replica with its source (the sweep). It logs names, outcomes and redacted reasons, never a value. It throws on
 * a failure and on a deleted source: Lambda retries the event, then sends it to the dead-letter queue, whose
 * alarm the construct exposes.
 */
export async function handler(event: ParameterChangeEvent | ReplicaSweepInput, context: Context): Promise<void> {
  clients ??= createClients();
  const config = configuration();
  const deadline = Date.now() + context.getRemainingTimeInMillis() - END_MARGIN_MS;
  return isSweep(event) ? sweep(event, config, clients, deadline) : copy(event, config, clients, deadline);
}

function configuration(): CopierConfig {
  const sourceRegion = process.env[SOURCE_REGION_ENV];
  const stackName = process.env[REPLICA_STACK_ENV];
  const names = JSON.parse(process.env[REPLICATED_NAMES_ENV] ?? '[]') as string[];
  if (!sourceRegion || !stackName || names.length === 0) {
    throw new Error(`the copier has no ${SOURCE_REGION_ENV}, ${REPLICA_STACK_ENV} or ${REPLICATED_NAMES_ENV} environment variable: deploy the stack again`);
  }
  return { sourceRegion, names, stackName };
}

async function copy(event: ParameterChangeEvent, config: CopierConfig, awsClients: Clients, deadline: number): Promise<void> {
  const secrets = new Set<string>();
  const name = String(event?.detail?.name ?? '-');
  try {
    const outcome = await copyChange(event, config, { clients: awsClients, deadline, secrets });
    console.log(outcome.copied ? `${name}: copied from ${config.sourceRegion} as version ${outcome.version}` : `${name}: nothing to copy, ${outcome.skipped}`);
  } catch (err) {
    const reason = redact(explainError(err, { parameterName: name, keyId: 'of the replica or its source', caller: 'copier' }), secrets);
    console.error(`${name}: FAILED: ${reason}`);
    throw new Error(reason);
  }
}

/** A sweep ends before the next one starts: what it did not reach is still behind, and the next sweep takes it. */
async function sweep(input: ReplicaSweepInput, config: CopierConfig, awsClients: Clients, deadline: number): Promise<void> {
  const until = Math.min(deadline, Date.now() + input.IntervalSeconds * 1000);
  const pacer = new WritePacer(SWEEP_WRITES_PER_SECOND);
  const summary = await sweepReplicas(config, { clients: awsClients, deadline: until, secrets: new Set(), pacer });
  console.log(
    `sweep: ${summary.compared} replicas compared with their sources in ${config.sourceRegion}, ${summary.copied} copied, ` +
      `${summary.skipped} skipped, ${summary.failures.length} failed, ${summary.notReached} left for the next sweep`,
  );
  const failure = sweepFailureMessage(summary);
  if (failure) {
    throw new Error(failure);
  }
}
