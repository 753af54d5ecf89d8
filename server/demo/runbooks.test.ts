/**
 * Keeps the runbooks honest as schemas change: every read SQL snippet of every runbook runs against a
 * freshly seeded demo warehouse, through the server's own connector and parameter binding, and must
 * succeed and pass its check on the healthy baseline. A failure names the runbook, file:line and the
 * database error or the check's detail.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectRunbooks } from '../../plugins/remark-runbook/collect';
import { buildManifest } from '../../plugins/remark-runbook/manifest';
import { CURRENT_STATE_CHECKS } from '../checks/seedHistory';
import { hasCheck, judgeCheck } from '../checks/verdict';
import { businessDateOf } from '../checks/runCheck';
import { openDuckDB } from '../connectors/duckdb/index';
import type { SqlConnector } from '../connectors/types';
import { bindParams } from '../execution/bindParams';
import type { Cell } from '../protocol';
import { seedDemoWarehouse } from './warehouse';

const siteDir = path.resolve(__dirname, '../..');
const manifest = buildManifest(collectRunbooks(siteDir), { commit: null, dirty: true });
const demoReads = Object.entries(manifest.snippets).filter(
  ([, s]) => s.lang === 'sql' && s.mode === 'read' && (s.dialect === null || s.dialect === 'duckdb') && (s.envs.includes('*') || s.envs.includes('demo')),
);
/** Snippets that fail on purpose (the newcomer exercises show an error and a cancel). */
const DELIBERATE = new Set(['getting-started-first-run/missing-table', 'getting-started-first-run/long-query']);

let dir: string;
let connector: SqlConnector;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-runbooks-'));
  const file = path.join(dir, 'demo.duckdb');
  await seedDemoWarehouse(file);
  connector = await openDuckDB({ file });
  // Seeding takes about a minute alone; on a shared CI machine, several.
}, 600_000);
afterAll(async () => {
  await connector?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('every read snippet runs on the healthy demo warehouse', () => {
  it('finds the runbooks', () => {
    expect(demoReads.length).toBeGreaterThan(20);
  });
  it('has at least one freshness rule written with age(), checked below like every other', () => {
    const freshness = demoReads.filter(([, s]) => [s.expect, s.warn, s.error].some((c) => c !== null && c !== undefined && /\bage\(/.test(c)));
    expect(freshness.map(([key]) => key)).toContain('retail-monitoring/daily-sources-loaded');
  });
  it('names only real checks among those whose past days the demo history does not replay', () => {
    const bases = new Set(Object.keys(manifest.snippets).map((key) => key.replace(/:[a-z]+$/, '')));
    expect([...CURRENT_STATE_CHECKS.keys()].filter((key) => !bases.has(key))).toEqual([]);
  });
  for (const [key, snippet] of demoReads) {
    if (DELIBERATE.has(key)) continue;
    it(`${key} (${snippet.file}:${snippet.line})`, async () => {
      const bound = bindParams(snippet.params, {}, new Date(), snippet.timezone);
      if (!bound.ok) throw new Error(`${snippet.file}:${snippet.line}: default parameters do not bind: ${bound.message}`);
      let firstRow: readonly Cell[] | undefined;
      const columns: string[] = [];
      const outcome = await connector
        .stream(
          { text: snippet.text, binds: bound.binds, mode: 'read', signal: new AbortController().signal, timeoutMs: 30_000, maxRows: 10_000 },
          { columns: (c) => void columns.push(...c.map((x) => x.name)), rows: async (b) => void (firstRow ??= b[0]) },
        )
        .catch((error: unknown) => {
          throw new Error(`${snippet.file}:${snippet.line} (${key}) fails on demo: ${(error as Error).message}`);
        });
      if (hasCheck(snippet)) {
        // The verdict the server gives (server/checks/verdict.ts): on the healthy baseline, never a warning or
        // an error. No recorded history here, so only baselines the SQL computes from the warehouse decide.
        const result = judgeCheck(snippet, { observation: { rowCount: outcome.rowCount, columns, firstRow }, history: [], businessDate: businessDateOf(snippet, bound.resolved), now: new Date() });
        expect(result.verdict, `${snippet.file}:${snippet.line} (${key}) check is not ok on the healthy baseline: ${result.detail}`).toBe('ok');
      }
    });
  }
});
