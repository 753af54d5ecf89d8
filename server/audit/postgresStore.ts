/**
 * The shared store: PostgreSQL, so several server instances see the same approvals and audit log.
 * Tables live in their own schema, created on first start.
 */
import type { Pool } from 'pg';
import { withPoolClient } from './poolClient';
import { TABLES, type Row } from './sql';
import { createSqlStore, type SqlExec } from './sqlStore';
import type { StateStore } from './types';

export async function openPostgresStore(url: string, schema: string, log: (message: string) => void = (m) => console.error(`opsbook: ${m}`)): Promise<StateStore> {
  const { default: pg } = await import('pg');
  // A connection attempt must fail fast while the store is down, so runs are refused (`unavailable`)
  // promptly instead of hanging; the pool reconnects by itself once the store is back.
  // A statement that gets no answer at all (a connection the store dropped without a word) fails after 15 s,
  // so a run is refused instead of waiting for ever; no audit statement takes that long on a live store.
  const pool: Pool = new pg.Pool({ connectionString: url, max: 5, connectionTimeoutMillis: 5_000, query_timeout: 15_000 });
  // An idle client whose backend is terminated (restart, failover, pg_terminate_backend) emits `error`
  // on the pool; unhandled, that would end the process. The pool drops that client and opens another.
  pool.on('error', (error) => log(`the audit store's idle connection dropped (${error.message}); the next write reconnects.`));
  const quoted = `"${schema.replaceAll('"', '""')}"`;
  // Held with a listener on its connection (poolClient.ts): a store that drops it mid-migration fails the start
  // with its reason instead of an unhandled 'error' event.
  await withPoolClient(pool, async (client) => {
    try {
      // Two servers may start at once: serialize the migration on an advisory lock.
      await client.query('select pg_advisory_lock(727001)');
      await client.query(`create schema if not exists ${quoted}`);
      for (const ddl of TABLES(`${quoted}.`)) await client.query(ddl);
    } finally {
      await client.query('select pg_advisory_unlock(727001)').catch(() => undefined);
    }
  });
  const exec: SqlExec = {
    query: async (sql, values = []) => {
      try {
        return (await pool.query(sql, values as unknown[])).rows as Row[];
      } catch (error) {
        // Several pooled connections dropped at once (restart, failover): the pool learns of each one's death
        // separately, so a write may be handed a connection that already died. The statement never reached
        // the server then, so once more on a fresh connection is safe — and keeps a blip from refusing a run.
        if (!neverReachedServer(error)) throw error;
        return (await pool.query(sql, values as unknown[])).rows as Row[];
      }
    },
    close: () => pool.end(),
  };
  return { ...createSqlStore(exec, `${quoted}.`), sql: { exec, prefix: `${quoted}.`, engine: 'postgres', url, schema } };
}

/** Errors that prove the statement was never executed: the connection was dead before it was sent. */
function neverReachedServer(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  // 57P01: the backend was terminated (pg_terminate_backend, shutdown) — it said so before taking any statement.
  return e.code === '57P01' || (typeof e.message === 'string' && /not queryable/.test(e.message));
}
