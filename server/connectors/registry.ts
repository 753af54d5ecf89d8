/**
 * Opens each environment's connections on first use and keeps them for the life of the server.
 * Drivers load lazily (dynamic import), so a missing or broken driver disables only its connections.
 */
import path from 'node:path';
import type { ConnectionConfig, OpsbookConfig } from '../config';
import { ConnectorError, type SqlConnector } from './types';

export interface ConnectorRegistry {
  get(env: string, connection: string): Promise<SqlConnector>;
  closeAll(): Promise<void>;
}

async function open(config: ConnectionConfig, siteDir: string, label: string): Promise<SqlConnector> {
  switch (config.kind) {
    case 'duckdb': {
      const { openDuckDB } = await import('./duckdb/index');
      return openDuckDB({ file: path.resolve(siteDir, config.path) });
    }
    case 'postgres': {
      const { openPostgres } = await import('./postgres/index');
      return openPostgres({ read: config.url, write: config.write?.url ?? null, poolMax: config.poolMax, label });
    }
    case 'oracle': {
      const { openOracle } = await import('./oracle/index');
      return openOracle(config);
    }
    case 'sqlserver': {
      const { openSqlServer } = await import('./sqlserver/index');
      return openSqlServer(config);
    }
    case 'snowflake': {
      const { openSnowflake } = await import('./snowflake/index');
      // A relative privateKeyPath starts at the site directory, like every other path in the config.
      return openSnowflake({ connection: config, baseDir: siteDir });
    }
    case 'databricks': {
      const { openDatabricks } = await import('./databricks/index');
      return openDatabricks({ connection: config });
    }
    case 'airflow':
      // Airflow connections are REST clients, opened by server/connectors/airflow/connections.ts.
      throw new ConnectorError('unavailable', 'This is an Airflow connection; only sql blocks run on SQL connections.');
    default:
      // The systems' connections (S3, dbt Cloud, …) are opened by server/connectors/systems/connections.ts.
      throw new ConnectorError('unavailable', `This is a ${config.kind} connection; only sql blocks run on SQL connections.`);
  }
}

export function createConnectorRegistry(config: OpsbookConfig, siteDir: string): ConnectorRegistry {
  const opened = new Map<string, Promise<SqlConnector>>();
  return {
    get(env, connection) {
      const conf = config.environments[env]?.connections[connection];
      if (!conf) {
        return Promise.reject(new ConnectorError('unavailable', `Environment ${env} has no connection named "${connection}".`, 'Add it to opsbook.config.yaml or pick another environment.'));
      }
      const key = `${env}/${connection}`;
      let pending = opened.get(key);
      if (!pending) {
        pending = open(conf, siteDir, key).catch((error: unknown) => {
          opened.delete(key); // try again on the next run: the database may come back
          throw new ConnectorError('unavailable', `Could not open ${conf.kind} connection "${connection}" of ${env}: ${(error as Error).message}`);
        });
        opened.set(key, pending);
      }
      return pending;
    },
    async closeAll() {
      const all = [...opened.values()];
      opened.clear();
      await Promise.allSettled(all.map(async (p) => (await p).close()));
    },
  };
}

/** The SQL dialect of a connection, for choosing a snippet's variant. */
export function dialectOf(config: ConnectionConfig): string {
  return config.kind;
}
