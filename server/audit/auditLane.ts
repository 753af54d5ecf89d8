/**
 * Audit appends on the embedded store's own connection (DuckDB lets several connections share an instance).
 * A run's record is the only store write in the path to its first row, so it gets:
 *  - a connection of its own: it never queues behind history, kept results, operations, heartbeats or another
 *    run's completion on the store's main connection;
 *  - one statement, prepared once: each record is bind + execute, no parse or plan. Executing it auto-commits,
 *    and DuckDB's commit writes and syncs its log before it returns, so `append` resolving means durable.
 * Rows appended here are committed, so the main connection's later statements (the completion's update,
 * queries) see them. Appends still run one at a time: a prepared statement holds one set of bound values.
 */
import type { DuckDBInstance, DuckDBPreparedStatement, DuckDBValue } from '@duckdb/node-api';
import type { AuditRecord } from '../api';
import { AUDIT_COLUMN_COUNT, AUDIT_COLUMNS, auditValues, placeholders } from './sql';
import { serializer } from './serializer';

export interface AuditLane {
  append(record: AuditRecord): Promise<void>;
  close(): Promise<void>;
}

export async function openAuditLane(instance: DuckDBInstance): Promise<AuditLane> {
  const connection = await instance.connect();
  const insert: DuckDBPreparedStatement = await connection.prepare(`insert into audit_log (${AUDIT_COLUMNS}) values (${placeholders(AUDIT_COLUMN_COUNT)})`);
  const serialized = serializer();
  return {
    append: (record) =>
      serialized(async () => {
        insert.bind(auditValues(record) as DuckDBValue[]);
        await insert.run();
      }),
    async close() {
      await serialized.idle();
      insert.destroySync();
      connection.closeSync();
    },
  };
}
