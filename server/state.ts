/** Opens the configured state store: the embedded DuckDB file, or the shared PostgreSQL. */
import path from 'node:path';
import type { OpsbookConfig } from './config';
import type { StateStore } from './audit/types';

export async function openStateStore(config: OpsbookConfig, siteDir: string, log?: (message: string) => void): Promise<StateStore> {
  const audit = config.audit;
  if (audit.store === 'postgres') {
    const { openPostgresStore } = await import('./audit/postgresStore');
    return openPostgresStore(audit.url, audit.schema, log);
  }
  const { openDuckDBStore } = await import('./audit/duckdbStore');
  return openDuckDBStore(path.resolve(siteDir, audit.path));
}
