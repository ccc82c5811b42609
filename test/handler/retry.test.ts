import { awsError } from './events';
import { failedOperation, RetryClock, withRetries } from '../../lib/handler/retry';

function fakeClock(start = 0) {
  let now = start;
  const sleeps: number[] = [];
  const clock: RetryClock = { now: () => now, sleep: async (ms) => { sleeps.push(ms); now += ms; }, random: () => 1 };
  return { clock, sleeps };
}

describe('withRetries', () => {
  test('retries throttling with exponential backoff capped at 8 s, then succeeds', async () => {
    const { clock, sleeps } = fakeClock();
    let calls = 0;

    const result = await withRetries('ssm:PutParameter', async () => {
      if (++calls < 7) throw awsError('ThrottlingException');
      return 'ok';
    }, 60_000, clock);

    expect(result).toBe('ok');
    expect(sleeps).toEqual([250, 500, 1000, 2000, 4000, 8000]);
  });

  test('stops before the deadline and names the operation', async () => {
    const { clock, sleeps } = fakeClock();

    const failure = withRetries('ssm:PutParameter', async () => { throw awsError('TooManyUpdates'); }, 2_000, clock);

    await expect(failure).rejects.toMatchObject({ name: 'TooManyUpdates' });
    // 250 + 500 + 1000 ends before 2 s; the next wait (2 s) would pass the deadline
    expect(sleeps).toEqual([250, 500, 1000]);
    expect(failedOperation(await failure.catch((e) => e))).toBe('ssm:PutParameter');
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
