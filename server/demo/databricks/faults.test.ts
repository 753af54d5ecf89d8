/**
 * A training fault armed on Airflow's run_dlt_pipeline acts on the DLT pipeline however the update is started:
 * an update started through the demo Databricks' API (as a databricks block does) meets it at the gold flow and
 * fails, writing the failure to the event log; once the fault is spent, the next update from the API repairs gold.
 */
import http from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openScratchWarehouse, type ScratchWarehouse } from '../airflow/testing/scratchWarehouse';
import { Faults } from '../airflow/faults';
import type { Warehouse } from '../airflow/warehouse';
import { extractBucket, toCsv } from '../s3/extracts';
import { startLocalS3, type LocalS3 } from '../s3/server';
import { DEMO_PIPELINE, demoDatabricks } from './index';
import { FILES, SETUP } from './testing/ecommerceFixture';

let scratch: ScratchWarehouse | undefined;
let w: Warehouse;
let s3: LocalS3;
let server: http.Server;
let api: (method: string, url: string) => Promise<Record<string, unknown>>;
const faults = new Faults();

beforeAll(async () => {
  scratch = openScratchWarehouse('opsbook-dlt-faults-');
  w = scratch.warehouse;
  for (const statement of SETUP.split(';').map((t) => t.trim()).filter(Boolean)) await w.query(statement);
  s3 = await startLocalS3(['ecomm-data']);
  for (const [table, file] of Object.entries(FILES)) await extractBucket(s3).write(table, '2026-12-01', toCsv(file));
  const dlt = demoDatabricks({ connectors: scratch.connectors, env: 'demo', log: () => undefined, extracts: async () => extractBucket(s3), faults: () => faults });
  const app = express();
  app.use(dlt.router);
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { token } = dlt.endpoint(server);
  const port = (server.address() as { port: number }).port;
  api = async (method, url) => (await (await fetch(`http://127.0.0.1:${port}${url}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(method === 'POST' ? { body: '{}' } : {}) })).json()) as Record<string, unknown>;
}, 60_000);
afterAll(async () => {
  server?.close();
  await s3?.close();
  await scratch?.close();
});

/** Starts an update through the API and waits for it to end (polled, as a databricks block polls). */
async function update(): Promise<string> {
  const { update_id: id } = (await api('POST', `/api/2.0/pipelines/${DEMO_PIPELINE.id}/updates`)) as { update_id: string };
  for (;;) {
    const { update } = (await api('GET', `/api/2.0/pipelines/${DEMO_PIPELINE.id}/updates/${id}`)) as { update: { state: string } };
    if (['COMPLETED', 'FAILED', 'CANCELED'].includes(update.state)) return update.state;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('training faults on a DLT update started from the page', () => {
  it('fails at the gold flow while the fault is armed, and repairs gold once it is spent', async () => {
    faults.set('batch_ecomm_pipeline', 'run_dlt_pipeline', { exception: 'AirflowException', message: 'Cluster 0412-ecomm-dlt was terminated (spot instance reclaimed).', untilCleared: false, tries: 1 });
    expect(await update()).toBe('FAILED');
    const failed = await w.query(`SELECT message FROM ecomm_ops.dlt_events WHERE level = 'ERROR'`);
    expect(failed.map((r) => r.message)).toEqual([expect.stringMatching(/^Update FAILED: .*Cluster 0412-ecomm-dlt was terminated/)]);
    expect(Number((await w.query(`SELECT count(*) AS n FROM ecomm_gold.sales_analytics`))[0]!.n)).toBe(0);
    expect(await update()).toBe('COMPLETED');
    expect((await w.query(`SELECT order_id FROM ecomm_gold.sales_analytics ORDER BY order_id`)).map((r) => Number(r.order_id))).toEqual([1, 2]);
  }, 60_000);
});
