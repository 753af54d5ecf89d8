import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness, type TestClient } from '../testing/harness';
import type { CheckEntry, ChecksResponse } from './api';
import type { CheckResultRecord } from './types';

// Ten business days of a daily figure; the 30th drops 40 % and is still far above zero.
const setupSql = `
  create table daily_profit (business_date date, profit double);
  insert into daily_profit select d::date, 1000 + (extract(day from d) % 3) * 10 from range(date '2026-11-20', date '2026-11-30', interval 1 day) t(d);
  insert into daily_profit values (date '2026-11-30', 600);
  create table loads (business_date date, file varchar);
  insert into loads select date '2026-11-27', 'f' || i from range(10) t(i);
  insert into loads select date '2026-11-28', 'f' || i from range(10) t(i);
  insert into loads select date '2026-11-29', 'f' || i from range(4) t(i);`;

const profitSql = `select p.profit, (select avg(profit) from daily_profit b where b.business_date between :business_date - interval 7 day and :business_date - interval 1 day) as avg_7d
from daily_profit p where p.business_date = :business_date`;

let h: Harness;
let client: TestClient;
let n = 0;
beforeAll(async () => {
  h = await startHarness({
    setupSql,
    snippets: {
      'investor-profit/profit-vs-average': { text: profitSql, params: [{ name: 'business_date', type: 'date', default: 'today' }], expect: 'value > 0', error: 'deviation(value, avg_7d) > 20%', title: 'Profit vs the 7-day average' },
      'ingest/files-loaded': { text: 'select file from loads where business_date = :d', params: [{ name: 'd', type: 'date', default: 'yesterday' }], expect: null, warn: 'rows < 0.5 * avg(7 days)' },
      'ingest/plain': { text: 'select 1 as n', expect: 'value = 1' },
      'ingest/write': { text: 'select 1', mode: 'write', expect: null },
    },
  });
  client = await h.connect();
});
afterAll(async () => {
  client?.close();
  await h?.close();
});

async function run(snippet: string, params: Record<string, string> = {}, origin?: string) {
  const id = `r${++n}`;
  client.send({ type: 'run', id, snippet, sha256: h.manifest.snippets[snippet]!.sha256, env: 'demo', params, ...(origin ? { origin } : {}) });
  return client.done(id);
}

const history = async (key: string): Promise<CheckResultRecord[]> => (await h.api('GET', `/api/checks/history?env=demo&key=${encodeURIComponent(key)}&limit=50`)).body.results;

describe('checks as monitors, end to end through the socket and the API', () => {
  it('judges a day against the warehouse baseline: ok on a normal day, error on a 40 % drop that is still > 0', async () => {
    const normal = await run('investor-profit/profit-vs-average', { business_date: '2026-11-29' });
    expect(normal).toMatchObject({ status: 'succeeded', check: { passed: true, verdict: 'ok', value: 1020 } });
    const drop = await run('investor-profit/profit-vs-average', { business_date: '2026-11-30' }, 'run-all');
    expect(drop).toMatchObject({ status: 'failed', check: { passed: false, verdict: 'error', value: 600, threshold: 'deviation(value, avg_7d) > 20%' } });
    expect(drop.check!.detail).toMatch(/deviation 4\d\.\d %/);
    const results = await history('investor-profit/profit-vs-average');
    expect(results.map((r) => [r.businessDate, r.verdict, r.value, r.origin, r.ranBy])).toEqual([
      ['2026-11-30', 'error', 600, 'run-all', 'dana.operator'],
      ['2026-11-29', 'ok', 1020, 'page', 'dana.operator'],
    ]);
    const accepted = client.of(drop.id).find((m) => m.type === 'accepted') as { runId: string };
    expect(results[0]!.runId).toBe(accepted.runId);
  });

  it('warns, without failing the run, when the rows fall under half of their recorded 7-day average', async () => {
    for (const d of ['2026-11-27', '2026-11-28']) expect((await run('ingest/files-loaded', { d })).check).toMatchObject({ verdict: 'ok', value: 10 });
    const low = await run('ingest/files-loaded', { d: '2026-11-29' });
    expect(low).toMatchObject({ status: 'succeeded', check: { passed: true, verdict: 'warn', value: 4, threshold: 'rows < 0.5 * avg(7 days)' } });
  });

  it('records nothing for writes, and never lets a page claim to be the schedule', async () => {
    await run('ingest/write');
    await run('ingest/plain', {}, 'schedule');
    expect(await history('ingest/write')).toEqual([]);
    expect((await history('ingest/plain'))[0]).toMatchObject({ origin: 'page', verdict: 'ok', value: 1 });
  });

  it('lists every check with its status, last result and history for a business date', async () => {
    const res = await h.api('GET', '/api/checks?env=demo&date=2026-11-30');
    expect(res.status).toBe(200);
    const body = res.body as ChecksResponse;
    expect(body.env).toBe('demo');
    expect(body.businessDate).toBe('2026-11-30');
    const byKey = new Map<string, CheckEntry>(body.checks.map((c) => [c.key, c]));
    expect([...byKey.keys()].sort()).toEqual(['ingest/files-loaded', 'ingest/plain', 'investor-profit/profit-vs-average']);
    const profit = byKey.get('investor-profit/profit-vs-average')!;
    expect(profit).toMatchObject({
      status: 'error', anchor: 'snippet-profit-vs-average', docPath: '/test', title: 'Profit vs the 7-day average', businessDate: '2026-11-30', dateParam: 'business_date',
      conditions: { expect: 'value > 0', error: 'deviation(value, avg_7d) > 20%' }, params: [{ name: 'business_date', type: 'date', default: 'today' }],
      last: { verdict: 'error', value: 600 },
    });
    expect(profit.history.map((p) => [p.businessDate, p.verdict])).toEqual([['2026-11-29', 'ok'], ['2026-11-30', 'error']]);
    // Its last result is for the 29th: stale for the 30th.
    expect(byKey.get('ingest/files-loaded')!.status).toBe('stale');
    expect((await h.api('GET', '/api/checks?env=demo&date=2026-11-29')).body.checks.find((c: CheckEntry) => c.key === 'ingest/files-loaded').status).toBe('warn');
  });

  it('refuses an unknown environment and a malformed date with a sentence', async () => {
    expect(await h.api('GET', '/api/checks?env=nowhere')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    expect(await h.api('GET', '/api/checks?env=demo&date=30.11.2026')).toMatchObject({ status: 400, body: { error: { message: expect.stringMatching(/YYYY-MM-DD/) } } });
    expect((await h.api('GET', '/api/checks/history?env=demo')).status).toBe(400);
  });
});
