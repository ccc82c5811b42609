import { awsError } from './events';
import { failedOperation, PUT_PARAMETER_WINDOW, RetryClock, withRetries } from '../../lib/handler/retry';

/** A clock whose sleeps pass at once; `random` gives each draw in turn, then 1 (the longest wait). */
function fakeClock(randoms: number[] = []) {
  let now = 0;
  const sleeps: number[] = [];
  const clock: RetryClock = { now: () => now, sleep: async (ms) => { sleeps.push(ms); now += ms; }, random: () => randoms.shift() ?? 1 };
  return { clock, sleeps };
}

function throttledTimes(times: number, name = 'ThrottlingException') {
  let calls = 0;
  return async () => {
    if (++calls <= times) throw awsError(name);
    return 'ok';
  };
}

describe('withRetries', () => {
  test('retries throttling of any other call with exponential backoff capped at 8 s, then succeeds', async () => {
    const { clock, sleeps } = fakeClock();

    const result = await withRetries('ssm:GetParameter', throttledTimes(6), 60_000, clock);

    expect(result).toBe('ok');
    expect(sleeps).toEqual([250, 500, 1000, 2000, 4000, 8000]);
  });

  test('retries TooManyUpdates of PutParameter on the short schedule: it is a conflict on one parameter, not the quota', async () => {
    const { clock, sleeps } = fakeClock();

    await withRetries('ssm:PutParameter', throttledTimes(3, 'TooManyUpdates'), 60_000, clock);

    expect(sleeps).toEqual([250, 500, 1000]);
  });

  test('waits out PutParameter throttling for its turn: within 30 s, then 60 s, never aiming past 100 s, then within 10 s', async () => {
    const { clock, sleeps } = fakeClock();

    const result = await withRetries('ssm:PutParameter', throttledTimes(5), 15 * 60_000, clock);

    expect(result).toBe('ok');
    // at 0 s, 30 s, 90 s (100 s is 10 s away), 100 s and 110 s after the first attempt
    expect(sleeps).toEqual([30_000, 60_000, 10_000, 10_000, 10_000]);
  });

  test('PutParameter throttling: the jitter takes a random part of the window', async () => {
    const { clock, sleeps } = fakeClock([0.25, 0.5, 1, 1]);

    await withRetries('ssm:PutParameter', throttledTimes(4), 15 * 60_000, clock);

    // 30 s × 0.25 at 0 s; 60 s × 0.5 at 7.5 s; 60 s at 37.5 s; at 97.5 s the burst's expected end is 2.5 s away: 10 s
    expect(sleeps).toEqual([7_500, 30_000, 60_000, 10_000]);
  });

  test('PutParameter throttling: the window ends where a burst of 300 writes is expected to have drained', async () => {
    const { clock, sleeps } = fakeClock([1, 0.5, 1]);

    await withRetries('ssm:PutParameter', throttledTimes(3), 15 * 60_000, clock);

    // 30 s at 0 s; 60 s × 0.5 at 30 s; at 60 s only 40 s are left until 100 s
    expect(sleeps).toEqual([30_000, 30_000, 40_000]);
  });

  test.each([
    [0, 0, 30_000],
    [1, 0, 60_000],
    [1, 75_000, 25_000],
    [2, 99_000, 10_000],
    [9, 600_000, 10_000],
  ])('PUT_PARAMETER_WINDOW(retry %d, %d ms after the first attempt) is %d ms', (retry, elapsed, window) => {
    expect(PUT_PARAMETER_WINDOW(retry, elapsed)).toBe(window);
  });

  test('stops before the deadline and names the operation', async () => {
    const { clock, sleeps } = fakeClock();

    const failure = withRetries('ssm:PutParameter', async () => { throw awsError('TooManyUpdates'); }, 2_000, clock);

    await expect(failure).rejects.toMatchObject({ name: 'TooManyUpdates' });
    // 250 + 500 + 1000 ends before 2 s; the next wait (2 s) would pass the deadline
    expect(sleeps).toEqual([250, 500, 1000]);
    expect(failedOperation(await failure.catch((e) => e))).toBe('ssm:PutParameter');
  });

  test('never sleeps past the deadline on PutParameter throttling either', async () => {
    const { clock, sleeps } = fakeClock([0.5]);

    const failure = withRetries('ssm:PutParameter', async () => { throw awsError('ThrottlingException'); }, 50_000, clock);

    await expect(failure).rejects.toMatchObject({ name: 'ThrottlingException' });
    // 15 s, then a 60 s window drawn at 1 would end at 75 s, past the 50 s deadline: it gives up instead
    expect(sleeps).toEqual([15_000]);
  });

  test('does not retry other errors', async () => {
    const { clock, sleeps } = fakeClock();

    await expect(withRetries('kms:Decrypt', async () => { throw awsError('AccessDeniedException'); }, 60_000, clock)).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    expect(sleeps).toEqual([]);
  });

  test('aborts a call still running at the deadline, so the handler can answer CloudFormation in time', async () => {
    const { clock } = fakeClock();
    let signal: AbortSignal | undefined;
    const neverAnswers = (options: { abortSignal: AbortSignal }) => new Promise<string>((_resolve, reject) => {
      signal = options.abortSignal;
      options.abortSignal.addEventListener('abort', () => reject(Object.assign(new Error('Request aborted'), { name: 'AbortError' })));
    });

    const failure = withRetries('ssm:PutParameter', neverAnswers, 50, clock);

    await expect(failure).rejects.toMatchObject({ name: 'AbortError' });
    expect(signal?.aborted).toBe(true);
    expect(failedOperation(await failure.catch((e) => e))).toBe('ssm:PutParameter');
  });

  test('a call that answers in time is not aborted afterwards', async () => {
    const { clock } = fakeClock();
    let signal: AbortSignal | undefined;

    await withRetries('ssm:GetParameter', async (options) => { signal = options.abortSignal; return 'ok'; }, 30, clock);
    await new Promise((resolve) => setTimeout(resolve, 60));

    expect(signal?.aborted).toBe(false);
  });
});
