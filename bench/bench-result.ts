/** One benchmark figure, measured against a baseline in the same run. */
export interface BenchResult {
  readonly name: string;
  readonly unit: string;
  readonly ours: number;
  readonly baseline: number;
  readonly baselineName: string;
  /** The goal in words, e.g. "≤ 1.5×". */
  readonly goal: string;
  readonly met: boolean;
  /** What else the reader should know about this figure. */
  readonly note?: string;
}

/** The median of `runs` timings of `work`, in milliseconds. */
export function medianMs(runs: number, work: () => void): number {
  const times = Array.from({ length: runs }, () => {
    const start = process.hrtime.bigint();
    work();
    return Number(process.hrtime.bigint() - start) / 1e6;
  }).sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/**
 * Times `ours` and `baseline` alternately, `pairs` times, and returns the medians and the median of
 * the pairwise ratios: alternating cancels the drift of a shared machine that separate runs would show.
 */
export function pairedTimings(pairs: number, ours: () => void, baseline: () => void): { ours: number; baseline: number; ratio: number } {
  const oursMs: number[] = [];
  const baselineMs: number[] = [];
  for (let i = 0; i < pairs; i++) {
    oursMs.push(medianMs(1, ours));
    baselineMs.push(medianMs(1, baseline));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { ours: median(oursMs), baseline: median(baselineMs), ratio: median(oursMs.map((o, i) => o / baselineMs[i])) };
}
