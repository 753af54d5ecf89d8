/**
 * The demo's check history: every check is really run against a warehouse that carries past days, once per
 * day before today, judged as of that day, recorded as `seed` by `opsbook-seed` and audited — so a baseline
 * over previous runs has history on the first day, and a second start adds nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDBStore } from '../audit/duckdbStore';
import type { StateStore } from '../audit/types';
import { parseConfig, type OpsbookConfig } from '../config';
import { createConnectorRegistry, type ConnectorRegistry } from '../connectors/registry';
import { memoryAuditSink } from '../execution/audit';
import { staticManifestStore } from '../execution/manifestStore';
import { makeManifest } from '../testing/harness';
import { checkCatalog } from './catalog';
import { demoEnvironments, startDemoHistory } from './demoHistory';
import { replayable, replayMoments, seedCheckHistory } from './seedHistory';
import type { CheckHistory, CheckTransition } from './types';

/** The injected "now": the seeded warehouse's today, mid-afternoon UTC. */
const NOW = new Date('2026-12-02T15:30:00.000Z');
const now = () => NOW;

const manifest = makeManifest({
  // A baseline over previous runs: the check's own history is all it has to compare with.
  'shop/orders-vs-history': {
    text: 'select orders from daily_orders where day = CAST(:business_date AS DATE)',
    params: [{ name: 'business_date', type: 'date', default: 'today' }],
    warn: 'deviation(value, avg(7 days)) > 25%', error: 'deviation(value, avg(7 days)) > 50%', title: 'Orders vs their 7-day average',
  },
  // A freshness rule: judged as of the replayed day, the day's load is hours old, not days.
  'shop/orders-fresh': {
    text: 'select loaded_at from daily_orders where day = CAST(:business_date AS DATE) - 1',
    params: [{ name: 'business_date', type: 'date', default: 'today' }],
    expect: 'age(loaded_at) < 36h', title: 'Yesterday\'s orders loaded within 36 hours',
  },
  // An undated check reads the state as it is now: it has no past to replay.
  'shop/no-negative': { text: 'select count(*) from daily_orders where orders < 0', expect: 'value = 0' },
  // Not a monitor (it writes): never replayed.
  'shop/fix': { text: 'update daily_orders set orders = 0 where orders < 0', mode: 'write', expect: 'rows = 0' },
});

let dir: string;
let config: OpsbookConfig;
let connectors: ConnectorRegistry;
let store: StateStore;
let history: CheckHistory;
const audit = memoryAuditSink();
const logs: string[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-seed-history-'));
  const db = path.join(dir, 'warehouse.duckdb');
  const setup = await DuckDBInstance.create(db);
  const c = await setup.connect();
  // 30 days up to today: 100 orders a day plus a weekly wiggle, loaded at 02:00 the next morning.
  await c.run(`create table daily_orders as
    select DATE '2026-12-02' - i::int as day, 100 + (i::int % 7) as orders, (DATE '2026-12-02' - i::int + 1) + INTERVAL 2 HOUR as loaded_at from range(30) t(i)`);
  c.closeSync();
  setup.closeSync();
  config = parseConfig(`environments:\n  demo:\n    connections:\n      warehouse: {kind: duckdb, path: ${JSON.stringify(db)}, demo: true}\n  prod:\n    production: true\n    connections:\n      warehouse: {kind: duckdb, path: ${JSON.stringify(db)}}\nauth: {mode: proxy, trustedProxies: [127.0.0.1/32], roleMap: {ops: [service-team]}}\n`, 'seed-test.yaml');
  connectors = createConnectorRegistry(config, dir);
  store = await openDuckDBStore(path.join(dir, 'state.duckdb'));
  history = store.checks!;
});
afterAll(async () => {
  await connectors?.closeAll();
  await store?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const runner = () => ({ config, manifest: staticManifestStore(manifest), connectors, audit, approvals: null, checks: history, now, log: (m: string) => logs.push(m) });

describe('the demo check history', () => {
  it('replays at noon UTC of each day before today, oldest first', () => {
    expect(replayMoments(NOW, 3).map((d) => d.toISOString())).toEqual(['2026-11-29T12:00:00.000Z', '2026-11-30T12:00:00.000Z', '2026-12-01T12:00:00.000Z']);
  });

  it('leaves out checks of the current state: undated ones, and dated ones the demo keeps only as they are now', () => {
    const dated = { params: [{ type: 'date' }] };
    expect(replayable('shop/orders-vs-history', dated)).toBe(true);
    expect(replayable('shop/no-negative', { params: [] })).toBe(false);
    expect(replayable('canonical-setup-dags/date-control-set:duckdb', dated)).toBe(false);
  });

  it('is kept for demo environments only, never a production one', () => {
    expect(demoEnvironments(config)).toEqual(['demo']);
  });

  it('runs every monitor for each past day against the warehouse, judged and recorded as of that day', async () => {
    const transitions: CheckTransition[] = [];
    const stop = history.onTransition((t) => transitions.push(t));
    const report = await seedCheckHistory({ runner: runner(), env: 'demo', days: 14, now, log: (m) => logs.push(m), signal: new AbortController().signal });
    stop();
    expect(report).toMatchObject({ checks: 2, days: 14, ran: 28, skipped: 0, notOk: 0, stopped: false });

    const series = await history.series('demo', 'shop/orders-vs-history', 100);
    expect(series).toHaveLength(14);
    // Newest first: yesterday back to 14 days ago, each with that day's figure from the warehouse.
    expect(series.map((r) => r.businessDate)).toEqual(Array.from({ length: 14 }, (_, i) => new Date(Date.UTC(2026, 11, 1 - i)).toISOString().slice(0, 10)));
    expect(series.map((r) => r.value)).toEqual(Array.from({ length: 14 }, (_, i) => 100 + ((i + 1) % 7)));
    expect(series.every((r) => r.origin === 'seed' && r.ranBy === 'opsbook-seed' && r.at === `${r.businessDate}T12:00:00.000Z`)).toBe(true);
    // The oldest day had no history to compare with; from the second day on the baseline is measured.
    expect(series.at(-1)!.detail).toMatch(/no results in the last 7 days yet/);
    expect(series[0]!.detail).toMatch(/avg\(7 days\) over 7 /);

    // Freshness judged as of noon of each day: the load of 02:00 that morning is 10 hours old, not days.
    const fresh = await history.series('demo', 'shop/orders-fresh', 100);
    expect(fresh.map((r) => r.verdict)).toEqual(Array(14).fill('ok'));
    expect(fresh[0]!.detail).toContain('age(loaded_at) 10.0h');

    expect(await history.series('demo', 'shop/no-negative', 100)).toEqual([]);
    expect(await history.series('demo', 'shop/fix', 100)).toEqual([]);
    expect(await history.series('prod', 'shop/orders-vs-history', 100)).toEqual([]);

    // Every replay is audited as the run it is, under the service identity, at the real time.
    const runs = audit.events.filter((e) => e.kind === 'run' && e.status === 'succeeded');
    expect(runs).toHaveLength(28);
    expect(runs.every((e) => e.user === 'opsbook-seed' && e.env === 'demo' && e.startedAt === NOW.toISOString())).toBe(true);
    // The first result of each (check, day) is the only state change, and a seed one: alerts ignore it.
    expect(transitions.every((t) => t.previous === null && t.current.origin === 'seed')).toBe(true);
  });

  it('gives today\'s run of a baseline check its history: the Health page shows the sparkline and the check is judged', async () => {
    const catalog = await checkCatalog({ manifest, env: 'demo', connectionKinds: { warehouse: 'duckdb' }, date: null, now: NOW, history });
    const entry = catalog.checks.find((c) => c.key === 'shop/orders-vs-history')!;
    expect(entry.history).toHaveLength(14);
    // Today has not run: the last result is yesterday's, so today's status says so.
    expect(entry.status).toBe('stale');
  });

  it('adds nothing when started again the same day, and only the new day the next day', async () => {
    const again = await seedCheckHistory({ runner: runner(), env: 'demo', days: 14, now, log: () => undefined, signal: new AbortController().signal });
    expect(again).toMatchObject({ ran: 0, skipped: 28 });
    const tomorrow = () => new Date('2026-12-03T09:00:00.000Z');
    const next = await seedCheckHistory({ runner: { ...runner(), now: tomorrow }, env: 'demo', days: 14, now: tomorrow, log: () => undefined, signal: new AbortController().signal });
    expect(next).toMatchObject({ ran: 2, skipped: 26 });
    expect((await history.series('demo', 'shop/orders-vs-history', 1))[0]!.businessDate).toBe('2026-12-02');
  });

  it('runs in the background from the server start and stops when asked, with its progress in the log', async () => {
    const seen: string[] = [];
    const started = startDemoHistory({ config, manifest: staticManifestStore(manifest), connectors, audit, history, days: 20, now, log: (m) => seen.push(m) });
    started.stop();
    await started.done;
    expect(seen[0]).toMatch(/^check history: replaying 2 checks of demo for the 20 days before today/);
    expect(seen.at(-1)).toMatch(/^check history of demo: stopped with the server after \d+ replays run/);
    const off = startDemoHistory({ config, manifest: staticManifestStore(manifest), connectors, audit, history, days: 0, now, log: (m) => seen.push(m) });
    await off.done;
    expect(seen.at(-1)).toMatch(/stopped with the server/);
  });
});
