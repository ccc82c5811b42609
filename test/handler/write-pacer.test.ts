import { PacerClock, REAL_PACER_CLOCK, WritePacer } from '../../lib/handler/write-pacer';

/**
 * A clock that moves only when the test says so; sleepers wake when it passes their time (a sleep already due, such
 * as 0 ms, at once), or reject with the signal's reason when it aborts first.
 */
class FakeClock implements PacerClock {
  public time = 1_000_000;
  /** Each sleep asked for, in milliseconds, in the order asked. */
  public readonly sleeps: number[] = [];
  private sleepers: Array<{ wakeAt: number; wake: () => void }> = [];

  public readonly now = () => this.time;

  public readonly sleep = (ms: number, signal?: AbortSignal) => {
    this.sleeps.push(ms);
    if (ms <= 0) {
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const sleeper = { wakeAt: this.time + ms, wake: resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(signal.reason);
      });
    });
  };

  public async advance(ms: number): Promise<void> {
    this.time += ms;
    const due = this.sleepers.filter((s) => s.wakeAt <= this.time);
    this.sleepers = this.sleepers.filter((s) => s.wakeAt > this.time);
    due.forEach((s) => s.wake());
    // let the woken takes settle before the test looks
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A promise's state once the work already queued has run: a test fails at once rather than waiting on it. */
async function stateOf(promise: Promise<unknown>): Promise<'resolved' | 'rejected' | 'pending'> {
  let state: 'resolved' | 'rejected' | 'pending' = 'pending';
  promise.then(() => (state = 'resolved'), () => (state = 'rejected'));
  await new Promise((resolve) => setImmediate(resolve));
  return state;
}

/** Starts a take and records when it resolves. */
function track(pacer: WritePacer, done: string[], id: string): Promise<void> {
  return pacer.take().then(() => void done.push(id));
}

describe('WritePacer', () => {
  test('gives each write its slot, 1 / rate apart, in the order the writes ask', async () => {
    const clock = new FakeClock();
    const pacer = new WritePacer(4, clock);
    const done: string[] = [];

    const takes = ['a', 'b', 'c', 'd'].map((id) => track(pacer, done, id));
    await clock.advance(0);
    expect(done).toEqual(['a']);
    expect(clock.sleeps).toEqual([250, 500, 750]);

    await clock.advance(249);
    expect(done).toEqual(['a']);
    await clock.advance(1);
    expect(done).toEqual(['a', 'b']);
    await clock.advance(500);
    expect(done).toEqual(['a', 'b', 'c', 'd']);
    await Promise.all(takes);
  });

  test('a rate below one a second spaces the slots wider', async () => {
    const clock = new FakeClock();
    const pacer = new WritePacer(0.5, clock);

    void pacer.take();
    void pacer.take();

    expect(clock.sleeps).toEqual([2_000]);
  });

  test('a write after idle time goes at once, and the one after it waits one interval from then', async () => {
    const clock = new FakeClock();
    const pacer = new WritePacer(10, clock);
    await pacer.take();
    await clock.advance(5_000);

    const afterIdle = pacer.take();
    expect(clock.sleeps).toEqual([]);
    const next = pacer.take();

    expect(clock.sleeps).toEqual([100]);
    await clock.advance(100);
    await Promise.all([afterIdle, next]);
  });

  test('a write asking while an earlier one still waits queues behind it, not behind the clock', async () => {
    const clock = new FakeClock();
    const pacer = new WritePacer(2, clock);
    await pacer.take();
    const second = pacer.take();
    await clock.advance(200);

    const third = pacer.take();

    // the second's slot is at 500 ms, the third's at 1,000 ms: 800 ms from now
    expect(clock.sleeps).toEqual([500, 800]);
    await clock.advance(800);
    await Promise.all([second, third]);
  });

  test('an abort during the wait rejects with the signal\'s reason (the real clock)', async () => {
    // one write per 1,000 s: the second take would wait that long, and only the abort ends it
    const pacer = new WritePacer(0.001);
    await pacer.take();
    const controller = new AbortController();
    const reason = new Error('the handler\'s deadline');

    const waiting = pacer.take(controller.signal);
    controller.abort(reason);

    expect(await stateOf(waiting)).toBe('rejected');
    await expect(waiting).rejects.toBe(reason);
  });

  test('a write whose slot is now asks no sleep at all, not even one of 0 ms', async () => {
    const clock = new FakeClock();
    const pacer = new WritePacer(4, clock);

    const first = pacer.take();
    expect(clock.sleeps).toEqual([]);
    await first;
    await clock.advance(250);
    const onItsSlot = pacer.take();

    expect(clock.sleeps).toEqual([]);
    await onItsSlot;
  });

  test('an abort while a paced write waits for its slot: the write is never sent, the reason is the error', async () => {
    const clock = new FakeClock();
    const pacer = new WritePacer(1, clock);
    await pacer.take();
    const controller = new AbortController();
    const reason = new Error('the handler\'s deadline');
    const write = jest.fn(() => Promise.resolve('written'));

    const waiting = pacer.paced(write, controller.signal);
    await clock.advance(999);
    controller.abort(reason);

    await expect(waiting).rejects.toBe(reason);
    expect(clock.sleeps).toEqual([1_000]);
    expect(write).not.toHaveBeenCalled();
  });

  test('a paced write that succeeds answers what the write answered, in its slot', async () => {
    const clock = new FakeClock();
    const pacer = new WritePacer(2, clock, { minWritesPerSecond: 0.25 });
    const sentAt: number[] = [];
    const write = (value: string) => () => {
      sentAt.push(clock.time);
      return Promise.resolve(value);
    };

    const first = pacer.paced(write('one'));
    const second = pacer.paced(write('two'));
    await clock.advance(0);
    expect(sentAt).toEqual([1_000_000]);
    await clock.advance(500);

    await expect(Promise.all([first, second])).resolves.toEqual(['one', 'two']);
    expect(sentAt).toEqual([1_000_000, 1_000_500]);
    expect(pacer.rate()).toBe(2);
  });
});

describe('the real clock (jest\'s fake timers: no real wait)', () => {
  // setImmediate stays real: stateOf lets queued work run with it
  beforeEach(() => jest.useFakeTimers({ now: 1_700_000_000_000, doNotFake: ['setImmediate'] }));
  afterEach(() => jest.useRealTimers());

  test('now is the wall clock in milliseconds', () => {
    expect(REAL_PACER_CLOCK.now()).toBe(1_700_000_000_000);
    jest.advanceTimersByTime(1_500);
    expect(REAL_PACER_CLOCK.now()).toBe(1_700_000_001_500);
  });

  test('a sleep without a signal resolves after its time, not before', async () => {
    let woke = false;
    const sleeping = REAL_PACER_CLOCK.sleep(1_000).then(() => {
      woke = true;
    });

    await jest.advanceTimersByTimeAsync(999);
    expect(woke).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(await stateOf(sleeping)).toBe('resolved');
    expect(woke).toBe(true);
  });

  test('a sleep with a signal that never aborts resolves after its time', async () => {
    const sleeping = REAL_PACER_CLOCK.sleep(250, new AbortController().signal);

    await jest.advanceTimersByTimeAsync(249);
    expect(await stateOf(sleeping)).toBe('pending');
    await jest.advanceTimersByTimeAsync(1);

    expect(await stateOf(sleeping)).toBe('resolved');
    await expect(sleeping).resolves.toBeUndefined();
  });

  test('an abort rejects the sleep at once with the signal\'s reason, and its timer is cleared', async () => {
    const controller = new AbortController();
    const reason = new Error('the handler\'s deadline');
    const sleeping = REAL_PACER_CLOCK.sleep(60_000, controller.signal);
    expect(jest.getTimerCount()).toBe(1);

    controller.abort(reason);

    expect(await stateOf(sleeping)).toBe('rejected');
    await expect(sleeping).rejects.toBe(reason);
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('a pacer that yields to other writers (the rotator\'s)', () => {
  const throttling = () => Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

  test('a throttled write halves the rate and pushes the next slot a new interval out; the rate climbs back a write per second each minute', async () => {
    const clock = new FakeClock();
    const pacer = new WritePacer(2, clock, { minWritesPerSecond: 0.25 });

    await expect(pacer.paced(throttling)).rejects.toThrow('Rate exceeded');

    expect(pacer.rate()).toBe(1);
    void pacer.take();
    expect(clock.sleeps).toEqual([1_000]);
    await clock.advance(30_000);
    expect(pacer.rate()).toBe(1.5);
    await clock.advance(30_000);
    expect(pacer.rate()).toBe(2);
    await clock.advance(600_000);
    expect(pacer.rate()).toBe(2);
  });

  test('writes that took their slots before a halving do not halve again; one that took it after does, down to the floor', async () => {
    const clock = new FakeClock();
    const pacer = new WritePacer(2, clock, { minWritesPerSecond: 0.25 });

    const first = expect(pacer.paced(throttling)).rejects.toThrow();
    const second = expect(pacer.paced(throttling)).rejects.toThrow();
    await first;
    await clock.advance(500);
    await second;
    // the burst at the old rate halved it once, and it has climbed back for half a second since
    expect(pacer.rate()).toBeCloseTo(1 + 0.5 / 60, 10);

    // each next write waits at most 4 s (the floor's interval), and is throttled again
    for (let i = 0; i < 4; i++) {
      const next = expect(pacer.paced(throttling)).rejects.toThrow();
      await clock.advance(4_000);
      await next;
    }
    expect(pacer.rate()).toBe(0.25);
  });

  test('an error other than throttling leaves the rate alone', async () => {
    const pacer = new WritePacer(2, new FakeClock(), { minWritesPerSecond: 0.25 });

    await expect(pacer.paced(() => Promise.reject(Object.assign(new Error('denied'), { name: 'AccessDeniedException' })))).rejects.toThrow('denied');

    expect(pacer.rate()).toBe(2);
  });

  test('without a floor the rate is fixed: a deploy keeps the pace it was given', async () => {
    const clock = new FakeClock();
    const pacer = new WritePacer(2, clock);

    await expect(pacer.paced(throttling)).rejects.toThrow();
    void pacer.take();

    expect(pacer.rate()).toBe(2);
    expect(clock.sleeps).toEqual([500]);
  });

  test('after a halving the next slot is one interval of the halved rate from the throttle, and the slots follow at that rate', async () => {
    const clock = new FakeClock();
    const pacer = new WritePacer(4, clock, { minWritesPerSecond: 0.25 });

    // the write took its slot at 1,000,000 (the next was at +250 ms); it is throttled 100 ms later
    const throttledLater = () => clock.advance(100).then(throttling);
    await expect(pacer.paced(throttledLater)).rejects.toThrow('Rate exceeded');

    expect(pacer.rate()).toBe(2);
    // the halved rate is 2 a second: the next slot at 100 + 500 ms (not at the old +250 ms), the one after 500 ms later
    const takes = [pacer.take(), pacer.take()];
    expect(clock.sleeps).toEqual([500, 1_000]);
    await clock.advance(1_000);
    await Promise.all(takes);
  });

  test('a halving halves the rate it has climbed back to, not the one it was halved to', async () => {
    const clock = new FakeClock();
    const pacer = new WritePacer(8, clock, { minWritesPerSecond: 0.25 });

    await expect(pacer.paced(throttling)).rejects.toThrow();
    expect(pacer.rate()).toBe(4);
    await clock.advance(120_000);
    expect(pacer.rate()).toBe(6);

    await expect(pacer.paced(throttling)).rejects.toThrow();

    expect(pacer.rate()).toBe(3);
    expect(clock.sleeps).toEqual([]);
    void pacer.take();
    expect(clock.sleeps).toHaveLength(1);
    expect(clock.sleeps[0]).toBeCloseTo(1_000 / 3, 6);
  });
});
