/**
 * Retries Parameter Store's `ThrottlingException` and `TooManyUpdates` with full-jitter backoff until the
 * Lambda deadline. It is the only retry of throttling for Parameter Store (the SSM client's SDK retry leaves
 * it here, see clients.ts), so it paces PutParameter for the account's quota: CloudFormation creates custom
 * resources in parallel and PutParameter allows only 3 TPS per account and region by default.
 */
export interface RetryClock {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

export const REAL_CLOCK: RetryClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

const RETRYABLE = new Set(['ThrottlingException', 'TooManyUpdates']);

/**
 * The longest wait before retry number `retry` (0 for the first), `elapsedMs` after the first attempt; the
 * wait itself is a random part of it (full jitter).
 */
export type RetryWindow = (retry: number, elapsedMs: number) => number;

/** Any retried error but PutParameter's throttling: 250 ms doubling to 8 s. */
export const SHORT_WINDOW: RetryWindow = (retry) => Math.min(8_000, 250 * 2 ** retry);

/** N / TPS for N = 300 creates at 3 TPS: when a stack's worth of writes started together has had its turn. */
const PUT_BURST_MS = 100_000;

/**
 * PutParameter's throttling: its 3 TPS quota is the account's, and CloudFormation starts every SecureString
 * of a stack at once, in separate Lambda environments that share nothing. 300 of them need 100 s of quota,
 * so a throttled write waits for its turn: within 30 s, then within 60 s, but never aiming past
 * `PUT_BURST_MS` after its first attempt, and within 10 s after that.
 *
 * Measured with bench/deploy-simulation.bench.ts (300 creates at once behind a 3 TPS token bucket):
 * - before, 250 ms doubling to 8 s on top of the SDK's own six attempts per call: 14.5 throttled requests
 *   per parameter, 110 s;
 * - plain full-jitter exponential backoff cannot have both: 4 s doubling to 30 s gave 5.2 per parameter
 *   in 121 s, 8 s doubling to 60 s gave 3.6 in 152 s, because the writers left at the end are the ones
 *   with the longest windows while the quota idles. Hence the cap at the burst's expected end;
 * - this schedule: 2.3 per parameter in 106–108 s (≤ 1.08 × N / TPS).
 * The price is latency for smaller bursts: 100 creates took 88 s (47 s before, with 5.3 throttled requests
 * per parameter against 1.2 now), and a throttled create among a few may wait up to 30 s.
 */
export const PUT_PARAMETER_WINDOW: RetryWindow = (retry, elapsedMs) =>
  Math.min(retry === 0 ? 30_000 : 60_000, Math.max(10_000, PUT_BURST_MS - elapsedMs));

/** What `withRetries` hands each attempt: pass it to the SDK's `send` so the attempt stops at the deadline. */
export interface SendOptions {
  readonly abortSignal: AbortSignal;
}

/**
 * Runs `call`, retrying throttling until `deadline`. A final error carries `operation` (e.g.
 * `ssm:PutParameter`) so the operator's message can name the action that failed.
 *
 * Each attempt is aborted at the deadline: one SDK call (with its own retries and timeouts) could otherwise
 * outlast the Lambda timeout, leave CloudFormation without an answer, and make Lambda run the event again
 * after CloudFormation has stopped waiting — a late write after a rollback.
 */
export async function withRetries<T>(
  operation: string,
  call: (options: SendOptions) => Promise<T>,
  deadline: number,
  clock: RetryClock = REAL_CLOCK,
): Promise<T> {
  const started = clock.now();
  for (let retry = 0; ; retry++) {
    try {
      return await untilDeadline(call, deadline - clock.now());
    } catch (err) {
      const window = operation === 'ssm:PutParameter' && isThrottling(err) ? PUT_PARAMETER_WINDOW : SHORT_WINDOW;
      const delay = clock.random() * window(retry, clock.now() - started);
      if (!isRetryable(err) || clock.now() + delay >= deadline) {
        throw withOperation(err, operation);
      }
      await clock.sleep(delay);
    }
  }
}

async function untilDeadline<T>(call: (options: SendOptions) => Promise<T>, remainingMs: number): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.max(0, remainingMs));
  try {
    return await call({ abortSignal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

/** The AWS operation a failed call was making, if `withRetries` ran it. */
export function failedOperation(err: unknown): string | undefined {
  return err instanceof Error ? (err as Error & { operation?: string }).operation : undefined;
}

function withOperation(err: unknown, operation: string): unknown {
  if (err instanceof Error && failedOperation(err) === undefined) {
    Object.defineProperty(err, 'operation', { value: operation, enumerable: false });
  }
  return err;
}

function isRetryable(err: unknown): boolean {
  return err instanceof Error && RETRYABLE.has(err.name);
}

function isThrottling(err: unknown): boolean {
  return err instanceof Error && err.name === 'ThrottlingException';
}
