/**
 * The per-user concurrent-run limit across instances sharing one PostgreSQL store: one lease row per
 * running run. A run takes a lease when the user holds fewer than the limit on all live instances, and
 * gives it back when it ends. Leases of an instance whose heartbeat lapsed (server/audit/liveness.ts) no
 * longer count — a killed instance cannot keep its users locked out — and are deleted by the next acquire.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { UserRunLimiter } from '../events';
import { withPoolClient } from '../audit/poolClient';
import { connectionClosed } from '../connectors/postgres/connectionClosed';

export interface RunLeaseOptions {
  readonly url: string;
  readonly schema: string;
  readonly instance: string;
  /** An instance silent this long is gone; its leases no longer count (same as liveness' stale time). */
  readonly staleAfterMs: number;
  readonly log: (message: string) => void;
  readonly now?: () => Date;
}

export interface RunLeases extends UserRunLimiter {
  close(): Promise<void>;
}

export function postgresRunLeases(o: RunLeaseOptions): RunLeases {
  const quoted = `"${o.schema.replaceAll('"', '""')}"`;
  const leases = `${quoted}.run_leases`;
  const instances = `${quoted}.instances`;
  const now = o.now ?? (() => new Date());
  let pool: Pool | null = null;

  const openPool = async (): Promise<Pool> => {
    if (pool) return pool;
    const { default: pg } = await import('pg');
    // Its own small pool: an acquire is a transaction (an advisory lock per user), which the store's
    // statement-at-a-time exec cannot hold.
    // A query that gets no answer (a connection the store dropped without a word) fails after 8 s, so a run
    // waiting for its lease is refused as unavailable instead of hanging with no answer at all.
    pool = new pg.Pool({ connectionString: o.url, max: 3, connectionTimeoutMillis: 5_000, query_timeout: 8_000 });
    pool.on('error', (error) => o.log(`run leases: an idle connection dropped (${error.message}); the next run reconnects.`));
    return pool;
  };
  const prepare = async (): Promise<Pool> => {
    const p = await openPool();
    const ddl = `create table if not exists ${leases} (id varchar primary key, user_name varchar not null, instance varchar not null, acquired_at varchar not null)`;
    await p.query(ddl).catch(() => p.query(ddl)); // two instances starting at once: the loser's retry finds it
    // Leases of this instance's previous life: those runs ended with that process. (No lease of this life
    // exists before the preparation succeeds: acquire waits for it.)
    await p.query(`delete from ${leases} where instance = $1`, [o.instance]);
    return p;
  };
  /**
   * The table, ready. A store that was down when the server started (or refused the preparation) must not
   * refuse runs for the rest of the process's life: a failed preparation is tried again by the next run.
   */
  let preparing: Promise<Pool> | null = null;
  const ready = (): Promise<Pool> => {
    preparing ??= prepare().catch((error: unknown) => {
      preparing = null;
      throw error;
    });
    return preparing;
  };
  ready().catch((error: unknown) => o.log(`run leases: could not prepare (${(error as Error).message}); runs are refused until the store answers.`));

  return {
    async acquire(user, limit) {
      const p = await ready();
      const id = randomUUID();
      // Held with a listener on its connection (audit/poolClient.ts): a connection the store drops mid-acquire
      // fails this run's lease — the run is refused `unavailable` — instead of taking the process down.
      // A pooled connection the store closed while idle can still be handed out: its BEGIN fails. Nothing was
      // done on it, so once a fresh connection takes its place; a failure after BEGIN is never retried (the
      // lease may have been written).
      let begun = false;
      const attempt = () => withPoolClient(p, async (client) => {
        try {
          await client.query('begin');
          begun = true;
          // One user's acquires queue here, on every instance; other users are not held up.
          await client.query('select pg_advisory_xact_lock(727003, hashtext($1))', [user]);
          const staleBefore = new Date(now().getTime() - o.staleAfterMs).toISOString();
          await client.query(`delete from ${leases} where user_name = $1 and instance <> $2 and instance not in (select id from ${instances} where seen_at > $3)`, [user, o.instance, staleBefore]);
          const held = await client.query(`select count(*)::int as n from ${leases} where user_name = $1`, [user]);
          const free = Number(held.rows[0]?.n ?? 0) < limit;
          if (free) await client.query(`insert into ${leases} (id, user_name, instance, acquired_at) values ($1, $2, $3, $4)`, [id, user, o.instance, now().toISOString()]);
          await client.query('commit');
          return free;
        } catch (error) {
          await client.query('rollback').catch(() => undefined);
          throw error;
        }
      });
      const taken = await attempt().catch((error: unknown) => {
        if (begun || !connectionClosed(error)) throw error;
        return attempt();
      });
      if (!taken) return null;
      return () =>
        p.query(`delete from ${leases} where id = $1`, [id]).then(
          () => undefined,
          (error: unknown) => o.log(`run leases: could not give back a lease of ${user} (${(error as Error).message}); it lapses when this instance's heartbeat does.`),
        );
    },
    async close() {
      await preparing?.catch(() => undefined);
      await pool?.end();
    },
  };
}
