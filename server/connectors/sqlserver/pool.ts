/**
 * One mssql ConnectionPool per profile, connected on first use: a profile nobody runs (often write)
 * never opens a connection, and a pool that failed to connect is tried again on the next run. tarn
 * replaces connections that died, so a lost connection costs one failed run at most.
 */
import type { Mode } from '../../../plugins/remark-runbook/types';
import type { SqlServerConnectionConfig } from './config';
import type { MssqlDriverApi, MssqlPool } from './driver';

/** Timeout for BEGIN/COMMIT/ROLLBACK and the balance check; statements get the run's own timeout. */
export const CONTROL_TIMEOUT_MS = 15_000;

export interface LazyPool {
  pool(): Promise<MssqlPool>;
  close(): Promise<void>;
}

export function lazyPool(driver: MssqlDriverApi, config: SqlServerConnectionConfig, mode: Mode): LazyPool {
  const credentials = mode === 'write' && config.write ? config.write : config.read;
  const pool = new driver.ConnectionPool({
    server: config.server,
    port: config.port,
    database: config.database,
    user: credentials.user,
    password: credentials.password,
    connectionTimeout: config.connectTimeoutMs,
    requestTimeout: CONTROL_TIMEOUT_MS,
    // A borrowed connection whose socket died is replaced without a round trip (SELECT 1 per run is not free).
    validateConnection: 'socket',
    pool: { min: 0, max: config.poolMax, idleTimeoutMillis: 60_000, acquireTimeoutMillis: 10_000 },
    options: {
      encrypt: config.encrypt,
      trustServerCertificate: config.trustServerCertificate,
      instanceName: config.instanceName,
      useUTC: true,
      appName: 'opsbook',
      readOnlyIntent: mode === 'read' && config.readOnlyIntent,
    },
  });
  // Errors on idle connections are reported as pool events; without a listener they would crash the process.
  pool.on('error', () => undefined);
  let connecting: Promise<MssqlPool> | null = null;
  let settled = true;
  let used = false;
  return {
    pool() {
      used = true;
      if (!connecting) {
        settled = false;
        connecting = pool.connect().then(
          () => {
            settled = true;
            return pool;
          },
          (error: unknown) => {
            settled = true;
            connecting = null; // the next run tries again: the server may come back
            throw error;
          },
        );
      }
      return connecting;
    },
    async close() {
      if (!used) return;
      const attempt = connecting;
      connecting = null;
      // mssql refuses to close a pool while it connects, and cannot give the attempt up: close it once the
      // attempt settles, without making shutdown wait up to connectTimeoutMs for a server that never answers.
      if (attempt && !settled) {
        void attempt.then(() => pool.close(), () => undefined).catch(() => undefined);
        return;
      }
      await pool.close().catch(() => undefined);
    },
  };
}

