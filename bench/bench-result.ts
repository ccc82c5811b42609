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
}
