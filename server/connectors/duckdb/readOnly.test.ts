/**
 * A DuckDB read snippet runs plain reads only, as the engine itself classifies each statement: temp
 * tables, macros, CHECKPOINT, VACUUM, PRAGMA and catalog functions that show file paths are refused
 * before they run, while ordinary reads (and EXPLAIN) still work.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cell } from '../../protocol';
import type { SqlConnector, StatementRequest } from '../types';
import { openDuckDB } from './index';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-duckread-'));
let connector: SqlConnector;
beforeAll(async () => {
  connector = await openDuckDB({ file: path.join(dir, 'read.duckdb') });
  await run('create table orders as select range as id from range(10)', { mode: 'write' });
});
afterAll(async () => {
  await connector.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function run(text: string, over: Partial<StatementRequest> = {}) {
  const rows: Cell[][] = [];
  await connector.stream(
    { text, binds: {}, mode: 'read', signal: new AbortController().signal, timeoutMs: 30_000, maxRows: 100, ...over },
    { columns: () => undefined, rows: async (b) => void rows.push(...(b as Cell[][])) },
  );
  return rows;
}

describe('DuckDB read snippets', () => {
  it.each([
    ['a temp table', 'create temp table t as select 1'],
    ['a temp macro', 'create temp macro m(a) as a + 1'],
    ['CHECKPOINT', 'checkpoint'],
    ['VACUUM', 'vacuum'],
    ['PRAGMA', 'pragma database_list'],
    ['CALL of a table function', "call pragma_table_info('orders')"],
    ['the database list (file paths)', 'select * from duckdb_databases()'],
    ['pragma_database_list as a table', 'select file from pragma_database_list'],
    ['EXPLAIN ANALYZE of a write', 'explain analyze delete from orders'],
    ['SET', "set threads = 1"],
    ['transaction control', 'commit'],
  ])('refuses %s', async (_name, sql) => {
    await expect(run(sql)).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('still runs reads, EXPLAIN, and several reads in one snippet', async () => {
    expect(await run('select count(*)::integer from orders')).toEqual([[10]]);
    expect((await run('explain select * from orders')).length).toBeGreaterThan(0);
    expect(await run("select ';' as a; select count(*) as n from orders where id < 3")).toHaveLength(1);
  });

  it('left nothing behind: the refused statements changed nothing', async () => {
    expect(await run("select count(*)::integer from duckdb_tables() where table_name = 't'")).toEqual([[0]]);
  });
});
