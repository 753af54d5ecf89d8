/**
 * The demo's stand-ins for the systems the runbooks name, started on first use and stopped with the server:
 * today the S3-compatible server holding the ecommerce extracts.
 */
import type { DemoEndpoints } from '../connectors/systems/types';
import { startLocalS3, type LocalS3 } from './s3/server';

export interface DemoSystems extends DemoEndpoints {
  close(): Promise<void>;
}

export interface DemoSystemsOptions {
  /** Buckets the demo S3 creates. */
  readonly buckets?: readonly string[];
  /** Fills the demo S3 once it is up (the daily extracts). */
  readonly seedS3?: (s3: LocalS3) => Promise<void>;
  /** The demo dbt Cloud's address, when the server mounts one. */
  readonly dbtCloud?: () => Promise<{ readonly url: string; readonly accountId: number; readonly token: string }>;
}

export const DEMO_BUCKETS = ['ecomm-extracts'] as const;

export function startDemoSystems(options: DemoSystemsOptions = {}): DemoSystems {
  let s3: Promise<LocalS3> | null = null;
  const startS3 = async () => {
    const local = await startLocalS3(options.buckets ?? DEMO_BUCKETS);
    await options.seedS3?.(local);
    return local;
  };
  return {
    s3() {
      s3 ??= startS3().catch((error: unknown) => {
        s3 = null;
        throw error;
      });
      return s3;
    },
    async dbtCloud() {
      if (!options.dbtCloud) throw new Error('this server has no demo dbt Cloud');
      return options.dbtCloud();
    },
    async close() {
      const started = s3;
      s3 = null;
      if (started) await (await started.catch(() => null))?.close();
    },
  };
}
