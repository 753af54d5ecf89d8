import { describe, expect, it } from 'vitest';
import type { HistoryPoint } from './baseline';
import { deadlineInstant, judgeCheck, readsHistory } from './verdict';

const now = new Date('2026-12-01T07:00:00.000Z');
const days = (values: number[]): HistoryPoint[] =>
  values.map((value, i) => ({ value, businessDate: `2026-11-${String(29 - i).padStart(2, '0')}`, at: 'x' }));
const obs = (columns: string[], row: unknown[] | undefined, rowCount = row ? 1 : 0) => ({ columns, firstRow: row, rowCount });
const ctx = (o: ReturnType<typeof obs>, history: HistoryPoint[] = [], businessDate: string | null = '2026-11-30') => ({ observation: o, history, businessDate, now });

describe('check verdicts', () => {
  it('keeps an expect alone exactly as before: ok or error, with its old detail', () => {
    expect(judgeCheck({ expect: 'value = 0' }, ctx(obs(['n'], [3])))).toEqual({ verdict: 'error', value: 3, threshold: 'value = 0', detail: 'value 3; expected value = 0' });
    expect(judgeCheck({ expect: 'rows>0' }, ctx(obs(['n'], [3], 4)))).toMatchObject({ verdict: 'ok', value: 4 });
  });

  it('judges a system block\'s grid: text on the first row, count(…) over every row, each row on its own', () => {
    const columns = ['unique_id', 'status', 'failures'];
    const rows = [['model.retail.fact_orders', 'success', null], ['test.retail.unique_fact_orders_order_id', 'fail', 3], ['test.retail.not_null', 'PASS', 0]];
    const grid = { columns, firstRow: rows[0], rowCount: rows.length, rows };
    const failing = judgeCheck({ expect: "count(status = 'fail' or status = 'error') = 0" }, ctx(grid));
    expect(failing).toMatchObject({ verdict: 'error', value: 1 });
    expect(failing.detail).toMatch(/count\(status = 'fail' or status = 'error'\) of 3 rows 1/);
    expect(judgeCheck({ expect: "count(status = 'pass') = 1" }, ctx(grid)).verdict).toBe('ok'); // as text: case aside
    expect(judgeCheck({ expect: "status = 'success'" }, ctx(grid)).verdict).toBe('ok');
    expect(judgeCheck({ expect: "status != 'success'" }, ctx(grid)).verdict).toBe('error');
    expect(judgeCheck({ expect: 'count(failures > 0) = 0' }, ctx(grid))).toMatchObject({ verdict: 'error', value: 1 });
    // A SQL result carries no rows for count(…): undecided is not healthy.
    expect(judgeCheck({ expect: "count(status = 'fail') = 0" }, ctx(obs(columns, rows[0], 3))).verdict).toBe('error');
    expect(judgeCheck({ expect: "status = 'success'" }, ctx(obs(columns, undefined))).verdict).toBe('error');
  });

  it('catches a 40 % drop that is still above zero against the warehouse baseline the SQL returns', () => {
    const spec = { expect: 'value > 0', error: 'deviation(value, avg_7d) > 20%' };
    const drop = judgeCheck(spec, ctx(obs(['profit', 'avg_7d'], [600, 1000])));
    expect(drop).toMatchObject({ verdict: 'error', value: 600, threshold: 'deviation(value, avg_7d) > 20%' });
    expect(drop.detail).toMatch(/deviation 40\.0 %/);
    expect(judgeCheck(spec, ctx(obs(['profit', 'avg_7d'], [850, 1000])))).toMatchObject({ verdict: 'ok', value: 850 });
  });

  it('warns and errors on separate thresholds against the recorded history; error wins', () => {
    const spec = { expect: null, warn: 'deviation(avg(7 days)) > 25%', error: 'deviation(avg(7 days)) > 50%' };
    const history = days([100, 100, 100, 100, 100, 100, 100]);
    expect(judgeCheck(spec, ctx(obs(['v'], [130]), history)).verdict).toBe('warn');
    expect(judgeCheck(spec, ctx(obs(['v'], [40]), history)).verdict).toBe('error');
    expect(judgeCheck(spec, ctx(obs(['v'], [110]), history)).verdict).toBe('ok');
  });

  it('raises nothing while the history is too short for a z-score, and says so', () => {
    const spec = { expect: null, error: 'zscore(30 days, min 5) > 3' };
    const short = judgeCheck(spec, ctx(obs(['v'], [1000]), days([10, 11, 12])));
    expect(short.verdict).toBe('ok');
    expect(short.detail).toMatch(/3 of the 5 past results/);
    expect(judgeCheck(spec, ctx(obs(['v'], [1000]), days([10, 11, 12, 9, 10, 11]))).verdict).toBe('error');
  });

  it('compares with the previous business day and ignores reruns of the same day', () => {
    const history: HistoryPoint[] = [{ value: 5, businessDate: '2026-11-30', at: 'x' }, ...days([100])];
    expect(judgeCheck({ expect: null, warn: 'value < 0.5 * previous' }, ctx(obs(['v'], [40]), history)).verdict).toBe('warn');
  });

  it('fails freshness on an old or missing timestamp', () => {
    const spec = { expect: 'age(refreshed_at) < 2h' };
    // The history records seconds; the operator reads a duration.
    expect(judgeCheck(spec, ctx(obs(['refreshed_at'], ['2026-12-01 06:00:00'])))).toMatchObject({ verdict: 'ok', value: 3600, valueText: '60m' });
    expect(judgeCheck({ expect: 'value = 0' }, ctx(obs(['n'], [0]))).valueText ?? null).toBeNull();
    expect(judgeCheck(spec, ctx(obs(['refreshed_at'], ['2026-12-01T03:00:00Z']))).verdict).toBe('error');
    expect(judgeCheck(spec, ctx(obs(['refreshed_at'], undefined))).detail).toMatch(/never loaded/);
  });

  it('only warns before the deadline and errors after it', () => {
    const spec = { expect: 'value = 0 by 08:00 UTC' };
    const before = judgeCheck(spec, ctx(obs(['n'], [1])));
    expect(before).toMatchObject({ verdict: 'warn' });
    expect(before.detail).toMatch(/due 2026-12-01 08:00 UTC/);
    const after = judgeCheck(spec, { ...ctx(obs(['n'], [1])), now: new Date('2026-12-01T08:00:00Z') });
    expect(after.verdict).toBe('error');
    expect(judgeCheck(spec, ctx(obs(['n'], [0]))).verdict).toBe('ok');
  });

  it('places deadlines in their zone, the morning after the business date unless same day', () => {
    expect(deadlineInstant({ hour: 8, minute: 30, zone: 'UTC', dayOffset: 1 }, '2026-11-30', now).toISOString()).toBe('2026-12-01T08:30:00.000Z');
    expect(deadlineInstant({ hour: 6, minute: 0, zone: 'Asia/Bangkok', dayOffset: 0 }, '2026-11-30', now).toISOString()).toBe('2026-11-29T23:00:00.000Z');
    expect(deadlineInstant({ hour: 9, minute: 0, zone: 'Europe/London', dayOffset: 1 }, '2026-07-01', now).toISOString()).toBe('2026-07-02T08:00:00.000Z');
  });

  it('says which conditions read history', () => {
    expect(readsHistory({ expect: 'rows > 0' })).toBe(false);
    expect(readsHistory({ expect: null, warn: 'value < previous' })).toBe(true);
    expect(readsHistory({ expect: null, error: 'deviation(value, avg_7d) > 20%' })).toBe(false);
  });
});
