import { formatDuration } from '@site/plugins/remark-runbook/syntax/duration';
import { describe, expect, it } from 'vitest';
import type { CheckResultRecord } from '@site/server/checks/types';
import { conditionsText, countStatuses, groupRows, onePerBlock, rowOf } from './model';
import { sparkline } from './sparkline';
import type { HealthCheck } from './types';

const record = (over: Partial<CheckResultRecord> = {}): CheckResultRecord => ({
  id: 'r1',
  env: 'demo',
  key: 'investor-profit/profit-vs-average',
  sha256: 'a'.repeat(64),
  runbook: 'investor-profit',
  step: 'compare',
  businessDate: '2026-11-30',
  value: 118,
  rows: 1,
  verdict: 'ok',
  detail: 'value 118; 7-day average 112 (+5.4 %)',
  runId: 'run-1',
  ranBy: 'scheduler',
  origin: 'schedule',
  at: '2026-12-01T07:00:00.000Z',
  ...over,
});

const check = (over: Partial<HealthCheck> = {}): HealthCheck => ({
  key: 'investor-profit/profit-vs-average',
  sha256: 'a'.repeat(64),
  runbook: 'investor-profit',
  runbookTitle: 'Profit aggregate',
  system: 'investor',
  owner: 'Jane Doe',
  step: 'compare',
  stepTitle: 'Compare with the 7-day average',
  title: 'Profit against its 7-day average',
  docPath: '/investor/profit-aggregate',
  anchor: 'snippet-profit-vs-average',
  params: [{ name: 'business_date', type: 'date', default: 'today' }, { name: 'limit', type: 'int', default: '10' }],
  dateParam: 'business_date',
  conditions: { warn: 'change(avg 7d) within 10%', error: 'change(avg 7d) within 20%' },
  status: 'ok',
  last: record(),
  history: [
    { at: '2026-11-29T07:00:00Z', businessDate: '2026-11-29', value: 100, verdict: 'ok' },
    { at: '2026-11-30T07:00:00Z', businessDate: '2026-11-30', value: 118, verdict: 'ok' },
  ],
  ...over,
});

describe('a Health row', () => {
  it('shows the recorded result: status, value, conditions, who ran it, and a link that opens the check ready to run', () => {
    const row = rowOf(check(), undefined, 'prod', '2026-11-30');
    expect(row).toMatchObject({
      status: 'ok',
      value: 118,
      threshold: 'error if change(avg 7d) within 20% · warn if change(avg 7d) within 10%',
      lastBy: 'scheduler',
      lastOrigin: 'schedule',
      title: 'Profit against its 7-day average',
      link: '/investor/profit-aggregate?env=prod&business_date=2026-11-30#snippet-profit-vs-average',
    });
  });
  it('says why a stale check is stale — which date has no result and which date the old figure is for — and names a check without a title by its id', () => {
    const row = rowOf(check({ status: 'stale', title: null }), undefined, 'demo', '2026-12-01');
    expect(row.statusHint).toBe('Not run for 2026-12-01 yet; the last result is for 2026-11-30.');
    // The old figure is shown as the old figure, and the old result's detail is not read as tonight's.
    expect(row).toMatchObject({ value: 118, valueFor: '2026-11-30', detail: null });
    expect(row.title).toBe('profit-vs-average');
    const undated = rowOf(check({ status: 'stale', dateParam: null, last: record({ businessDate: null }) }), undefined, 'demo', null);
    expect(undated).toMatchObject({ statusHint: 'Not run for more than a day (last 2026-12-01).', valueFor: null });
  });
  it('takes a result of this page over the recorded one, with the condition that decided, and draws it at the end of the history', () => {
    const live = { state: 'done' as const, verdict: 'warn' as const, value: 88, detail: 'value 88; 7-day average 110 (-20 %)', threshold: 'change(avg 7d) within 10%', at: '2026-12-01T23:00:00Z' };
    const row = rowOf(check(), live, 'demo', '2026-12-01');
    expect(row).toMatchObject({ status: 'warn', value: 88, threshold: 'change(avg 7d) within 10%', lastBy: 'you', lastOrigin: 'this page' });
    expect(row.history.at(-1)).toEqual({ at: '2026-12-01T23:00:00Z', value: 88, verdict: 'warn' });
  });
  it('keeps the recorded value when the check could not run, and says so', () => {
    const live = { state: 'done' as const, verdict: null, value: null, detail: 'connector_error: no such table', threshold: null, at: '2026-12-01T23:00:00Z' };
    const row = rowOf(check(), live, 'demo', '2026-12-01');
    expect(row).toMatchObject({ status: 'failed-to-run', value: 118, detail: 'connector_error: no such table' });
    expect(row.history).toHaveLength(2);
  });
  it('shows queued and running while the page runs every check', () => {
    expect(rowOf(check(), { state: 'running' }, 'demo', '2026-12-01').status).toBe('running');
    expect(rowOf(check({ status: 'not-run', last: null, history: [] }), { state: 'queued' }, 'demo', '2026-12-01')).toMatchObject({ status: 'queued', lastAt: null, value: null });
  });
  it('fills the date parameter the server judges the check by, even when it is not called business_date', () => {
    const row = rowOf(check({ params: [{ name: 'as_of', type: 'date', default: 'yesterday' }], dateParam: 'as_of' }), undefined, 'demo', '2026-11-30');
    expect(row.link).toBe('/investor/profit-aggregate?env=demo&as_of=2026-11-30#snippet-profit-vs-average');
  });
  it("without a picked date, runs and links each check with its own business date", () => {
    const own = check({ businessDate: '2026-11-30', params: [{ name: 'report_date', type: 'date', default: 'yesterday' }], dateParam: 'report_date' });
    const row = rowOf(own, undefined, 'demo', null);
    expect(row.businessDate).toBe('2026-11-30');
    expect(row.link).toBe('/investor/profit-aggregate?env=demo&report_date=2026-11-30#snippet-profit-vs-average');
    expect(rowOf(check({ params: [], dateParam: null, businessDate: null }), undefined, 'demo', null).link).toBe('/investor/profit-aggregate?env=demo#snippet-profit-vs-average');
  });
  it('knows a value recorded by an age() rule is seconds, said as a duration', () => {
    expect(rowOf(check({ conditions: { expect: 'age(max_kpi_date) < 41h' } }), undefined, 'demo', null).valueIsAge).toBe(true);
    expect(rowOf(check({ conditions: { expect: 'rows > 0', error: 'age(last_loaded_at) > 24h' } }), undefined, 'demo', null).valueIsAge).toBe(true);
    // The error rule is what the history records, so an age in expect alone does not make the value an age.
    expect(rowOf(check({ conditions: { expect: 'age(loaded_at) < 2h', error: 'value > 5' } }), undefined, 'demo', null).valueIsAge).toBe(false);
    expect(rowOf(check(), undefined, 'demo', null).valueIsAge).toBe(false);
    expect(formatDuration(134_502.661)).toBe('37.4h');
  });
  it('writes the old expect as it was written', () => {
    expect(conditionsText({ expect: 'rows>0' })).toBe('expect rows>0');
    expect(conditionsText({})).toBe('');
  });
});

describe('grouping and counting', () => {
  it('groups by runbook with its owner and counts each status', () => {
    const checks = [
      check(),
      check({ key: 'investor-profit/refresh-finished', status: 'error' }),
      check({ key: 'retail-monitoring/freshness', runbook: 'retail-monitoring', runbookTitle: 'Monitoring and alerts', owner: null, status: 'not-run', last: null, history: [] }),
    ];
    const groups = groupRows(checks, new Map(), 'demo', '2026-12-01');
    expect(groups.map((g) => [g.runbook, g.owner, g.rows.length, g.counts.ok, g.counts.error, g.counts['not-run']])).toEqual([
      ['investor-profit', 'Jane Doe', 2, 1, 1, 0],
      ['retail-monitoring', null, 1, 0, 0, 1],
    ]);
    expect(countStatuses(groups.flatMap((g) => g.rows))).toMatchObject({ ok: 1, error: 1, 'not-run': 1, warn: 0 });
  });
  it('keeps one check per block: the variant for the environment engine, else the one without a dialect', () => {
    const variants = [check({ key: 'rb/c:postgres' }), check({ key: 'rb/c' }), check({ key: 'rb/c:duckdb' }), check({ key: 'rb/d' })];
    expect(onePerBlock(variants, ['duckdb']).map((c) => c.key)).toEqual(['rb/c:duckdb', 'rb/d']);
    expect(onePerBlock(variants, ['snowflake']).map((c) => c.key)).toEqual(['rb/c', 'rb/d']);
  });
});

describe('the sparkline', () => {
  const p = (value: number | null, verdict: 'ok' | 'warn' | 'error' = 'ok') => ({ at: '', value, verdict });
  it('spreads the points across the width with the largest value at the top', () => {
    const s = sparkline([p(0), p(10, 'warn'), p(5)], 100, 20, 0);
    expect(s.line).toBe('0,20 50,0 100,10');
    expect(s.marks[1]).toEqual({ x: 50, y: 0, verdict: 'warn' });
    expect([s.min, s.max]).toEqual([0, 10]);
  });
  it('skips a result without a value, and draws a flat series in the middle', () => {
    const s = sparkline([p(3), p(null), p(3)], 100, 20, 0);
    expect(s.line).toBe('0,10 100,10');
    expect(s.marks).toHaveLength(2);
  });
  it('draws one result as a dot and no history as nothing', () => {
    expect(sparkline([p(7)], 100, 20)).toMatchObject({ line: '', marks: [{ x: 50, y: 10 }] });
    expect(sparkline([], 100, 20)).toEqual({ line: '', marks: [], min: null, max: null });
  });
});
