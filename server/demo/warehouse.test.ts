import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_SEED_VERSION, ensureDemoWarehouse, seedDemoWarehouse } from './warehouse';

// A full seed takes a few seconds on a busy 2-core machine; only two tests run it. The ensure logic is
// exercised on a tiny seed directory, which it treats exactly like the real one.
const SEED_TIMEOUT = 180_000; // two full seeds on a busy 2-core machine; the seed itself takes ~5 s idle
const TODAY = '2026-03-05';
const TOMORROW = '2026-03-06';
const SEED_DIR = path.join(__dirname, 'seed');

let dir = '';
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-demo-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function query(file: string, sql: string): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  try {
    const connection = await instance.connect();
    try {
      return (await connection.runAndReadAll(sql)).getRowsJS();
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/**
 * Row count and an order-independent content hash per table (the seed's bookkeeping table excluded).
 * `hash(t)` hashes the whole row as a struct: the same coverage as hashing its text, five times faster.
 */
async function checksums(file: string): Promise<Record<string, string>> {
  const tables = await query(
    file,
    `SELECT table_schema || '.' || table_name FROM information_schema.tables
     WHERE table_type = 'BASE TABLE' AND table_schema <> 'opsbook_meta' ORDER BY 1`,
  );
  const sums = tables.map(([name]) => `SELECT '${String(name)}', count(*) || ':' || coalesce(sum(hash(t)), 0) FROM ${String(name)} t`);
  const rows = await query(file, sums.join('\nUNION ALL\n'));
  return Object.fromEntries(rows.map(([name, sum]) => [String(name), String(sum)]));
}

function leftovers(): string[] {
  return fs.readdirSync(dir).filter((name) => name.includes('.tmp-') || name.endsWith('.wal'));
}

describe('seedDemoWarehouse', () => {
  const warehouse = (): string => path.join(dir, 'demo.duckdb');

  it('builds identical tables when seeded twice for the same day', async () => {
    const first = await seedDemoWarehouse(warehouse(), { today: TODAY });
    expect(first).toMatchObject({ file: warehouse(), today: TODAY, version: DEMO_SEED_VERSION });
    expect(first.tables).toBeGreaterThan(50);
    expect(first.rows).toBeGreaterThan(500_000);

    const copy = path.join(dir, 'copy.duckdb');
    await seedDemoWarehouse(copy, { today: TODAY });
    const [a, b] = [await checksums(warehouse()), await checksums(copy)];
    expect(Object.keys(a).length).toBe(first.tables - 1);
    expect(b).toEqual(a);
    expect(await query(copy, 'SELECT version, CAST(seeded_on AS VARCHAR) FROM opsbook_meta.seed_info')).toEqual([
      [DEMO_SEED_VERSION, TODAY],
    ]);
    fs.rmSync(copy);
    expect(leftovers()).toEqual([]);
  }, SEED_TIMEOUT);

  it('dates the data relative to today: the latest business date is today, and its night ran clean', async () => {
    const rows = await query(
      warehouse(),
      `SELECT (SELECT CAST(max(business_date) AS VARCHAR) FROM ldz.load_audit),
              (SELECT CAST(min(business_date) AS VARCHAR) FROM etl_control.etl_date_control),
              (SELECT count(*)::INTEGER FROM ops.job_runs WHERE business_date = DATE '${TODAY}' AND state <> 'success')`,
    );
    expect(rows).toEqual([[TODAY, TODAY, 0]]);
  });

  it('is what ensureDemoWarehouse considers current', async () => {
    expect(await ensureDemoWarehouse(warehouse(), { today: TODAY })).toEqual({
      seeded: false,
      reason: `current (seed ${DEMO_SEED_VERSION}, ${TODAY})`,
    });
  });

  it('leaves no half-built database behind when a seed file fails', async () => {
    const brokenDir = path.join(dir, 'broken-seed');
    fs.cpSync(SEED_DIR, brokenDir, { recursive: true });
    fs.writeFileSync(path.join(brokenDir, '005_broken.sql'), '-- fails early on purpose\n\nCREATE TABLE oops AS\nSELECT * FROM no_such_table;\n');

    await expect(seedDemoWarehouse(warehouse(), { today: TOMORROW, seedDir: brokenDir })).rejects.toThrow(
      /005_broken\.sql:3 failed at "CREATE TABLE oops AS": Catalog Error/,
    );
    // The previous warehouse is still the complete one, and a new one is never created half-built.
    expect(await query(warehouse(), 'SELECT CAST(seeded_on AS VARCHAR) FROM opsbook_meta.seed_info')).toEqual([[TODAY]]);
    const fresh = path.join(dir, 'never.duckdb');
    await expect(seedDemoWarehouse(fresh, { today: TODAY, seedDir: brokenDir })).rejects.toThrow(/005_broken/);
    expect(fs.existsSync(fresh)).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('refuses to reseed a warehouse another process has open', async () => {
    const holder = await holdOpen(warehouse());
    try {
      await expect(seedDemoWarehouse(warehouse(), { today: TOMORROW })).rejects.toMatchObject({
        name: 'DemoWarehouseLockedError',
        message: expect.stringMatching(/in use by another process.*npm start/),
      });
    } finally {
      holder.kill();
    }
  });
});

describe('ensureDemoWarehouse', () => {
  const tinyDir = (): string => path.join(dir, 'tiny-seed');
  const file = (): string => path.join(dir, 'tiny.duckdb');

  beforeAll(() => {
    fs.mkdirSync(tinyDir());
    fs.copyFileSync(path.join(SEED_DIR, '001_schemas.sql'), path.join(tinyDir(), '001_schemas.sql'));
    fs.writeFileSync(path.join(tinyDir(), '010_tiny.sql'), "CREATE TABLE ops.seeded_for AS SELECT CAST(getvariable('today') AS DATE) AS d;\n");
  });

  async function seededFor(): Promise<string> {
    const rows = await query(file(), 'SELECT CAST(d AS VARCHAR) FROM ops.seeded_for');
    return String(rows[0]?.[0]);
  }

  it('seeds an absent warehouse, then leaves it alone while it is current', async () => {
    const first = await ensureDemoWarehouse(file(), { today: TODAY, seedDir: tinyDir() });
    expect(first).toMatchObject({ seeded: true, reason: 'absent', report: { today: TODAY, tables: 2, rows: 2 } });
    expect(await seededFor()).toBe(TODAY);

    const again = await ensureDemoWarehouse(file(), { today: TODAY, seedDir: tinyDir() });
    expect(again.seeded).toBe(false);
    expect(again.reason).toMatch(/^current/);
  });

  it('reseeds when the warehouse was seeded on another day', async () => {
    const next = await ensureDemoWarehouse(file(), { today: TOMORROW, seedDir: tinyDir() });
    expect(next).toMatchObject({ seeded: true, reason: `seeded on ${TODAY}, today is ${TOMORROW}` });
    expect(await seededFor()).toBe(TOMORROW);
  });

  it('reseeds when a seed file changed', async () => {
    fs.appendFileSync(path.join(tinyDir(), '010_tiny.sql'), '-- an edit changes the seed version\n');
    const next = await ensureDemoWarehouse(file(), { today: TOMORROW, seedDir: tinyDir() });
    expect(next.seeded).toBe(true);
    expect(next.reason).toMatch(/^seed version [0-9a-f]{16} is not the current [0-9a-f]{16}$/);
  });

  it('reseeds a file that is not a readable warehouse', async () => {
    fs.writeFileSync(file(), 'not a database');
    const next = await ensureDemoWarehouse(file(), { today: TOMORROW, seedDir: tinyDir() });
    expect(next.seeded).toBe(true);
    expect(next.reason).toMatch(/^unreadable/);
    expect(await seededFor()).toBe(TOMORROW);
    expect(leftovers()).toEqual([]);
  });
});

/** DuckDB's file lock is per process, so holding it takes a second process. */
function holdOpen(file: string): Promise<ChildProcess> {
  const script = `require('@duckdb/node-api').DuckDBInstance.create(${JSON.stringify(file)})
    .then(() => { process.stdout.write('open\\n'); setInterval(() => {}, 1000); })
    .catch((e) => { console.error(e.message); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', script], { cwd: path.join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout?.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${String(code)}`)));
  });
}
