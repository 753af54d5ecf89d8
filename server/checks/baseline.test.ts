import { describe, expect, it } from 'vitest';
import { mean, relativeChange, stddev, windowValues, zscore, type HistoryPoint } from './baseline';

const day = (d: number) => `2026-11-${String(d).padStart(2, '0')}`;
const p = (d: number | null, value: number | null, at = 'x'): HistoryPoint => ({ businessDate: d === null ? null : day(d), value, at });

describe('baseline windows', () => {
  // Newest first, as the history store returns it; the 30th was rerun and has an earlier result too.
  const history = [p(30, 999), p(29, 100), p(29, 50), p(28, 90), p(27, null), p(26, 110), p(20, 70), p(12, 10)];

  it('leaves out the business date itself, counts a rerun day once (its newest result) and skips results without a value', () => {
    expect(windowValues(history, day(30), { size: 3, unit: 'runs' })).toEqual([100, 90, 110]);
  });

  it('counts days back from the business date, whatever ran in between', () => {
    expect(windowValues(history, day(30), { size: 7, unit: 'days' })).toEqual([100, 90, 110]);
    expect(windowValues(history, day(30), { size: 10, unit: 'days' })).toEqual([100, 90, 110, 70]);
    // Evaluated for a past date, the later days are not its baseline.
    expect(windowValues(history, day(27), { size: 7, unit: 'days' })).toEqual([110, 70]);
  });

  it('treats a check without a business date as a series of runs and gives it no days', () => {
    const undated = [p(null, 5), p(null, 4), p(null, 3)];
    expect(windowValues(undated, null, { size: 2, unit: 'runs' })).toEqual([5, 4]);
    expect(windowValues(undated, null, { size: 7, unit: 'days' })).toEqual([]);
  });

  it('computes mean, sample standard deviation, z-score and relative change', () => {
    expect(mean([2, 4, 6])).toBe(4);
    expect(stddev([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2.138, 3);
    expect(zscore(10, [2, 4, 6])).toBe(3);
    expect(zscore(4, [4, 4, 4])).toBe(0);
    expect(zscore(5, [4, 4, 4])).toBe(Infinity);
    expect(relativeChange(60, 100)).toBeCloseTo(-0.4);
    expect(relativeChange(-60, -100)).toBeCloseTo(0.4);
    expect(relativeChange(0, 0)).toBe(0);
    expect(relativeChange(1, 0)).toBe(Infinity);
  });
});
