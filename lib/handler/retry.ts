/**
 * Retries Parameter Store's `ThrottlingException` and `TooManyUpdates` with full-jitter exponential
 * backoff until the Lambda deadline. The SDK's adaptive retry has already paced each call; this loop
 * outlasts bursts larger than its few attempts, because CloudFormation creates custom resources in
 * parallel and PutParameter allows only 3 TPS by default.
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
const BASE_DELAY_MS = 250;
const MAX_DELAY_MS = 8_000;

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
  for (let attempt = 0; ; attempt++) {
    try {
      return await untilDeadline(call, deadline - clock.now());
    } catch (err) {
      const delay = clock.random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
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
