/**
 * The embedded store: one DuckDB file. Store work is serialized on one connection; appending audit records
 * has a connection of its own (auditLane.ts), so a run's write-ahead record never waits behind other store work.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import { TABLES, type Row } from './sql';
import { createSqlStore, type SqlExec } from './sqlStore';
import { serializer } from './serializer';
import { openAuditLane } from './auditLane';
import type { StateStore } from './types';

export async function openDuckDBStore(file: string): Promise<StateStore> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  for (const ddl of TABLES('')) await connection.run(ddl);
  const serialized = serializer();
  const lane = await openAuditLane(instance);
  const exec: SqlExec = {
    query: (sql, values = []) =>
      serialized(async () => {
        const reader = await connection.runAndReadAll(sql, values as DuckDBValue[]);
        return reader.getRowObjectsJS() as Row[];
      }),
    close: async () => {
      await Promise.all([serialized.idle(), lane.close()]);
      connection.closeSync();
      instance.closeSync();
    },
  };
  return { ...createSqlStore(exec, ''), appendAudit: lane.append, sql: { exec, prefix: '', engine: 'duckdb' } };
}
