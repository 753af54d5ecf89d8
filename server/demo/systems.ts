/**
 * The demo's stand-ins for the systems the runbooks name, started on first use and stopped with the server:
 * today the S3-compatible server holding the ecommerce extracts.
 */
import type { OpsbookConfig } from '../config';
import type { ConnectorRegistry } from '../connectors/registry';
import type { DemoEndpoints } from '../connectors/systems/types';
import { createWarehouse } from './airflow/warehouse';
import { extractBucket, seedExtractsFromBronze } from './s3/extracts';
import { startLocalS3, type LocalS3 } from './s3/server';

export interface DemoSystems extends DemoEndpoints {
  /** The demo S3 itself (started on first use): the Airflow sandbox and the demo Databricks read and write it. */
  local(): Promise<LocalS3>;
  close(): Promise<void>;
}

export interface DemoSystemsOptions {
  /** Buckets the demo S3 creates. */
  readonly buckets?: readonly string[];
  /** Fills the demo S3 once it is up (the daily extracts). */
  readonly seedS3?: (s3: LocalS3) => Promise<void>;
  /** Brings the demo S3 up to date before each read (the demo pipeline's extracts). */
  readonly refreshS3?: (s3: LocalS3) => Promise<void>;
  /** The demo dbt Cloud's address, when the server mounts one. */
  readonly dbtCloud?: () => Promise<{ readonly url: string; readonly accountId: number; readonly token: string }>;
  /** The demo Tableau's address and personal access token, when the server mounts one. */
  readonly tableau?: DemoEndpoints['tableau'];
  /** The demo Slack's webhooks, when the server mounts one. */
  readonly slack?: DemoEndpoints['slack'];
  /** The demo Databricks' address, when the server mounts one. */
  readonly databricks?: () => Promise<{ readonly host: string; readonly token: string }>;
}

/** ecomm-data holds the ecommerce pipeline's daily extracts (ecomm_db_extracts/daily_extracts/<table>/<day>/). */
export const DEMO_BUCKETS = ['ecomm-data', 'ecomm-extracts'] as const;

export function startDemoSystems(options: DemoSystemsOptions = {}): DemoSystems {
  let s3: Promise<LocalS3> | null = null;
  const startS3 = async () => {
    const local = await startLocalS3(options.buckets ?? DEMO_BUCKETS);
    await options.seedS3?.(local);
    return local;
  };
  const local = () =>
    (s3 ??= startS3().catch((error: unknown) => {
      s3 = null;
      throw error;
    }));
  return {
    local,
    async s3() {
      const local_ = await local();
      const refresh = options.refreshS3;
      return refresh ? { ...local_, refresh: () => refresh(local_) } : local_;
    },
    async dbtCloud() {
      if (!options.dbtCloud) throw new Error('this server has no demo dbt Cloud');
      return options.dbtCloud();
    },
    ...(options.tableau ? { tableau: options.tableau } : {}),
    ...(options.slack ? { slack: options.slack } : {}),
    async databricks() {
      if (!options.databricks) throw new Error('this server has no demo Databricks');
      return options.databricks();
    },
    async close() {
      const started = s3;
      s3 = null;
      if (started) await (await started.catch(() => null))?.close();
    },
  };
}

/**
 * What `npm start` gives the demo: a demo S3 that starts with the recent extract files bronze was loaded from
 * (bronze's `_source_file` lineage in the warehouse of the environment that has the demo S3); from then on the
 * Airflow sandbox's extract task writes them and training faults lose or empty them.
 */
export function defaultDemoSystems(config: OpsbookConfig, connectors: ConnectorRegistry, log: (m: string) => void): DemoSystemsOptions {
  const env = Object.entries(config.environments).find(([, e]) => Object.values(e.connections).some((c) => c.kind === 's3' && c.demo))?.[0];
  if (!env || !config.environments[env]!.connections.warehouse) return {};
  const warehouse = createWarehouse(connectors, env, 'warehouse');
  return {
    seedS3: async (s3) => {
      await seedExtractsFromBronze(warehouse, extractBucket(s3)).catch((error: unknown) => log(`demo S3: could not write the extract history (${(error as Error).message})`));
    },
  };
}
