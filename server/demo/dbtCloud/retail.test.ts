/**
 * The demo dbt Cloud's retail project against a small retail warehouse: its jobs really build the retail
 * models with the Airflow DAG's SQL (a model and its descendants, a date-range backfill that leaves other days
 * alone), `dbt test` really counts failing rows and fails the run, and a model with a training fault errors
 * (and skips what depends on it) until the fault is removed.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { DuckDBInstance } from '@duckdb/node-api';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../config';
import { createConnectorRegistry, type ConnectorRegistry } from '../../connectors/registry';
import { createDbtCloudClient, isDone, type DbtCloudClient, type DbtRun, type RunResult } from '../../connectors/systems/dbtCloud/client';
import { Faults } from '../airflow/faults';
import { createWarehouse, type Warehouse } from '../airflow/warehouse';
import { demoDbtCloud } from './index';
import { parseStep, RETAIL_PROJECT, selectModels } from './projects';
import { RETAIL_WAREHOUSE } from './testing/retailWarehouse';


let dir: string;
let server: http.Server;
let connectors: ConnectorRegistry;
let warehouse: Warehouse;
let client: DbtCloudClient;
const faults = new Faults();

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-dbt-retail-'));
  const file = path.join(dir, 'warehouse.duckdb');
  const setup = await DuckDBInstance.create(file);
  const c = await setup.connect();
  await c.run(RETAIL_WAREHOUSE);
  c.closeSync();
  setup.closeSync();
  const config = parseConfig(`environments:\n  demo:\n    label: Demo\n    connections:\n      warehouse: {kind: duckdb, path: ${JSON.stringify(file)}}\n      dbt: {kind: dbt-cloud, demo: true}\nauth:\n  mode: proxy\n  trustedProxies: [127.0.0.1/32]\n  roleMap: {ops: [service-team]}\n`, 'test.yaml');
  connectors = createConnectorRegistry(config, dir);
  warehouse = createWarehouse(connectors, 'demo', 'warehouse');
  // The clock reads 2026-12-02 03:00: the build time stamped on each model.
  const dbt = demoDbtCloud({ connectors, env: 'demo', log: () => undefined, faults: () => faults, now: () => new Date('2026-12-02T03:00:00Z') });
  const app = express();
  app.use('/demo/dbt-cloud', dbt.router);
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = dbt.endpoint(server);
  client = createDbtCloudClient({ url: endpoint.url, accountId: endpoint.accountId, token: endpoint.token });
  expect((server.address() as AddressInfo).port).toBeGreaterThan(0);
}, 60_000);

afterAll(async () => {
  if (server) await new Promise((resolve) => server.close(resolve));
  await connectors?.closeAll();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Triggers a retail job with a steps override and waits for the run to end (a state, not a duration). */
async function runJob(name: string, steps?: string[]): Promise<{ run: DbtRun; results: readonly RunResult[] }> {
  const signal = AbortSignal.timeout(60_000);
  const job = await client.findJob(name, signal);
  let run = await client.trigger(job.id, { cause: 'test', ...(steps ? { stepsOverride: steps } : {}) }, signal);
  while (!isDone(run.status)) {
    await new Promise((resolve) => setImmediate(resolve));
    run = await client.getRun(run.id, signal);
  }
  return { run, results: (await client.runResults(run.id, signal)) ?? [] };
}

const statuses = (results: readonly RunResult[]) => results.map((r) => [r.uniqueId, r.status]);

describe('the demo dbt Cloud retail project', () => {
  it('selects by the models\' refs: a model and its descendants, or its ancestors', () => {
    expect(selectModels(RETAIL_PROJECT, ['fact_orders+'])).toEqual(['fact_orders', 'fact_returns', 'mart_daily_sales']);
    expect(selectModels(RETAIL_PROJECT, ['+fact_orders'])).toEqual(['stg_products', 'stg_stores', 'stg_orders', 'stg_order_items', 'dim_stores', 'dim_products', 'dim_customers', 'fact_order_items', 'fact_orders']);
    expect(parseStep(RETAIL_PROJECT, `dbt run --select fact_orders --vars '{"start_date": "2026-11-30", "end_date": "2026-12-01"}'`)).toMatchObject({
      command: 'run', models: ['fact_orders'], fullRefresh: false, vars: { start_date: '2026-11-30', end_date: '2026-12-01' },
    });
    // The runbooks write the vars as a YAML mapping inside the JSON steps list.
    expect(parseStep(RETAIL_PROJECT, 'dbt run --select fact_orders --vars "{ start_date: 2026-11-30, end_date: 2026-12-01 }"').vars).toEqual({ start_date: '2026-11-30', end_date: '2026-12-01' });
  });

  it('backfills an incremental model over a date range only, leaving the other days as they were', async () => {
    const { run, results } = await runJob('retail_adhoc', [`dbt run --select fact_orders --vars '{"start_date": "2026-11-30", "end_date": "2026-12-01"}'`]);
    expect(run.statusHumanized).toBe('Success');
    expect(statuses(results)).toEqual([['model.retail.fact_orders', 'success']]);
    const rows = await warehouse.query(`select order_date::varchar as d, net_amount::double as net from retail_gold.fact_orders order by order_date`);
    // 11-29 is outside the range: still last night's (stale) figure; 11-30 and 12-01 are built from the items.
    expect(rows).toEqual([{ d: '2026-11-29', net: 99 }, { d: '2026-11-30', net: 30 }, { d: '2026-12-01', net: 15 }]);
  });

  it('rebuilds a model in full with --full-refresh, and its descendants with model+', async () => {
    const { run, results } = await runJob('retail_adhoc', ['dbt run --select fact_orders+ --full-refresh']);
    expect(run.statusHumanized).toBe('Success');
    expect(statuses(results)).toEqual([['model.retail.fact_orders', 'success'], ['model.retail.fact_returns', 'success'], ['model.retail.mart_daily_sales', 'success']]);
    expect(await warehouse.query(`select net_amount::double as net from retail_gold.fact_orders where order_date = '2026-11-29'`)).toEqual([{ net: 20 }]);
    expect(await warehouse.query(`select sum(net_revenue)::double as r from retail_gold.mart_daily_sales`)).toEqual([{ r: 65 }]);
    expect(await warehouse.query(`select return_id::int as return_id, store_sk from retail_gold.fact_returns`)).toEqual([{ return_id: 7, store_sk: 's1' }]);
  });

  it('tests the selected models for real: a passing run, then a failing test fails the run with its failing rows', async () => {
    const pass = await runJob('retail_adhoc', ['dbt test --select fact_orders+']);
    expect(pass.run.statusHumanized).toBe('Success');
    expect(pass.results.map((r) => [r.uniqueId, r.status, r.failures])).toEqual([
      ['test.retail.assert_mart_revenue_matches_fact_orders', 'pass', 0],
      ['test.retail.unique_fact_orders_order_id', 'pass', 0],
    ]);
    await warehouse.query(`insert into retail_gold.fact_orders select * from retail_gold.fact_orders where order_id = 3`);
    const fail = await runJob('retail_adhoc', ['dbt test --select fact_orders']);
    expect(fail.run.statusHumanized).toBe('Error');
    // Both tests that read fact_orders run: the key is no longer unique, and the mart no longer matches the facts.
    expect(fail.results.map((r) => [r.uniqueId, r.status, r.failures])).toEqual([
      ['test.retail.assert_mart_revenue_matches_fact_orders', 'fail', 1],
      ['test.retail.unique_fact_orders_order_id', 'fail', 1],
    ]);
    expect(fail.run.steps.at(-1)!.logs).toMatch(/FAIL 1 unique_fact_orders_order_id/);
  });

  it('meets a training fault on a model: the model errors and its descendants are skipped until the fault is removed', async () => {
    faults.setModel('fact_orders', 'lock wait timeout exceeded on retail_gold.fact_orders');
    const broken = await runJob('retail_adhoc', ['dbt run --select fact_orders+']);
    expect(broken.run.statusHumanized).toBe('Error');
    expect(statuses(broken.results)).toEqual([['model.retail.fact_orders', 'error'], ['model.retail.fact_returns', 'skipped'], ['model.retail.mart_daily_sales', 'skipped']]);
    expect(broken.results[0]!.message).toMatch(/lock wait timeout/);
    faults.removeModel('fact_orders');
    const again = await runJob('retail_adhoc', ['dbt run --select fact_orders+']);
    expect(again.run.statusHumanized).toBe('Success');
  });

  it('records every model and test of a run in retail_ops, with the run id, as the DAG\'s dbt tasks do', async () => {
    const { run } = await runJob('retail_adhoc', ['dbt run --select fact_orders+ --full-refresh', 'dbt test --select fact_orders']);
    expect(run.statusHumanized).toBe('Success');
    const models = await warehouse.query(
      `select dag_id, task_id, target, model_name, layer, materialization, status, rows_affected::int as n, message, batch_date = cast(completed_at as date) as tonight
       from retail_ops.dbt_run_results where run_id = :run order by started_at, model_name`, { run: String(run.id) });
    expect(models).toEqual([
      { dag_id: null, task_id: 'retail_adhoc', target: 'prod', model_name: 'fact_orders', layer: 'facts', materialization: 'incremental', status: 'success', n: 3, message: 'SUCCESS 3', tonight: true },
      { dag_id: null, task_id: 'retail_adhoc', target: 'prod', model_name: 'fact_returns', layer: 'facts', materialization: 'incremental', status: 'success', n: 1, message: 'SUCCESS 1', tonight: true },
      { dag_id: null, task_id: 'retail_adhoc', target: 'prod', model_name: 'mart_daily_sales', layer: 'marts', materialization: 'table', status: 'success', n: expect.any(Number), message: expect.stringMatching(/^SUCCESS \d+$/), tonight: true },
    ]);
    const tests = await warehouse.query(
      `select test_name, model_name, column_name, test_type, status, failures, severity from retail_ops.dbt_test_results where run_id = :run order by test_name`, { run: String(run.id) });
    expect(tests).toEqual([
      { test_name: 'assert_mart_revenue_matches_fact_orders', model_name: 'mart_daily_sales', column_name: null, test_type: 'singular', status: 'pass', failures: 0, severity: 'error' },
      { test_name: 'unique_fact_orders_order_id', model_name: 'fact_orders', column_name: 'order_id', test_type: 'unique', status: 'pass', failures: 0, severity: 'error' },
    ]);
    // Each step is its own dbt invocation, as in dbt Cloud's artifacts.
    const [ids] = await warehouse.query(`select (select count(distinct invocation_id) from retail_ops.dbt_run_results where run_id = :run) + (select count(distinct invocation_id) from retail_ops.dbt_test_results where run_id = :run) as n`, { run: String(run.id) });
    expect(Number(ids!.n)).toBe(2);
  });

  it('records a failed build: the model errored with dbt\'s message, its descendants skipped', async () => {
    faults.setModel('fact_orders', 'lock wait timeout exceeded on retail_gold.fact_orders');
    const { run } = await runJob('retail_adhoc', ['dbt run --select fact_orders+']);
    faults.removeModel('fact_orders');
    expect(await warehouse.query(`select model_name, status, rows_affected, message from retail_ops.dbt_run_results where run_id = :run order by started_at, model_name`, { run: String(run.id) })).toEqual([
      { model_name: 'fact_orders', status: 'error', rows_affected: null, message: 'Database Error in model fact_orders: lock wait timeout exceeded on retail_gold.fact_orders' },
      { model_name: 'fact_returns', status: 'skipped', rows_affected: null, message: 'Skipped: an upstream model failed' },
      { model_name: 'mart_daily_sales', status: 'skipped', rows_affected: null, message: 'Skipped: an upstream model failed' },
    ]);
  });

  it('lifts a model fault tied to a task once the task has spent its failing tries (the lock is gone)', () => {
    const f = new Faults();
    f.set('data_transformation_dbt', 'dbt_run_facts', { exception: 'DbtRuntimeError', message: 'lock', untilCleared: false, tries: 1 });
    f.setModel('fact_order_items', 'lock', { dagId: 'data_transformation_dbt', taskId: 'dbt_run_facts' });
    expect(f.modelFault('fact_order_items')).toBe('lock');
    expect(() => f.check('data_transformation_dbt', 'dbt_run_facts')).toThrow('lock');
    expect(f.modelFault('fact_order_items')).toBeNull();
  });

  it('runs the nightly job retail_daily as the job defines it: every model, then every test', async () => {
    const job = await client.findJob('retail_daily', AbortSignal.timeout(10_000));
    expect(job.executeSteps).toEqual(['dbt run', 'dbt test']);
  });
});
