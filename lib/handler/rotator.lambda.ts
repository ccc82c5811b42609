import type { Context } from 'aws-lambda';
import { Clients, createClients } from './clients';
import { failureMessage, runRotation } from './rotation-run';
import { WritePacer } from './write-pacer';

/** Time kept back from the Lambda deadline to finish the parameter in progress and log the summary. */
const END_MARGIN_MS = 20_000;
/** The rotator's share of the account's PutParameter quota (3 TPS by default), as a batched hierarchy's default. */
const WRITES_PER_SECOND = 2;

let clients: Clients | undefined;

/**
 * The rotator of a stack's rotating SecureStrings, invoked asynchronously by its schedules and its
 * ExpirationNotification rule. It logs names, versions and reasons, never a value. It throws when a parameter
 * failed or was not reached: Lambda retries the event (rotated parameters are skipped, so nothing rotates
 * twice), and after the retries the event goes to the dead-letter queue, whose alarm the construct exposes.
 */
export async function handler(event: unknown, context: Context): Promise<void> {
  clients ??= createClients();
  const { STACK_NAME: stackName, STACK_ID: stackId } = process.env;
  if (!stackName || !stackId) {
    throw new Error('the rotator has no STACK_NAME or STACK_ID environment variable: deploy the stack again');
  }
  const summary = await runRotation(event, {
    clients,
    stackName,
    stackId,
    rotatingNames: JSON.parse(process.env.ROTATING_NAMES ?? '[]') as string[],
    deadline: Date.now() + context.getRemainingTimeInMillis() - END_MARGIN_MS,
    now: () => Date.now(),
    secrets: new Set(),
    pacer: new WritePacer(WRITES_PER_SECOND),
  });
  console.log(`rotation: ${summary.rotated} rotated, ${summary.skipped} skipped, ${summary.failures.length} failed, ${summary.notReached} not reached`);
  const failure = failureMessage(summary);
  if (failure) {
    throw new Error(failure);
  }
}
