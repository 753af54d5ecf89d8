/** The dbt Cloud system: `dbt-cloud run` blocks on `{kind: dbt-cloud}` connections. */
import { DBT_CLOUD_GRAMMAR } from '../../../../plugins/remark-runbook/syntax/systems/dbtCloud';
import type { ConnectionConfig } from '../../../config';
import { defineSystem } from '../types';
import { createDbtCloudClient, type DbtCloudClient } from './client';
import type { DbtCloudConnectionConfig } from './config';
import { runDbtCloud } from './execute';
import { cancellableSleep } from '../../cancellableSleep';

interface Opened {
  readonly client: DbtCloudClient;
  readonly pollMs: number;
}


export const DBT_CLOUD_SYSTEM = defineSystem<DbtCloudConnectionConfig, Opened>({
  grammar: DBT_CLOUD_GRAMMAR,
  kind: 'dbt-cloud',
  isConnection: (c: ConnectionConfig): c is DbtCloudConnectionConfig => c.kind === 'dbt-cloud',
  async connect(conn, demo) {
    if (conn.demo) {
      const local = await demo.dbtCloud();
      return { client: createDbtCloudClient({ url: local.url, accountId: local.accountId, token: local.token, ...(conn.timeoutMs ? { timeoutMs: conn.timeoutMs } : {}) }), pollMs: conn.pollMs ?? 500 };
    }
    return { client: createDbtCloudClient({ url: conn.url!, accountId: conn.accountId!, token: conn.token!, ...(conn.timeoutMs ? { timeoutMs: conn.timeoutMs } : {}) }), pollMs: conn.pollMs ?? 3000 };
  },
  run: (o, command, ctx) => runDbtCloud(o.client, command, { ...ctx, pollMs: o.pollMs, wait: cancellableSleep }),
  async probe(o, conn, signal) {
    const jobs = await o.client.countJobs(signal);
    return `${conn.demo ? 'demo dbt Cloud' : conn.url} account ${conn.accountId ?? '(demo)'}: token accepted, ${jobs} job${jobs === 1 ? '' : 's'} visible`;
  },
  close: (o) => o.client.close(),
});
