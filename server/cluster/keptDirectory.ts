/**
 * Where each kept result lives, across instances on one PostgreSQL store (issue 14). A large read's result
 * stays in the DuckDB file of the instance that ran it (server/results/keptResults.ts); behind a load
 * balancer the page's next request may reach another instance. Each instance writes here, as a result becomes
 * readable, its run id, owner, expiry, instance and internal address; the instance a request reaches looks
 * the run up, decides ownership and expiry itself, and forwards the read to the one that keeps it
 * (keptForward.ts) — or, when that instance stopped, says so.
 *
 * Why forwarding and not the rows themselves in PostgreSQL: a million narrow rows took 15 s to insert and
 * 100 MB of the shared store, and a sorted page over them 2 s (README, "Several instances behind a load
 * balancer"); a forwarded page is one HTTP request between instances and costs the store one row per result.
 */
import type { SqlExec } from '../audit/sqlStore';
import { tableOnce } from '../audit/tableOnce';

export interface KeptLocation {
  readonly runId: string;
  readonly instance: string;
  /** The instance's address for other instances, e.g. http://10.0.0.5:3000. */
  readonly address: string;
  readonly owner: string;
  readonly expiresAt: string;
  /** The instance's heartbeat is fresh (server/audit/liveness.ts). */
  readonly live: boolean;
}

export interface KeptDirectory {
  /** This instance keeps `runId`'s result for `owner` until `expiresAt`. */
  announce(kept: { readonly runId: string; readonly owner: string; readonly expiresAt: string }): Promise<void>;
  /** Where `runId`'s result is kept; null when no instance announced it. */
  locate(runId: string): Promise<KeptLocation | null>;
}

export function sqlKeptDirectory(o: {
  readonly exec: Pick<SqlExec, 'query'>;
  /** Table prefix: the quoted schema and a dot. */
  readonly prefix: string;
  readonly instance: string;
  /** Resolved when announcing: the address is known once the server listens. */
  readonly address: () => string;
  readonly staleAfterMs: number;
  readonly now?: () => Date;
}): KeptDirectory {
  const table = `${o.prefix}kept_results`;
  const now = o.now ?? (() => new Date());
  const prepare = tableOnce(o.exec, `create table if not exists ${table} (run_id varchar primary key, instance varchar not null, address varchar not null, owner_user varchar not null, expires_at varchar not null)`);

  return {
    async announce(kept) {
      await prepare();
      // Rows of results long expired go with each new one, so the table stays the size of what is kept.
      await o.exec.query(`delete from ${table} where expires_at <= $1`, [now().toISOString()]);
      await o.exec.query(
        `insert into ${table} (run_id, instance, address, owner_user, expires_at) values ($1, $2, $3, $4, $5)
         on conflict (run_id) do update set instance = excluded.instance, address = excluded.address, owner_user = excluded.owner_user, expires_at = excluded.expires_at`,
        [kept.runId, o.instance, o.address(), kept.owner, kept.expiresAt],
      );
    },
    async locate(runId) {
      await prepare();
      const rows = await o.exec.query(
        `select k.instance, k.address, k.owner_user, k.expires_at, i.seen_at from ${table} k left join ${o.prefix}instances i on i.id = k.instance where k.run_id = $1`,
        [runId],
      );
      const row = rows[0];
      if (!row) return null;
      const seen = row.seen_at === null || row.seen_at === undefined ? null : String(row.seen_at);
      return {
        runId,
        instance: String(row.instance),
        address: String(row.address),
        owner: String(row.owner_user),
        expiresAt: String(row.expires_at),
        live: seen !== null && seen > new Date(now().getTime() - o.staleAfterMs).toISOString(),
      };
    },
  };
}
