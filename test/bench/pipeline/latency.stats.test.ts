import { LatencyRecorder, percentile, summarizeLatencies } from '../../../bench/pipeline/latency.stats';

describe('percentile (nearest rank)', () => {
  const sorted = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

  it('picks the smallest value with at least p% of values at or below it', () => {
    expect(percentile(sorted, 50)).toBe(5);
    expect(percentile(sorted, 51)).toBe(6);
    expect(percentile(sorted, 90)).toBe(9);
    expect(percentile(sorted, 99)).toBe(10);
    expect(percentile(sorted, 100)).toBe(10);
    expect(percentile(sorted, 0)).toBe(1);
  });

  it('is NaN for no values and refuses p outside 0-100', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile(sorted, 101)).toThrow(RangeError);
    expect(() => percentile(sorted, Number.NaN)).toThrow(RangeError);
  });

  it('p99 of 1,000 values is the 990th', () => {
    const values = Float64Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(percentile(values, 99)).toBe(990);
    expect(percentile(values, 99.9)).toBe(999);
  });
});

describe('summarizeLatencies', () => {
  it('sorts a copy and reports count, mean and the percentiles', () => {
    const input = [30, 10, 20, 40];
    const summary = summarizeLatencies(input);
    expect(input).toEqual([30, 10, 20, 40]);
    expect(summary).toEqual({ count: 4, min: 10, mean: 25, p50: 20, p95: 40, p99: 40, p999: 40, max: 40 });
  });

  it('gives NaN figures for an empty phase', () => {
    const summary = summarizeLatencies([]);
    expect(summary.count).toBe(0);
    expect(summary.p99).toBeNaN();
    expect(summary.max).toBeNaN();
  });
});

describe('LatencyRecorder', () => {
  it('keeps every value across growth and answers percentiles so far', () => {
    const recorder = new LatencyRecorder();
    for (let i = 10_000; i >= 1; i -= 1) recorder.record(i);
    expect(recorder.count).toBe(10_000);
    expect(recorder.percentile(50)).toBe(5000);
    expect(recorder.summary()).toMatchObject({ count: 10_000, min: 1, max: 10_000, p99: 9900 });
  });
});
