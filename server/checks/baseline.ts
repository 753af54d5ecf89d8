/**
 * Baseline arithmetic over a check's recorded history: which past results a window covers, and their
 * average, minimum, maximum and z-score. Pure, so every rule of the windows is unit-tested.
 *
 * A business day counts once: reruns of a day keep only their newest result, so rerunning a check ten
 * times does not weigh its day ten times. The current business date and anything after it are never
 * its own baseline — a check for 2026-11-30 compares with the days before it, whenever it is run.
 */
import { addDays } from '../../plugins/remark-runbook/syntax/zonedDate';
import type { HistoryWindow } from '../../plugins/remark-runbook/syntax/condition';
import type { CheckResultRecord } from './types';

export type HistoryPoint = Pick<CheckResultRecord, 'businessDate' | 'value' | 'at'>;

/**
 * The past values a window covers, newest first. `history` is newest first (as `CheckHistory.series`
 * returns it) and may include the current business date's earlier runs, which are left out.
 */
export function windowValues(history: readonly HistoryPoint[], businessDate: string | null, window: HistoryWindow): number[] {
  const seenDates = new Set<string>();
  const points: { date: string | null; value: number }[] = [];
  for (const p of history) {
    if (p.value === null || !Number.isFinite(p.value)) continue;
    if (businessDate !== null && p.businessDate !== null) {
      if (p.businessDate >= businessDate) continue;
      if (seenDates.has(p.businessDate)) continue;
      seenDates.add(p.businessDate);
    }
    points.push({ date: p.businessDate, value: p.value });
  }
  if (window.unit === 'runs') return points.slice(0, window.size).map((p) => p.value);
  // Days need a business date to count back from; a check without one has no days.
  if (businessDate === null) return [];
  const first = addDays(businessDate, -window.size);
  return points.filter((p) => p.date !== null && p.date >= first).map((p) => p.value);
}

export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Sample standard deviation (n − 1): the history is a sample of how the figure behaves. */
export function stddev(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1));
}

/**
 * How many standard deviations `value` lies from the history's mean. A flat history (no spread) makes
 * any difference infinitely unusual and no difference 0, which is what an operator would expect.
 */
export function zscore(value: number, values: readonly number[]): number {
  const m = mean(values);
  const sd = stddev(values);
  if (sd === 0) return value === m ? 0 : value > m ? Infinity : -Infinity;
  return (value - m) / sd;
}

/** Relative change from `from` to `of`: 0.2 is 20 % up; from 0, any change is infinite. */
export function relativeChange(of: number, from: number): number {
  if (from === 0) return of === 0 ? 0 : of > 0 ? Infinity : -Infinity;
  return (of - from) / Math.abs(from);
}
