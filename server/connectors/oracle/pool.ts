/**
 * One node-oracledb pool per profile, created on first use: a profile nobody runs (often write) never
 * opens a session, and a pool that failed to be created is tried again on the next run.
 */
import type { OracleConnectionConfig } from './config';
import type { OracleDriverApi, OraclePool, SessionCallback } from './driver';

/** On close, running statements get this long before their sessions are closed under them. */
const DRAIN_SECONDS = 5;

export interface LazyPool {
  pool(): Promise<OraclePool>;
  close(): Promise<void>;
}

export function lazyPool(driver: OracleDriverApi, config: OracleConnectionConfig, credentials: { user: string; password: string }, sessionCallback: SessionCallback): LazyPool {
  let pending: Promise<OraclePool> | null = null;
  const connectSeconds = Math.max(1, Math.ceil(config.connectTimeoutMs / 1000));
  return {
    pool() {
      pending ??= driver
        .createPool({
          user: credentials.user,
          password: credentials.password,
          connectString: config.connectString,
          poolMin: 0,
          poolMax: config.poolMax,
          poolIncrement: 1,
          // Idle sessions close after a minute; one idle longer than poolPingInterval is pinged before use,
          // so a session the network lost is replaced instead of failing a run.
          poolTimeout: 60,
          poolPingInterval: 60,
          // How long a run waits for a free session when all poolMax are busy (NJS-040).
          queueTimeout: 10_000,
          connectTimeout: connectSeconds,
          transportConnectTimeout: connectSeconds,
          // Keepalive probes (minutes): a firewall that silently drops idle sessions is noticed.
          expireTime: 2,
          sessionCallback,
        })
        .catch((error: unknown) => {
          pending = null; // the next run tries again: the database may come back
          throw error;
        });
      return pending;
    },
    async close() {
      const current = pending;
      pending = null;
      const pool = current ? await current.catch(() => null) : null;
      await pool?.close(DRAIN_SECONDS).catch(() => undefined);
    },
  };
}

