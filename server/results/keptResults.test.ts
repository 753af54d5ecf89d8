/**
 * Kept results (issue 14, item 4) against real DuckDB files: who may read them, when they expire, how they
 * are bounded, and that a page sorted or filtered here is the page DuckDB itself gives for the same query.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Cell, ColumnInfo } from '../protocol';
import { KeptResultError, KeptResults, type KeptResultLimits } from './keptResults';

const LIMITS: KeptResultLimits = { maxRows: 1_000_000, maxBytes: 64 * 1024 * 1024, totalBytes: 256 * 1024 * 1024, ttlMs: 60_000 };
const COLUMNS: ColumnInfo[] = [
  { name: 'id', type: 'INTEGER' },
  { name: 'label', type: 'VARCHAR' },
  { name: 'amount', type: 'DOUBLE' },
  { name: 'region', type: 'VARCHAR' },
];
const SOURCE_ROWS = 20_000;

let source: DuckDBConnection;
let sourceRows: Cell[][];
const stores: KeptResults[] = [];
const dirs: string[] = [];

async function openStore(limits: Partial<KeptResultLimits> = {}, now: () => number = Date.now): Promise<{ store: KeptResults; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-kept-'));
  dirs.push(dir);
  const store = await KeptResults.open(path.join(dir, 'kept-results'), { ...LIMITS, ...limits }, now);
  stores.push(store);
  return { store, dir: path.join(dir, 'kept-results') };
}

async function keep(store: KeptResults, runId: string, owner: string, rows: readonly (readonly Cell[])[], columns: readonly ColumnInfo[] = COLUMNS) {
  const writer = await store.begin(runId, owner, columns);
  for (let i = 0; i < rows.length; i += 2_048) writer.append(rows.slice(i, i + 2_048));
  return writer.finish();
}

/** The source query's rows as DuckDB returns them, SQL clauses appended. */
async function duck(clauses: string): Promise<Cell[][]> {
  const reader = await source.runAndReadAll(`SELECT id, label, amount, region FROM src ${clauses}`);
  return reader.getRowsJS().map((row) => row.map((v) => (v === undefined ? null : (v as Cell))));
}

beforeAll(async () => {
  const instance = await DuckDBInstance.create(':memory:');
  source = await instance.connect();
  // Numbers whose text order differs from their numeric order, NULLs, wildcards and case in the labels.
  await source.run(`CREATE TABLE src AS
    SELECT i::INTEGER AS id,
           CASE WHEN i % 97 = 0 THEN 'Order_' || i || ' 100%' ELSE 'order ' || i END AS label,
           CASE WHEN i % 53 = 0 THEN NULL ELSE ((i * 7919) % 20011) / 10.0 - 500 END AS amount,
           CASE i % 4 WHEN 0 THEN 'North' WHEN 1 THEN 'south' WHEN 2 THEN 'EAST' ELSE NULL END AS region
    FROM range(0, ${SOURCE_ROWS}) t(i)`);
  sourceRows = await duck('ORDER BY id');
});

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<KeptResultError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeptResultError);
  return error as KeptResultError;
}

describe('kept results', () => {
  it('keeps the rows in a file of the state directory and gives them back page by page, as they came', async () => {
    const { store, dir } = await openStore();
    const summary = await keep(store, 'run-a', 'dana', sourceRows);
    expect(summary).toMatchObject({ runId: 'run-a', rows: SOURCE_ROWS, truncated: false });
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.duckdb'))).toEqual(['run-a.duckdb']);
    const page = await store.page('dana', 'run-a', { offset: 19_990, limit: 50 });
    expect(page.total).toBe(SOURCE_ROWS);
    expect(page.rows).toEqual(sourceRows.slice(19_990));
  });

  it('gives cells back with their JSON kind: a BIGINT sent as text stays text, lists and structs stay nested', async () => {
    const { store } = await openStore();
    const columns: ColumnInfo[] = [
      { name: 'big', type: 'BIGINT' },
      { name: 'flag', type: 'BOOLEAN' },
      { name: 'tags', type: 'VARCHAR[]' },
      { name: 'meta', type: 'STRUCT(a INTEGER)' },
    ];
    const rows: Cell[][] = [
      ['9007199254740993', true, ['a', 'b'], { a: 1 }],
      ['-12', false, [], null],
      [null, null, null, { a: 2 }],
    ];
    await keep(store, 'run-kinds', 'dana', rows, columns);
    expect((await store.page('dana', 'run-kinds', { offset: 0, limit: 10 })).rows).toEqual(rows);
    // Sorted as numbers, not as text ('-12' < '9007…' either way; 10 vs 9 would differ as text).
    const sorted = await store.page('dana', 'run-kinds', { offset: 0, limit: 10, sort: { column: 0, descending: true } });
    expect(sorted.rows.map((r) => r[0])).toEqual(['9007199254740993', '-12', null]);
  });

  it('sorts like DuckDB: numbers by value, NULLs last, ties in the run\'s order, pages without gaps or repeats', async () => {
    const { store } = await openStore();
    await keep(store, 'run-s', 'dana', sourceRows);
    for (const [column, name, descending] of [
      [2, 'amount', false],
      [2, 'amount', true],
      [1, 'label', false],
      [3, 'region', true],
    ] as const) {
      const expected = await duck(`ORDER BY ${name} ${descending ? 'DESC' : 'ASC'} NULLS LAST, id`);
      const pages: Cell[][] = [];
      for (let offset = 0; offset < SOURCE_ROWS; offset += 5_000) {
        pages.push(...(await store.page('dana', 'run-s', { offset, limit: 5_000, sort: { column, descending } })).rows.map((r) => [...r]));
      }
      expect(pages, `sorted by ${name} ${descending ? 'desc' : 'asc'}`).toEqual(expected);
    }
  });

  it('filters like DuckDB: case-insensitive text in one column or any, wildcards taken literally', async () => {
    const { store } = await openStore();
    await keep(store, 'run-f', 'dana', sourceRows);
    const inRegion = await store.page('dana', 'run-f', { offset: 0, limit: 5_000, filter: { text: 'OUT', column: 3 }, sort: { column: 2, descending: false } });
    const expectedRegion = await duck(`WHERE region ILIKE '%out%' ORDER BY amount NULLS LAST, id`);
    expect(inRegion.total).toBe(expectedRegion.length);
    expect(inRegion.rows).toEqual(expectedRegion.slice(0, 5_000));
    // '%' in the filter is a percent sign, not "anything".
    const percent = await store.page('dana', 'run-f', { offset: 0, limit: 5_000, filter: { text: '100%' } });
    const expectedPercent = await duck(`WHERE label LIKE '%100\\%%' ESCAPE '\\' ORDER BY id`);
    expect(expectedPercent.length).toBeGreaterThan(0);
    expect(percent.rows).toEqual(expectedPercent);
    const anyColumn = await store.page('dana', 'run-f', { offset: 0, limit: 100, filter: { text: 'order_1' } });
    expect(anyColumn.total).toBe((await duck(`WHERE label ILIKE '%order\\_1%' ESCAPE '\\' OR region ILIKE '%order\\_1%' ESCAPE '\\'`)).length);
    const exported: Cell[][] = [];
    for await (const chunk of store.allRows('dana', 'run-f', { filter: { text: 'east', column: 3 }, sort: { column: 0, descending: true } })) exported.push(...chunk.map((r) => [...r]));
    expect(exported).toEqual(await duck(`WHERE region ILIKE '%east%' ORDER BY id DESC`));
  });

  it('refuses another user, whatever their role: the result is only its owner\'s to read', async () => {
    const { store } = await openStore();
    await keep(store, 'run-o', 'dana', sourceRows.slice(0, 500));
    const error = await refusal(store.page('imani', 'run-o', { offset: 0, limit: 10 }));
    expect(error.code).toBe('forbidden');
    expect(error.status).toBe(403);
    const exportError = await refusal((async () => {
      for await (const chunk of store.allRows('imani', 'run-o', {})) void chunk;
    })());
    expect(exportError.code).toBe('forbidden');
    expect((await store.page('dana', 'run-o', { offset: 0, limit: 10 })).rows).toHaveLength(10);
  });

  it('expires a result after its time, deletes its file and says to run it again', async () => {
    let now = 1_000_000;
    const { store, dir } = await openStore({ ttlMs: 30_000 }, () => now);
    await keep(store, 'run-e', 'dana', sourceRows.slice(0, 500));
    now += 29_999;
    expect((await store.page('dana', 'run-e', { offset: 0, limit: 1 })).total).toBe(500);
    now += 1;
    const error = await refusal(store.page('dana', 'run-e', { offset: 0, limit: 1 }));
    expect(error).toMatchObject({ code: 'result_expired', hint: 'Run it again to get a fresh result.' });
    expect(error.status).toBe(410);
    expect(fs.readdirSync(dir)).toEqual([]);
    expect((await refusal(store.page('dana', 'never-kept', { offset: 0, limit: 1 }))).code).toBe('result_not_found');
  });

  it('bounds one result by rows and by bytes: the rest is cut and the result says it is truncated', async () => {
    const { store } = await openStore({ maxRows: 1_234 });
    const byRows = await keep(store, 'run-r', 'dana', sourceRows);
    expect(byRows).toMatchObject({ rows: 1_234, truncated: true });
    expect((await store.page('dana', 'run-r', { offset: 1_200, limit: 100 })).rows).toEqual(sourceRows.slice(1_200, 1_234));

    const { store: small } = await openStore({ maxBytes: 10_000 });
    const byBytes = await keep(small, 'run-b', 'dana', sourceRows);
    expect(byBytes.truncated).toBe(true);
    expect(byBytes.rows).toBeGreaterThan(0);
    expect(small.bytes).toBeLessThanOrEqual(10_000);
  });

  it('bounds all results together: the oldest gives way, and reading it says so', async () => {
    const { store, dir } = await openStore({ totalBytes: 60_000 });
    const first = await keep(store, 'run-1', 'dana', sourceRows.slice(0, 1_000));
    expect(first.truncated).toBe(false);
    const used = store.bytes;
    expect(used).toBeGreaterThan(30_000); // two of these do not fit
    const second = await keep(store, 'run-2', 'dana', sourceRows.slice(0, 1_000));
    expect(second.truncated).toBe(false);
    expect(store.bytes).toBeLessThanOrEqual(60_000);
    const error = await refusal(store.page('dana', 'run-1', { offset: 0, limit: 1 }));
    expect(error.code).toBe('result_expired');
    expect(error.message).toMatch(/newer results took its place/);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.duckdb'))).toEqual(['run-2.duckdb']);
    expect((await store.page('dana', 'run-2', { offset: 0, limit: 1 })).total).toBe(1_000);
  });

  it('serves pages and exports while other runs are still writing theirs', async () => {
    const { store } = await openStore();
    await keep(store, 'run-done', 'dana', sourceRows);
    const writers = await Promise.all([store.begin('run-w1', 'dana', COLUMNS), store.begin('run-w2', 'oskar', COLUMNS)]);
    const reads = async () => {
      const exported: Cell[][] = [];
      const exporting = (async () => {
        for await (const chunk of store.allRows('dana', 'run-done', { sort: { column: 2, descending: true } })) exported.push(...chunk.map((r) => [...r]));
      })();
      const pages = Promise.all(Array.from({ length: 8 }, (_, k) => store.page('dana', 'run-done', { offset: k * 100, limit: 100, sort: { column: 1, descending: false } })));
      await Promise.all([exporting, pages]);
      return exported.length;
    };
    const reading = reads();
    for (let i = 0; i < sourceRows.length; i += 1_000) {
      for (const writer of writers) writer.append(sourceRows.slice(i, i + 1_000));
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await reading).toBe(SOURCE_ROWS);
    const [one, two] = await Promise.all(writers.map((w) => w.finish()));
    expect([one!.rows, two!.rows]).toEqual([SOURCE_ROWS, SOURCE_ROWS]);
    expect((await store.page('oskar', 'run-w2', { offset: 0, limit: 3 })).rows).toEqual(sourceRows.slice(0, 3));
  });

  it('refuses pages out of range and columns that do not exist', async () => {
    const { store } = await openStore();
    await keep(store, 'run-q', 'dana', sourceRows.slice(0, 10));
    expect((await refusal(store.page('dana', 'run-q', { offset: 0, limit: 50_000 }))).code).toBe('bad_request');
    expect((await refusal(store.page('dana', 'run-q', { offset: -1, limit: 5 }))).code).toBe('bad_request');
    expect((await refusal(store.page('dana', 'run-q', { offset: 0, limit: 5, sort: { column: 9, descending: false } }))).code).toBe('bad_request');
  });
});
