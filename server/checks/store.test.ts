import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDBStore } from '../audit/duckdbStore';
import { openPostgresStore } from '../audit/postgresStore';
import type { StateStore } from '../audit/types';
import { dropSchema, postgresUnavailable, postgresUrl, scratchSchema } from '../testing/postgres';
import type { CheckHistory, CheckResultRecord, CheckTransition } from './types';

const result = (i: number, over: Partial<CheckResultRecord> = {}): Omit<CheckResultRecord, 'id'> => ({
  env: 'demo', key: 'investor-profit-aggregate/profit-vs-average', sha256: 'c'.repeat(64), runbook: 'investor-profit-aggregate', step: 'daily-figures',
  businessDate: `2026-11-${String(i).padStart(2, '0')}`, value: 100 + i, rows: 1, verdict: 'ok', detail: `day ${i}`, runId: `run-${i}`,
  ranBy: 'dana', origin: 'page', at: `2026-11-${String(i).padStart(2, '0')}T08:00:00.000Z`, ...over,
});

function historyContract(name: string, open: () => Promise<StateStore>, cleanup: () => Promise<void>, skip: () => string | null) {
  describe(`check history on ${name}`, () => {
    let store: StateStore;
    let history: CheckHistory;
    beforeAll(async () => {
      if (skip()) return;
      store = await open();
      history = store.checks!;
    });
    afterAll(async () => {
      if (skip()) return;
      await store.close();
      await cleanup();
    });

    it('keeps every result and returns a series newest first, values and all', async (ctx) => {
      if (skip()) return ctx.skip();
      for (let i = 1; i <= 12; i++) await history.record(result(i));
      await history.record(result(12, { key: 'other/check', value: null, verdict: 'error', detail: 'could not run' }));
      await history.record(result(5, { env: 'prod' }));
      const series = await history.series('demo', result(1).key, 5);
      expect(series.map((r) => r.businessDate)).toEqual(['2026-11-12', '2026-11-11', '2026-11-10', '2026-11-09', '2026-11-08']);
      expect(series[0]).toMatchObject({ ...result(12), id: expect.any(String) });
      expect((await history.series('prod', result(1).key, 100)).map((r) => r.value)).toEqual([105]);
    });

    it('gives the newest result per check for an environment, and per business date when asked', async (ctx) => {
      if (skip()) return ctx.skip();
      const latest = await history.latest('demo', null);
      expect(latest.map((r) => [r.key, r.businessDate, r.value])).toEqual([
        ['investor-profit-aggregate/profit-vs-average', '2026-11-12', 112],
        ['other/check', '2026-11-12', null],
      ]);
      expect((await history.latest('demo', '2026-11-03')).map((r) => r.value)).toEqual([103]);
      expect(await history.latest('nowhere', null)).toEqual([]);
    });

    it('announces a change of verdict (ok → error and back) within a business date, not a repeat of the same one', async (ctx) => {
      if (skip()) return ctx.skip();
      const seen: CheckTransition[] = [];
      const stop = history.onTransition((t) => seen.push(t));
      const key = 'canonical-daily-batch/aggregates-fresh';
      const on3 = (verdict: CheckResultRecord['verdict'], hour: number) => result(3, { key, verdict, at: `2026-11-03T${String(hour).padStart(2, '0')}:00:00.000Z` });
      await history.record(on3('ok', 1));
      await history.record(on3('ok', 2));
      await history.record(on3('error', 3));
      await history.record(on3('error', 4));
      await history.record(on3('warn', 5));
      await history.record(on3('ok', 6));
      stop();
      await history.record(on3('error', 7));
      expect(seen.map((t) => [t.previous, t.current.verdict, t.current.businessDate])).toEqual([
        [null, 'ok', '2026-11-03'], ['ok', 'error', '2026-11-03'], ['error', 'warn', '2026-11-03'], ['warn', 'ok', '2026-11-03'],
      ]);
    });

    it('tracks each business date on its own: a recovery of one date is no change for another', async (ctx) => {
      if (skip()) return ctx.skip();
      const seen: CheckTransition[] = [];
      const stop = history.onTransition((t) => seen.push(t));
      const key = 'investor-profit-aggregate/per-date';
      await history.record(result(29, { key, verdict: 'error', businessDate: '2026-11-29', at: '2026-11-30T08:00:00.000Z' }));
      await history.record(result(30, { key, verdict: 'error', businessDate: '2026-11-30', at: '2026-12-01T08:00:00.000Z' }));
      // 29th fixed and rerun after the 30th failed: it resolves the 29th; the 30th is still failing.
      await history.record(result(29, { key, verdict: 'ok', businessDate: '2026-11-29', at: '2026-12-01T09:00:00.000Z' }));
      // The 30th failing again is no change for the 30th (its previous result is its own error, not the 29th's ok).
      await history.record(result(30, { key, verdict: 'error', businessDate: '2026-11-30', at: '2026-12-01T10:00:00.000Z', origin: 'schedule' }));
      // An undated check has one state of its own.
      await history.record(result(1, { key, verdict: 'warn', businessDate: null, at: '2026-12-01T11:00:00.000Z' }));
      await history.record(result(1, { key, verdict: 'warn', businessDate: null, at: '2026-12-01T12:00:00.000Z' }));
      stop();
      expect(seen.map((t) => [t.previous, t.current.verdict, t.current.businessDate])).toEqual([
        [null, 'error', '2026-11-29'], [null, 'error', '2026-11-30'], ['error', 'ok', '2026-11-29'], [null, 'warn', null],
      ]);
      expect(seen[2]!.previousOrigin).toBe('page');
    });

    it('survives a listener that throws: the result is recorded all the same', async (ctx) => {
      if (skip()) return ctx.skip();
      const stop = history.onTransition(() => {
        throw new Error('channel down');
      });
      const rec = await history.record(result(20, { key: 'throwing/listener' }));
      stop();
      expect((await history.series('demo', 'throwing/listener', 1))[0]!.id).toBe(rec.id);
    });
  });
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-checks-'));
historyContract('embedded DuckDB', () => openDuckDBStore(path.join(dir, 'state.duckdb')), async () => fs.rmSync(dir, { recursive: true, force: true }), () => null);

let pgSkip: string | null = null;
const schema = scratchSchema();
beforeAll(async () => {
  pgSkip = await postgresUnavailable();
});
historyContract('PostgreSQL', () => openPostgresStore(postgresUrl(), schema), () => dropSchema(schema), () => pgSkip);

describe('two server instances on one PostgreSQL', () => {
  it('read one history: what one records, the other baselines on', async (ctx) => {
    if (pgSkip) return ctx.skip();
    const shared = scratchSchema();
    const [a, b] = await Promise.all([openPostgresStore(postgresUrl(), shared), openPostgresStore(postgresUrl(), shared)]);
    try {
      await a.checks!.record(result(1));
      await b.checks!.record(result(2));
      expect((await a.checks!.series('demo', result(1).key, 10)).map((r) => r.value)).toEqual([102, 101]);
    } finally {
      await a.close();
      await b.close();
      await dropSchema(shared);
    }
  });
});
