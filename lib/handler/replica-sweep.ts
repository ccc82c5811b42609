import { DescribeParametersCommand, ParameterMetadata, ParameterStringFilter, SSMClient } from '@aws-sdk/client-ssm';
import { forEachConcurrently } from './concurrency';
import { explainError, quoteFailures } from './errors';
import { WriteContext } from './parameter-writes';
import { normalizedPolicies } from './read-back';
import { redact } from './redact';
import { CopierConfig, reconcileReplica } from './replica-copy';
import { withRetries } from './retry';
import { isReplicated } from '../private/replica-protocol';

/** Replicas brought in step at once: their reads overlap, their writes wait for their slots in the pacer. */
const CONCURRENCY = 4;
/** A replica is started only with this much time left: its reads, one paced write, and the source's version after it. */
const REPLICA_TIME_MS = 10_000;
/** DescribeParameters takes at most 50 values in a filter. */
const NAMES_PER_FILTER = 50;

/** What one sweep did; counts and the operator's messages only, never a value. */
export interface SweepSummary {
  /** Replicas here whose source exists in the source region. */
  readonly compared: number;
  readonly copied: number;
  /** Behind by the listings, yet not written: no replica of this stack, or in step when read again. */
  readonly skipped: number;
  /** The operator's message of each replica that could not be brought in step (redacted). */
  readonly failures: readonly string[];
  /** Behind, but not reached before the sweep's time was up: the next sweep takes them. */
  readonly notReached: number;
}

/**
 * The safety net under `follow`: Parameter Store emits change events on a best-effort basis, and a replica carries
 * its source's Expiration timestamp, so one lost event of a renewal would let Parameter Store delete the replica at
 * the old time. A sweep lists the replicated names in both regions (DescribeParameters: metadata, never a value)
 * and copies each replica that is behind its source as an event would have. A sweep that finds every replica in
 * step makes one listing call per region and 50 parameters, and writes nothing.
 */
export async function sweepReplicas(config: CopierConfig, ctx: WriteContext): Promise<SweepSummary> {
  const [replicas, sources] = await Promise.all([
    describeReplicated(ctx.clients.ssm, config.names, ctx.deadline),
    describeReplicated(ctx.clients.ssmIn(config.sourceRegion), config.names, ctx.deadline),
  ]);
  const compared = [...replicas.keys()].filter((name) => sources.has(name));
  const behind = compared.filter((name) => isBehind(replicas.get(name)!, sources.get(name)!));
  const counts = { copied: 0, skipped: 0, notReached: 0 };
  const failures: string[] = [];
  await forEachConcurrently(behind, CONCURRENCY, async (name) => {
    // the deadline is on the real clock, like every retry's
    if (ctx.deadline - Date.now() < REPLICA_TIME_MS) {
      counts.notReached++;
      return;
    }
    try {
      const outcome = await reconcileReplica(name, config, ctx);
      counts[outcome.copied ? 'copied' : 'skipped']++;
      console.log(outcome.copied ? `${name}: was behind its source, copied as version ${outcome.version}` : `${name}: nothing to copy, ${outcome.skipped}`);
    } catch (err) {
      const message = redact(explainError(err, { parameterName: name, keyId: 'of the replica or its source', caller: 'copier' }), ctx.secrets);
      console.error(`${name}: FAILED: ${message}`);
      failures.push(message);
    }
  });
  return { compared: compared.length, ...counts, failures };
}

/**
 * Whether the listings show the replica behind its source: the source changed after the replica was written (a
 * value or a policy, each a new version), or the replica has policies other than the source's (the copier gives a
 * replica policies only when it has some, as the deploy copied them from the source).
 */
export function isBehind(replica: ParameterMetadata, source: ParameterMetadata): boolean {
  if ((source.LastModifiedDate?.getTime() ?? 0) > (replica.LastModifiedDate?.getTime() ?? 0)) {
    return true;
  }
  const policies = normalizedPolicies(replica.Policies).sort();
  return policies.length > 0 && JSON.stringify(policies) !== JSON.stringify(normalizedPolicies(source.Policies).sort());
}

/**
 * The message a sweep fails with, so that Lambda retries it and, after its retries, sends it to the dead-letter
 * queue whose alarm the construct exposes; undefined when no replica failed (one not reached waits for the next sweep).
 */
export function sweepFailureMessage(summary: SweepSummary): string | undefined {
  if (summary.failures.length === 0) {
    return undefined;
  }
  const quoted = quoteFailures(summary.failures, 'the copier\'s log');
  return `Sweep incomplete (${summary.copied} copied): ${summary.failures.length} replica(s) could not be brought in step with their source: ${quoted}`;
}

/** The SecureStrings of the replicated names in one region, by name. */
async function describeReplicated(ssm: SSMClient, names: readonly string[], deadline: number): Promise<Map<string, ParameterMetadata>> {
  const found = new Map<string, ParameterMetadata>();
  for (const filter of filtersFor(names)) {
    for (const parameter of await describeAll(ssm, filter, deadline)) {
      if (parameter.Name && parameter.Type === 'SecureString' && isReplicated(parameter.Name, names)) {
        found.set(parameter.Name, parameter);
      }
    }
  }
  return found;
}

/** A path (ending in `/`) by its parameters at any depth; exact names by up to 50 a filter. */
function filtersFor(names: readonly string[]): ParameterStringFilter[] {
  const paths = names.filter((n) => n.endsWith('/')).map((p): ParameterStringFilter => ({ Key: 'Path', Option: 'Recursive', Values: [p.slice(0, -1)] }));
  const exact = names.filter((n) => !n.endsWith('/'));
  const named: ParameterStringFilter[] = [];
  for (let i = 0; i < exact.length; i += NAMES_PER_FILTER) {
    named.push({ Key: 'Name', Option: 'Equals', Values: exact.slice(i, i + NAMES_PER_FILTER) });
  }
  return [...paths, ...named];
}

/** Every parameter one filter finds, 50 a page (DescribeParameters works on `*` only). */
async function describeAll(ssm: SSMClient, filter: ParameterStringFilter, deadline: number): Promise<ParameterMetadata[]> {
  const found: ParameterMetadata[] = [];
  let nextToken: string | undefined;
  do {
    const page = await withRetries(
      'ssm:DescribeParameters',
      (options) => ssm.send(new DescribeParametersCommand({ ParameterFilters: [filter], MaxResults: 50, NextToken: nextToken }), options),
      deadline,
    );
    found.push(...(page.Parameters ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return found;
}
