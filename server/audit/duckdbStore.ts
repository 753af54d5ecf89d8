/** The embedded store: one DuckDB file, one connection, operations serialized on it. */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import { TABLES, type Row } from './sql';
import { createSqlStore, type SqlExec } from './sqlStore';
import type { StateStore } from './types';

export async function openDuckDBStore(file: string): Promise<StateStore> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  for (const ddl of TABLES('')) await connection.run(ddl);
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  const exec: SqlExec = {
    query: (sql, values = []) =>
      serialized(async () => {
        const reader = await connection.runAndReadAll(sql, values as DuckDBValue[]);
        return reader.getRowObjectsJS() as Row[];
      }),
    close: async () => {
      await queue;
      connection.closeSync();
      instance.closeSync();
    },
  };
  return { ...createSqlStore(exec, ''), sql: { exec, prefix: '', engine: 'duckdb' } };
}
