import { describe, expect, it } from 'vitest';
import { formatSummary, percentile, summarize } from './stats';

describe('bench summaries', () => {
  it('takes the middle sample of an odd count and the mean of the middle two of an even one, whatever the order', () => {
    expect(summarize([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5, n: 3 });
    expect(summarize([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4, n: 4 });
  });

  it('refuses no samples rather than report a figure', () => {
    expect(() => summarize([])).toThrow(/No samples/);
    expect(() => percentile([], 50)).toThrow(/No samples/);
  });

  it('picks the nearest-rank percentile', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile(xs, 95)).toBe(95);
    expect(percentile(xs, 100)).toBe(100);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([1, 2, 3, 4], 0)).toBe(1);
  });

  it('prints the median with its spread', () => {
    expect(formatSummary(summarize([10, 30, 20]), 'ms')).toBe('20.0 ms [10.0–30.0], median of 3');
  });
});
