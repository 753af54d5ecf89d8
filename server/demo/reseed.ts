/**
 * Reseeds the demo warehouse in place, under a running server (DESIGN.md §8): the seed's tables and views are
 * replaced on the server's own DuckDB instance, so nothing reopens the file, and tables the seed does not make
 * (the sandbox's own) stay. Statement by statement, not in one transaction: one transaction over the whole seed
 * took DuckDB minutes (~530 s against ~25 s here), and the roll runs at midnight when the demo is quiet, so a
 * query in that half minute reading a half-rolled table is the lesser cost.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { DUCKDB_INSTANCE_OPTIONS } from '../connectors/duckdb/index';
import { applySeed, defaultFiles, DEMO_SEED_VERSION } from './warehouse';

export interface DemoDays {
  /** The business day most families' data is relative to (the server's calendar date). */
  readonly today: string;
  /** The ecommerce pipeline's day (Asia/Bangkok). */
  readonly ecommerceToday: string;
}

export async function reseedInPlace(file: string, days: DemoDays): Promise<{ tables: number; rows: number; elapsedMs: number }> {
  const started = performance.now();
  // The connector's instance for this file: the cache gives it back for the same settings.
  const instance = await DuckDBInstance.fromCache(file, DUCKDB_INSTANCE_OPTIONS);
  const connection = await instance.connect();
  try {
    const counts = await applySeed(connection, defaultFiles, days.today, days.ecommerceToday, DEMO_SEED_VERSION, 'replace');
    await connection.run('CHECKPOINT');
    return { ...counts, elapsedMs: Math.round(performance.now() - started) };
  } finally {
    connection.closeSync();
  }
}
