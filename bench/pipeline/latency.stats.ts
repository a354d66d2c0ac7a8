import type { LatencySummary } from './types';

/**
 * The nearest-rank percentile of ascending `sorted` values: the smallest value such that at least
 * `p` percent of the values are less than or equal to it. NaN for no values.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0-100, got ${p}`);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  // p × n / 100 can land a hair above an integer in floating point (99.9 × 1000): round that away.
  const rank = Math.max(1, Math.ceil((p * n) / 100 - 1e-9));
  return sorted[Math.min(n, rank) - 1] ?? Number.NaN;
}

/** Summary of latencies in milliseconds (any order; the input is not modified). */
export function summarizeLatencies(values: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: n,
    min: n === 0 ? Number.NaN : (sorted[0] ?? Number.NaN),
    mean: n === 0 ? Number.NaN : sum / n,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: n === 0 ? Number.NaN : (sorted[n - 1] ?? Number.NaN),
  };
}

/**
 * Latencies of one phase. Keeps every value (a phase has at most some 10^5 of them) so percentiles
 * are exact, not bucketed.
 */
export class LatencyRecorder {
  private values = new Float64Array(4096);
  private size = 0;

  get count(): number {
    return this.size;
  }

  record(ms: number): void {
    if (this.size === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.size] = ms;
    this.size += 1;
  }

  /** The p-th percentile of everything recorded so far. */
  percentile(p: number): number {
    return percentile(this.values.slice(0, this.size).sort(), p);
  }

  summary(): LatencySummary {
    return summarizeLatencies(this.values.subarray(0, this.size));
  }
}
