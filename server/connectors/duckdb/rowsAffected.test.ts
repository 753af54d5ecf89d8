/** Rows changed on DuckDB, straight from the connector: plain writes, several statements, RETURNING, reads. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cell } from '../../protocol';
import type { SqlConnector, StatementRequest } from '../types';
import { openDuckDB } from './index';

let dir: string;
let connector: SqlConnector;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-duck-affected-'));
  const file = path.join(dir, 'w.duckdb');
  const setup = await DuckDBInstance.create(file);
  const c = await setup.connect();
  await c.run("create table t (k varchar, v int); insert into t values ('a', 1), ('b', 2), ('c', 3)");
  c.closeSync();
  setup.closeSync();
  connector = await openDuckDB({ file });
});
afterAll(async () => {
  await connector.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function stream(text: string, over: Partial<StatementRequest> = {}) {
  const rows: Cell[][] = [];
  const outcome = await connector.stream(
    { text, binds: {}, mode: 'write', signal: new AbortController().signal, timeoutMs: 10_000, maxRows: 100, ...over },
    { columns: () => undefined, rows: async (b) => void rows.push(...(b as Cell[][])) },
  );
  return { outcome, rows };
}

describe('DuckDB rows changed', () => {
  it('sums the rows changed by every write of a multi-statement snippet', async () => {
    const r = await stream("update t set v = v + 1 where k in ('a', 'b'); delete from t where k = 'zz'; insert into t values ('d', 4)");
    expect(r.outcome).toMatchObject({ rowsAffected: 3, rowCount: 0 });
    expect(r.rows).toEqual([]);
  });

  it('says 0 for a write that matched nothing', async () => {
    expect((await stream("delete from t where k = 'nothing'")).outcome).toMatchObject({ rowsAffected: 0 });
  });

  it('counts the rows a write with RETURNING streams', async () => {
    const r = await stream("update t set v = v where k <> 'a' returning k");
    expect(r.outcome).toMatchObject({ rowsAffected: 3, rowCount: 3 });
  });

  it('reports null, not 0, for a read', async () => {
    expect((await stream('select * from t', { mode: 'read' })).outcome.rowsAffected).toBeNull();
  });

  it('rolls back when commitWhen says no, and commits when it says yes', async () => {
    const no = await stream("update t set v = 100 where k = 'a'", { commitWhen: () => false });
    expect(no.outcome).toMatchObject({ rowsAffected: 1, rolledBack: true });
    expect((await stream("select v from t where k = 'a'", { mode: 'read' })).rows).toEqual([[2]]);
    await stream("update t set v = 100 where k = 'a'", { commitWhen: (o) => o.rowsAffected === 1 });
    expect((await stream("select v from t where k = 'a'", { mode: 'read' })).rows).toEqual([[100]]);
  });
});
