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

    it('announces a change of verdict (ok → error and back), not a repeat of the same one', async (ctx) => {
      if (skip()) return ctx.skip();
      const seen: CheckTransition[] = [];
      const stop = history.onTransition((t) => seen.push(t));
      const key = 'canonical-daily-batch/aggregates-fresh';
      await history.record(result(1, { key }));
      await history.record(result(2, { key }));
      await history.record(result(3, { key, verdict: 'error' }));
      await history.record(result(4, { key, verdict: 'error' }));
      await history.record(result(5, { key, verdict: 'warn' }));
      await history.record(result(6, { key }));
      stop();
      await history.record(result(7, { key, verdict: 'error' }));
      expect(seen.map((t) => [t.previous, t.current.verdict, t.current.businessDate])).toEqual([
        [null, 'ok', '2026-11-01'], ['ok', 'error', '2026-11-03'], ['error', 'warn', '2026-11-05'], ['warn', 'ok', '2026-11-06'],
      ]);
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
