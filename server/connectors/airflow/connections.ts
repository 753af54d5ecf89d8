/**
 * The Airflow connections of the configuration, opened on first use and kept: a REST client per
 * environment and connection. A `sandbox: true` connection talks to this server's own /demo/airflow over
 * loopback HTTP, with the credentials the sandbox made up at start.
 */
import type { OpsbookConfig } from '../../config';
import { ConnectorError } from '../types';
import { createAirflowClient } from './index';
import type { AirflowClient } from './types';

export interface SandboxEndpoint {
  /** e.g. http://127.0.0.1:3000/demo/airflow — known once the server listens. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
}

export interface AirflowConnections {
  get(env: string, connection: string): { client: AirflowClient; pollMs: number };
  closeAll(): void;
}

export function createAirflowConnections(config: OpsbookConfig, sandbox: () => SandboxEndpoint | null): AirflowConnections {
  const open = new Map<string, { client: AirflowClient; pollMs: number }>();
  return {
    get(env, connection) {
      const key = `${env}/${connection}`;
      const found = open.get(key);
      if (found) return found;
      const conf = config.environments[env]?.connections[connection];
      if (!conf || conf.kind !== 'airflow') {
        throw new ConnectorError('unavailable', `Environment ${env} has no Airflow connection named "${connection}".`, 'Add {kind: airflow, …} under its connections in opsbook.config.yaml.');
      }
      let entry: { client: AirflowClient; pollMs: number };
      if (conf.sandbox) {
        const endpoint = sandbox();
        if (!endpoint) throw new ConnectorError('unavailable', 'The Airflow sandbox is not running on this server.', 'It starts with the server when an environment has {kind: airflow, sandbox: true}.');
        entry = {
          client: createAirflowClient({ url: endpoint.url, api: conf.api ?? 'v2', auth: { username: endpoint.username, password: endpoint.password }, timeoutMs: conf.timeoutMs ?? 15_000, retries: 2, backoffMs: 50 }),
          pollMs: conf.pollMs ?? 250,
        };
      } else {
        entry = {
          client: createAirflowClient({ url: conf.url!, api: conf.api!, auth: conf.auth!, ...(conf.tls ? { tls: conf.tls } : {}), ...(conf.timeoutMs ? { timeoutMs: conf.timeoutMs } : {}) }),
          pollMs: conf.pollMs ?? 1000,
        };
      }
      open.set(key, entry);
      return entry;
    },
    closeAll() {
      for (const { client } of open.values()) client.close();
      open.clear();
    },
  };
}
