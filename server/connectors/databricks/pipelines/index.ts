/**
 * The Databricks DLT system: `databricks run` blocks on `{kind: databricks}` connections — the same connection
 * SQL blocks use for the workspace's SQL warehouse (host and tokens), so one workspace is configured once.
 * `demo: true` uses the demo's own Databricks stand-in (server/demo/databricks).
 */
import { DATABRICKS_GRAMMAR } from '../../../../plugins/remark-runbook/syntax/systems/databricks';
import type { ConnectionConfig } from '../../../config';
import { defineSystem } from '../../systems/types';
import type { DatabricksConnectionConfig } from '../config';
import { realSleep } from '../http';
import { createPipelinesClient, type PipelinesClient } from './client';
import { runPipelines } from './execute';
import { cancellableSleep } from '../../cancellableSleep';

interface Opened {
  readonly client: PipelinesClient;
  readonly pollMs: number;
}


export const DATABRICKS_PIPELINES_SYSTEM = defineSystem<DatabricksConnectionConfig, Opened>({
  grammar: DATABRICKS_GRAMMAR,
  kind: 'databricks',
  isConnection: (c: ConnectionConfig): c is DatabricksConnectionConfig => c.kind === 'databricks',
  async connect(conn, demo) {
    if (conn.demo) {
      if (!demo.databricks) throw new Error('this server has no demo Databricks');
      const local = await demo.databricks();
      return { client: createPipelinesClient({ host: local.host, readToken: local.token, writeToken: local.token, sleep: realSleep }), pollMs: conn.pipelinePollMs ?? 200 };
    }
    return {
      client: createPipelinesClient({ host: conn.host!, readToken: conn.read!.token, ...(conn.write ? { writeToken: conn.write.token } : {}), sleep: realSleep }),
      pollMs: conn.pipelinePollMs ?? 5000,
    };
  },
  run: (o, command, ctx) => runPipelines(o.client, command, { ...ctx, pollMs: o.pollMs, wait: cancellableSleep }),
  async probe(o, conn, signal) {
    const n = await o.client.countPipelines(signal);
    return `${conn.demo ? 'demo Databricks' : conn.host} pipelines: read token accepted, ${n} pipeline${n === 1 ? '' : 's'} visible`;
  },
  close: () => undefined,
});
