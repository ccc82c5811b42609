import type { Context } from 'aws-lambda';
import { Clients, createClients } from './clients';
import { failureMessage, runRotation } from './rotation-run';
import { REAL_PACER_CLOCK, WritePacer } from './write-pacer';
import { ROTATOR_WRITES_PER_SECOND } from '../private/rotation-protocol';

/** Time kept back from the Lambda deadline to finish the parameter in progress and log the summary. */
const END_MARGIN_MS = 20_000;
/**
 * The rotator yields the account's PutParameter quota to deploys and replicas, which have deadlines: each throttled
 * write halves its pace, down to this (one write every 4 seconds), and the pace then climbs back.
 */
const MIN_WRITES_PER_SECOND = 0.25;

let clients: Clients | undefined;

/**
 * The rotator of a stack's rotating SecureStrings, invoked asynchronously by its schedules' ticks and its
 * ExpirationNotification rule. It logs names, versions and reasons, never a value. It throws when a parameter
 * failed or an overdue one was not reached: the event goes to the dead-letter queue, whose alarm the construct
 * exposes. Lambda does not retry it: the next tick (or sweep) is the retry, and takes what is left, oldest first.
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
    pacer: new WritePacer(ROTATOR_WRITES_PER_SECOND, REAL_PACER_CLOCK, { minWritesPerSecond: MIN_WRITES_PER_SECOND }),
  });
  console.log(
    `rotation: ${summary.rotated} rotated, ${summary.skipped} skipped, ${summary.failures.length} failed, ` +
      `${summary.notReached} not reached (${summary.overdue} of them overdue)`,
  );
  const failure = failureMessage(summary);
  if (failure) {
    throw new Error(failure);
  }
}
