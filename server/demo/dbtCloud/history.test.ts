/**
 * The demo dbt Cloud keeps DailyRefresh's history where its project records it (ecomm_ops.dbt_runs): List Runs and
 * Get Run serve the recorded nights (dbt Cloud's integer ids) merged with the runs made since; a run's record
 * outlives the server, so a restarted demo dbt Cloud still lists it and numbers new runs above it; a run of the
 * whole job is the night's dbt stage in the pipeline's run history, whether it passed or failed.
 */
import http from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDbtCloudClient, isDone, type DbtCloudClient, type DbtRun } from '../../connectors/systems/dbtCloud/client';
import { Faults } from '../airflow/faults';
import { openScratchWarehouse, type ScratchWarehouse } from '../airflow/testing/scratchWarehouse';
import { demoDbtCloud } from './index';

const NIGHT_1 = 282_524_000;
const NIGHT_2 = 282_525_000;

const SETUP = `create schema ecomm_gold; create schema ecomm_silver; create schema ecomm_metrics; create schema ecomm_ops;
  create table ecomm_gold.sales_analytics (order_date date, customer_id int, order_status varchar, revenue decimal(12,2));
  insert into ecomm_gold.sales_analytics values ('2026-11-30', 1, 'delivered', 10.5), ('2026-12-01', 1, 'delivered', 7);
  create table ecomm_silver.dim_customer (customer_id int, city varchar, loyalty_tier varchar, created_at timestamp);
  insert into ecomm_silver.dim_customer values (1, 'Hanoi', 'gold', '2026-11-01 00:00:00');
  create table ecomm_silver.fact_orders (order_date date, product_id int, quantity int, line_amount decimal(12,2), order_status varchar);
  insert into ecomm_silver.fact_orders values ('2026-12-01', 5, 2, 7, 'delivered');
  create table ecomm_silver.dim_product (product_id int, category varchar);
  insert into ecomm_silver.dim_product values (5, 'books');
  create table ecomm_ops.dbt_runs (job_name varchar, run_id bigint, execution_date date, trigger varchar, model_name varchar, started_at timestamp,
    finished_at timestamp, status varchar, run_started_at timestamp, run_finished_at timestamp, step_index integer, invocation varchar, message varchar);
  insert into ecomm_ops.dbt_runs
  select 'DailyRefresh', ${NIGHT_1} + (d - 29) * 1000, date '2026-11-29' + (d - 29), 'Kicked off by schedule', m, timestamp '2026-11-29 22:00:00' + to_days(d - 29) + to_minutes(k),
         timestamp '2026-11-29 22:01:00' + to_days(d - 29) + to_minutes(k), 'success', timestamp '2026-11-29 22:00:00' + to_days(d - 29), timestamp '2026-11-29 22:03:00' + to_days(d - 29),
         3, 'dbt run --select agg_sales_kpi agg_product_kpi agg_customer_kpi', 'OK'
  from (values (29), (30)) n(d), (values ('agg_sales_kpi', 0), ('agg_product_kpi', 1), ('agg_customer_kpi', 2)) t(m, k);
  create table ecomm_ops.pipeline_runs (execution_date date, run_id varchar, stage varchar, stage_order int, started_at timestamp, finished_at timestamp,
    duration_min decimal(8,1), status varchar, attempts int);
  insert into ecomm_ops.pipeline_runs values ('2026-12-01', '${NIGHT_2}', 'dbt', 3, '2026-12-01 22:00:00', '2026-12-01 22:03:00', 3.0, 'success', 1);`;

let scratch: ScratchWarehouse;
const faults = new Faults();

/** One demo dbt Cloud server on the scratch warehouse; a second one is the same demo restarted. */
async function startDbtCloud(): Promise<{ client: DbtCloudClient; close(): Promise<void> }> {
  const dbt = demoDbtCloud({ connectors: scratch.connectors, env: 'demo', log: () => undefined, faults: () => faults, now: () => new Date('2026-12-02T03:00:00Z') });
  const app = express();
  app.use('/demo/dbt-cloud', dbt.router);
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = createDbtCloudClient(dbt.endpoint(server));
  return {
    client,
    async close() {
      client.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const signal = () => AbortSignal.timeout(60_000);

async function runToEnd(client: DbtCloudClient, cause: string): Promise<DbtRun> {
  const job = await client.findJob('DailyRefresh', signal());
  let run = await client.trigger(job.id, { cause }, signal());
  while (!isDone(run.status)) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    run = await client.getRun(run.id, signal());
  }
  return run;
}

beforeAll(async () => {
  scratch = openScratchWarehouse('opsbook-dbt-history-');
  for (const statement of SETUP.split(';').map((s) => s.trim()).filter(Boolean)) await scratch.warehouse.query(statement);
});
afterAll(async () => {
  await scratch?.close();
});

describe("the demo dbt Cloud's run history", () => {
  it('lists the recorded nights with their integer run ids, and reads one with its steps and results', async () => {
    const dbt = await startDbtCloud();
    try {
      const job = await dbt.client.findJob('DailyRefresh', signal());
      const runs = await dbt.client.listRuns(job.id, 5, signal());
      expect(runs.map((r) => [r.id, r.statusHumanized, r.startedAt, r.finishedAt])).toEqual([
        [NIGHT_2, 'Success', '2026-11-30T22:00:00.000Z', '2026-11-30T22:03:00.000Z'],
        [NIGHT_1, 'Success', '2026-11-29T22:00:00.000Z', '2026-11-29T22:03:00.000Z'],
      ]);
      const night = await dbt.client.getRun(NIGHT_1, signal());
      expect(night.steps.map((s) => [s.name, s.status])).toEqual([
        ['Clone git repository', 10], ['Create profile from connection', 10], ['Invoke dbt run --select agg_sales_kpi agg_product_kpi agg_customer_kpi', 10],
      ]);
      expect(night.steps[2]!.logs).toMatch(/1 of 3 OK created sql table model ecomm_metrics\.agg_sales_kpi[\s\S]*PASS=3 WARN=0 ERROR=0 SKIP=0 TOTAL=3/);
      expect((await dbt.client.runResults(NIGHT_1, signal()))?.map((r) => [r.uniqueId, r.status])).toEqual([
        ['model.ecomm.agg_sales_kpi', 'success'], ['model.ecomm.agg_product_kpi', 'success'], ['model.ecomm.agg_customer_kpi', 'success'],
      ]);
    } finally {
      await dbt.close();
    }
  });

  it('keeps a run made before a restart, numbers new runs above it, and writes the night\'s dbt stage', async () => {
    const first = await startDbtCloud();
    let failedId: number;
    try {
      for (const model of ['agg_sales_kpi', 'agg_product_kpi', 'agg_customer_kpi']) faults.setModel(model, 'SQL warehouse is STOPPED');
      const failed = await runToEnd(first.client, 'Kicked off by schedule');
      for (const model of ['agg_sales_kpi', 'agg_product_kpi', 'agg_customer_kpi']) faults.removeModel(model);
      expect(failed).toMatchObject({ statusHumanized: 'Error' });
      expect(failed.id).toBeGreaterThan(NIGHT_2);
      failedId = failed.id;
      const [stage] = await scratch.warehouse.query(`select run_id, status, attempts from ecomm_ops.pipeline_runs where execution_date = '2026-12-01' and stage = 'dbt'`);
      expect(stage).toMatchObject({ run_id: String(failedId), status: 'failed', attempts: 2 });
    } finally {
      await first.close();
    }

    const restarted = await startDbtCloud();
    try {
      const job = await restarted.client.findJob('DailyRefresh', signal());
      expect((await restarted.client.listRuns(job.id, 1, signal())).map((r) => [r.id, r.statusHumanized])).toEqual([[failedId, 'Error']]);
      const before = await restarted.client.getRun(failedId, signal());
      expect(before.steps[2]!.logs).toMatch(/Database Error in model agg_product_kpi\n {2}SQL warehouse is STOPPED/);
      const rerun = await runToEnd(restarted.client, 'Re-run after the warehouse came back');
      expect(rerun).toMatchObject({ statusHumanized: 'Success' });
      expect(rerun.id).toBeGreaterThan(failedId);
      expect((await restarted.client.listRuns(job.id, 5, signal())).map((r) => r.id)).toEqual([rerun.id, failedId, NIGHT_2, NIGHT_1]);
      const [stage] = await scratch.warehouse.query(`select run_id, status from ecomm_ops.pipeline_runs where execution_date = '2026-12-01' and stage = 'dbt'`);
      expect(stage).toMatchObject({ run_id: String(rerun.id), status: 'success' });
    } finally {
      await restarted.close();
    }
  });
});
