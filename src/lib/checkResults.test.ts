import { describe, expect, it } from 'vitest';
import { checkResultOf, clearCheckResult, publishCheckResult, subscribeCheckResult, type ReportedResult } from './checkResults';

const result = (key: string): ReportedResult => ({
  key,
  columns: [{ name: 'source_table', type: 'VARCHAR' }],
  rows: [['ldz.orders']],
  done: { type: 'done', id: 'c1', status: 'failed', rowCount: 1, truncated: false, elapsedMs: 3, check: { passed: false, detail: '1 row; expected rows = 0' } },
  businessDate: '2026-12-01',
  at: '2026-12-01T20:00:00Z',
});

describe('failed check results handed from the report to their blocks', () => {
  it('reaches the subscribers of that snippet key only, and is kept for blocks that mount later', () => {
    const seen: (string | null)[] = [];
    const other: unknown[] = [];
    const off = subscribeCheckResult('rb/ldz-rows', (r) => seen.push(r?.businessDate ?? null));
    const offOther = subscribeCheckResult('rb/other', (r) => other.push(r));
    publishCheckResult(result('rb/ldz-rows'));
    expect(seen).toEqual(['2026-12-01']);
    expect(other).toEqual([]);
    expect(checkResultOf('rb/ldz-rows')?.rows).toEqual([['ldz.orders']]);
    off();
    offOther();
  });

  it('tells the block when the result is cleared, and stops after unsubscribing', () => {
    const seen: (ReportedResult | null)[] = [];
    const off = subscribeCheckResult('rb/k', (r) => seen.push(r));
    publishCheckResult(result('rb/k'));
    clearCheckResult('rb/k');
    off();
    publishCheckResult(result('rb/k'));
    expect(seen.map((r) => r?.key ?? null)).toEqual(['rb/k', null]);
    expect(checkResultOf('rb/k')).not.toBeNull();
  });
});
