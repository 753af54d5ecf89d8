/**
 * The shared store: PostgreSQL, so several server instances see the same approvals and audit log.
 * Tables live in their own schema, created on first start.
 */
import type { Pool } from 'pg';
import { TABLES, type Row } from './sql';
import { createSqlStore } from './sqlStore';
import type { StateStore } from './types';

export async function openPostgresStore(url: string, schema: string): Promise<StateStore> {
  const { default: pg } = await import('pg');
  const pool: Pool = new pg.Pool({ connectionString: url, max: 5 });
  const quoted = `"${schema.replaceAll('"', '""')}"`;
  const client = await pool.connect();
  try {
    // Two servers may start at once: serialize the migration on an advisory lock.
    await client.query('select pg_advisory_lock(727001)');
    await client.query(`create schema if not exists ${quoted}`);
    for (const ddl of TABLES(`${quoted}.`)) await client.query(ddl);
  } finally {
    await client.query('select pg_advisory_unlock(727001)').catch(() => undefined);
    client.release();
  }
  return createSqlStore(
    {
      query: async (sql, values = []) => (await pool.query(sql, values as unknown[])).rows as Row[],
      close: () => pool.end(),
    },
    `${quoted}.`,
  );
}
