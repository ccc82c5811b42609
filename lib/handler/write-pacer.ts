/**
 * Paces the writes of one invocation to a rate (PutParameter's quota is 3 TPS per account and region by
 * default, shared with every other writer in the account): each write, a retry included, waits for its own
 * slot, one every 1 / writesPerSecond seconds, in the order writes ask. The handler then does not need
 * throttling errors to find the rate; it still retries them (another writer may use the quota too).
 */
export interface PacerClock {
  readonly now: () => number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const REAL_PACER_CLOCK: PacerClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(signal.reason);
      }, { once: true });
    }),
};

/** How a pacer meets throttling. */
export interface WritePacerOptions {
  /**
   * Yield the account's quota to the other writers: a throttled write halves the rate, down to this, and the rate
   * climbs back by one write per second each minute. Default: the rate is fixed (a deploy keeps the pace it was
   * given; its writes retry throttling on their own).
   */
  readonly minWritesPerSecond?: number;
}

/** After a halving, the rate climbs back by one write per second each minute. */
const RECOVERY_PER_SECOND = 1 / 60;

export class WritePacer {
  private nextSlot = 0;
  /** The rate the last halving set, and when (on the clock); never halved yet: the full rate from ever. */
  private halvedRate: number;
  private halvedAt = -Infinity;
  /** Halvings so far: a write remembers the count when it takes its slot. */
  private halvings = 0;

  constructor(
    private readonly writesPerSecond: number,
    private readonly clock: PacerClock = REAL_PACER_CLOCK,
    private readonly options: WritePacerOptions = {},
  ) {
    this.halvedRate = writesPerSecond;
  }

  /** Writes per second now: the full rate, or, after a throttled write, half the rate then, climbing back. */
  public rate(now = this.clock.now()): number {
    return Math.min(this.writesPerSecond, this.halvedRate + ((now - this.halvedAt) / 1000) * RECOVERY_PER_SECOND);
  }

  /** Waits for this write's slot; rejects when `signal` aborts first (the handler's deadline). */
  public async take(signal?: AbortSignal): Promise<void> {
    const now = this.clock.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + 1000 / this.rate(now);
    if (slot > now) {
      await this.clock.sleep(slot - now, signal);
    }
  }

  /** Sends `write` in its slot; a throttled write tells the pacer, which may then slow down. */
  public async paced<T>(write: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const halvings = this.halvings;
    await this.take(signal);
    try {
      return await write();
    } catch (err) {
      if (err instanceof Error && err.name === 'ThrottlingException') {
        this.throttled(halvings);
      }
      throw err;
    }
  }

  /**
   * Another writer uses the quota: halve the rate, and push the next slot out. Not again for a write that took its
   * slot before the last halving (`halvings` then): the writes paced at the old rate are throttled in a burst, and
   * one halving answers them all.
   */
  private throttled(halvings: number): void {
    const min = this.options.minWritesPerSecond;
    if (min === undefined || halvings < this.halvings) {
      return;
    }
    const now = this.clock.now();
    this.halvings++;
    this.halvedRate = Math.max(min, this.rate(now) / 2);
    this.halvedAt = now;
    this.nextSlot = Math.max(this.nextSlot, now + 1000 / this.halvedRate);
  }
}
