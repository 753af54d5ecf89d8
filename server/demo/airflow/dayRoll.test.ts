/**
 * The demo survives a day change without a restart: a warehouse seeded for yesterday (a server started
 * yesterday) has daily checks red today; the day roll, on an injected clock, waits while a training fault is
 * in, then reseeds in place on the server's own DuckDB instance, and every read check of every runbook passes
 * again — through the connector and the parameter binding the server uses, without reopening the file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectRunbooks } from '../../../plugins/remark-runbook/collect';
import { buildManifest } from '../../../plugins/remark-runbook/manifest';
import { businessDateOf } from '../../checks/runCheck';
import { hasCheck, judgeCheck } from '../../checks/verdict';
import { parseConfig } from '../../config';
import { createConnectorRegistry, type ConnectorRegistry } from '../../connectors/registry';
import { bindParams } from '../../execution/bindParams';
import type { Cell } from '../../protocol';
import { dateInZone, ECOMMERCE_ZONE, seedDemoWarehouse } from '../warehouse';
import { SandboxCore } from './core';
import { demoDaysAt } from './dayRoll';
import { localDate } from './warehouse';

const siteDir = path.resolve(__dirname, '../../..');
const manifest = buildManifest(collectRunbooks(siteDir), { commit: null, dirty: true });
const DELIBERATE = new Set(['getting-started-first-run/missing-table', 'getting-started-first-run/long-query']);
const checks = Object.entries(manifest.snippets).filter(
  ([k, s]) => s.lang === 'sql' && s.mode === 'read' && hasCheck(s) && !DELIBERATE.has(k) && (s.dialect === null || s.dialect === 'duckdb') && (s.envs.includes('*') || s.envs.includes('demo')),
);

let dir: string;
let connectors: ConnectorRegistry;
let core: SandboxCore;
const yesterdayNoon = new Date(Date.now() - 24 * 3600_000);
let now = yesterdayNoon;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-dayroll-'));
  const file = path.join(dir, 'demo.duckdb');
  // As a server started a day ago seeded it.
  await seedDemoWarehouse(file, { today: localDate(yesterdayNoon), ecommerceToday: dateInZone(ECOMMERCE_ZONE, yesterdayNoon) });
  connectors = createConnectorRegistry(parseConfig(`environments:\n  demo:\n    connections:\n      warehouse: {kind: duckdb, path: ${JSON.stringify(file)}, demo: true}\n`, 'test.yaml'), dir);
  core = new SandboxCore({ connectors, env: 'demo', warehouse: 'warehouse', timeScale: 0.02, log: () => undefined, demoFile: file, clock: () => now });
}, 180_000);
afterAll(async () => {
  core?.close();
  await connectors?.closeAll();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Every read check, as the server runs one (defaults resolved now); returns those that do not pass. */
async function redChecks(): Promise<string[]> {
  const connector = await connectors.get('demo', 'warehouse');
  const red: string[] = [];
  for (const [key, s] of checks) {
    const bound = bindParams(s.params, {}, new Date(), s.timezone);
    if (!bound.ok) throw new Error(`${key}: ${bound.message}`);
    let firstRow: readonly Cell[] | undefined;
    const columns: string[] = [];
    const outcome = await connector
      .stream(
        { text: s.text, binds: bound.binds, mode: 'read', signal: new AbortController().signal, timeoutMs: 60_000, maxRows: 10_000 },
        { columns: (c) => void columns.push(...c.map((x) => x.name)), rows: async (b) => void (firstRow ??= b[0]) },
      )
      .catch((error: unknown) => {
        throw new Error(`${key} (${s.file}:${s.line}) fails: ${(error as Error).message.split('\n')[0]}`);
      });
    // The server's own verdict (server/checks/verdict.ts); no recorded history, so only the SQL's baselines decide.
    const verdict = judgeCheck(s, { observation: { rowCount: outcome.rowCount, columns, firstRow }, history: [], businessDate: businessDateOf(s, bound.resolved), now: new Date() });
    if (verdict.verdict !== 'ok') red.push(`${key}: ${verdict.detail}`);
  }
  return red;
}

describe('the days the demo is seeded for', () => {
  it('change at local midnight, and for the ecommerce pipeline at midnight in Bangkok (17:00 UTC)', () => {
    const before = new Date('2026-12-01T16:59:59Z');
    const after = new Date('2026-12-01T17:00:00Z');
    expect(demoDaysAt(before).ecommerceToday).toBe('2026-12-01');
    expect(demoDaysAt(after).ecommerceToday).toBe('2026-12-02');
    // The business day is the server's calendar date (the demo runs in UTC; the seed uses the same reading).
    expect(demoDaysAt(after).today).toBe(localDate(after));
    expect(demoDaysAt(new Date(after.getTime() + 24 * 3600_000)).today).not.toBe(localDate(after));
  });
});

describe('the day roll', () => {
  it('does nothing while the day the demo was seeded for is still the day', async () => {
    now = yesterdayNoon;
    expect(await core.dayRoll!.check()).toBe('current');
  });

  it('refuses training scenario changes while a roll replaces the rows', async () => {
    await core.ready();
    const inside = await core.scenarios.whileNoChange(async () => {
      await expect(core.scenarios.apply('retail_ingestion_failure', 'activate')).rejects.toThrow(/rolling forward to the new day/);
      return 'ran';
    });
    expect(inside).toBe('ran');
  });

  it('leaves daily checks red on the old day until it rolls, waits for a training fault, then rolls to green', async () => {
    const stale = await redChecks();
    expect(stale.length, 'a demo seeded yesterday should fail some of today\'s daily checks').toBeGreaterThan(0);

    now = new Date();
    await core.ready(); // as the scenarios API does before its first change
    await core.scenarios.apply('retail_ingestion_failure', 'activate');
    expect(await core.dayRoll!.check()).toBe('waiting');
    await core.scenarios.apply('retail_ingestion_failure', 'deactivate');
    // The restoring replay must end before the rows can be replaced; poll generously, no timing assumed.
    let outcome = await core.dayRoll!.check();
    for (let i = 0; outcome === 'waiting' && i < 1200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      outcome = await core.dayRoll!.check();
    }
    expect(outcome).toBe('rolled');
    expect(await core.dayRoll!.seededDays()).toEqual(demoDaysAt(now));
    expect(await redChecks()).toEqual([]);
    expect(await core.dayRoll!.check()).toBe('current');
  }, 600_000);
});
