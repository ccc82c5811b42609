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

export class WritePacer {
  private nextSlot = 0;

  constructor(private readonly writesPerSecond: number, private readonly clock: PacerClock = REAL_PACER_CLOCK) {}

  /** Waits for this write's slot; rejects when `signal` aborts first (the handler's deadline). */
  public async take(signal?: AbortSignal): Promise<void> {
    const now = this.clock.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + 1000 / this.writesPerSecond;
    if (slot > now) {
      await this.clock.sleep(slot - now, signal);
    }
  }
}
