import type { Context } from 'aws-lambda';
import { Clients, createClients } from './clients';
import { explainError } from './errors';
import { redact } from './redact';
import { copyChange } from './replica-copy';
import { ParameterChangeEvent, REPLICATED_NAMES_ENV, SOURCE_REGION_ENV } from '../private/replica-protocol';

/** Time kept back from the Lambda deadline to log the outcome. */
const END_MARGIN_MS = 5_000;

let clients: Clients | undefined;

/**
 * The copier of a ParameterReplica: EventBridge forwards each `Parameter Store Change` of a source parameter
 * from the source region, and the copier brings its replica up to date. It logs the name, the outcome and
 * redacted reasons, never a value. It throws on a failure and on a deleted source: Lambda retries the event,
 * then sends it to the dead-letter queue, whose alarm the construct exposes.
 */
export async function handler(event: ParameterChangeEvent, context: Context): Promise<void> {
  clients ??= createClients();
  const sourceRegion = process.env[SOURCE_REGION_ENV];
  const names = JSON.parse(process.env[REPLICATED_NAMES_ENV] ?? '[]') as string[];
  if (!sourceRegion || names.length === 0) {
    throw new Error(`the copier has no ${SOURCE_REGION_ENV} or ${REPLICATED_NAMES_ENV} environment variable: deploy the stack again`);
  }
  const secrets = new Set<string>();
  const name = String(event?.detail?.name ?? '-');
  try {
    const deadline = Date.now() + context.getRemainingTimeInMillis() - END_MARGIN_MS;
    const outcome = await copyChange(event, { sourceRegion, names }, { clients, deadline, secrets });
    console.log(outcome.copied ? `${name}: copied from ${sourceRegion} as version ${outcome.version}` : `${name}: nothing to copy, ${outcome.skipped}`);
  } catch (err) {
    const reason = redact(explainError(err, { parameterName: name, keyId: 'of the replica or its source', caller: 'copier' }), secrets);
    console.error(`${name}: FAILED: ${reason}`);
    throw new Error(reason);
  }
}
