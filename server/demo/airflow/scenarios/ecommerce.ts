/**
 * Ecommerce training scenarios: failures of the nightly batch_ecomm_pipeline the daily-run runbook documents,
 * injected for the latest data day (yesterday, ICT) and replayed. Deactivating puts that day's healthy rows back
 * exactly (a snapshot taken before the fault).
 */
import { randomUUID } from 'node:crypto';
import { createDbtCloudClient, isDone } from '../../../connectors/systems/dbtCloud/client';
import { createTableauClient, type TableauJob } from '../../../connectors/systems/tableau/client';
import { ecommerceYesterday, runEcommerceDltUpdate } from '../dags/ecommerce';
import { BUILD, MODELS } from '../dags/ecommerceServing';
import { DEMO_WORKBOOK } from '../../tableau/index';
import { preciseWarehouseTime } from '../warehouse';
import { heldFiles } from './heldFiles';
import { snapshot } from './heldRows';
import { replayNight } from './replay';
import type { Scenario, ScenarioContext } from './types';

/** The day's rows in every layer; its extract files in S3 are kept aside too (heldFiles). */
const DAY_ROWS = [
  ...['orders', 'order_items', 'customers', 'products'].map((t) => ({ table: `ecomm_bronze.${t}_raw`, where: `_execution_date = CAST(:x AS DATE)` })),
  ...['silver.dim_customer', 'silver.dim_product', 'silver.dim_orders', 'silver.fact_orders', 'gold.sales_analytics', 'gold.agg_daily_sales'].map((t) => ({
    table: `ecomm_${t}`, where: 'true',
  })),
];

/** The DLT event log of the data day (the updates a scenario's night adds to it). */
const DAY_EVENTS = { table: 'ecomm_ops.dlt_events', where: `execution_date = CAST(:x AS DATE)` };

const missingExtract: Scenario = {
  id: 'ecomm_missing_extract',
  title: 'Missing extract',
  summary:
    "Postgres refused connections during last night's extraction: extract_postgres_to_s3 failed twice, no files reached S3 and DLT never ran, so yesterday is missing from bronze, silver and gold. The database is back: backfill the day with its execution date.",
  runbook: '/ecommerce/daily-run#extract-files',
  async activate(ctx) {
    const x = ecommerceYesterday();
    await heldFiles(ctx, this.id).take(x);
    await snapshot(ctx.warehouse, this.id, DAY_ROWS).take({ x });
    // The night's files never reached S3.
    await (await ctx.extracts()).removeDay(x);
    for (const t of ['orders', 'order_items', 'customers', 'products']) await ctx.warehouse.query(`DELETE FROM ecomm_bronze.${t}_raw WHERE _execution_date = CAST(:x AS DATE)`, { x });
    for (const t of ['ecomm_silver.fact_orders', 'ecomm_silver.dim_orders', 'ecomm_gold.sales_analytics', 'ecomm_gold.agg_daily_sales']) {
      await ctx.warehouse.query(`DELETE FROM ${t} WHERE order_date = CAST(:x AS DATE)`, { x });
    }
    ctx.faults.set('batch_ecomm_pipeline', 'extract_postgres_to_s3', {
      exception: 'OperationalError', message: 'connection to server at "ecomm-db.internal" (10.20.4.11), port 5432 failed: timeout expired', untilCleared: false, tries: 2,
    });
    const dagRun = await replayNight(ctx, 'batch_ecomm_pipeline', x);
    return { note: `Run ${dagRun.runId} of batch_ecomm_pipeline is replaying data day ${x}; extract_postgres_to_s3 will fail twice.`, dagRun };
  },
  async deactivate(ctx) {
    ctx.faults.remove('batch_ecomm_pipeline', 'extract_postgres_to_s3');
    await snapshot(ctx.warehouse, this.id, DAY_ROWS).restore({ x: ecommerceYesterday() });
    await heldFiles(ctx, this.id).restore(ecommerceYesterday());
  },
};

/** The table whose export found no rows in the empty-extract scenario. */
const EMPTY_TABLE = 'orders';

const emptyExtract: Scenario = {
  id: 'ecomm_empty_extract',
  title: 'Empty extract',
  summary:
    "Last night's export of the orders table read a Postgres replica that was still being rebuilt and found no rows: it wrote an empty (0-byte) orders file to S3 and succeeded, and DLT loaded nothing for yesterday's orders, so they are missing from bronze, silver and gold while every task reports success. The replica is back: backfill the day with its execution date.",
  runbook: '/ecommerce/daily-run#extract-files',
  async activate(ctx) {
    const x = ecommerceYesterday();
    await heldFiles(ctx, this.id).take(x);
    await snapshot(ctx.warehouse, this.id, [...DAY_ROWS, DAY_EVENTS]).take({ x });
    // The night as it went: the export wrote the file with no rows, then DLT loaded the day's files (an update that completes).
    await (await ctx.extracts()).write(EMPTY_TABLE, x, '');
    await runEcommerceDltUpdate(
      {
        sql: (text, binds) => ctx.warehouse.query(text, binds),
        log: () => undefined,
        now: () => preciseWarehouseTime(new Date()),
        failIfFaulted: async () => undefined,
        extracts: ctx.extracts,
      },
      { days: [x], bronze: true, updateId: randomUUID(), cause: 'triggered by Airflow run of the night' },
    );
    return { note: `The ${EMPTY_TABLE} extract of ${x} in S3 is empty (0 bytes); DLT loaded no orders for ${x}.`, dagRun: null };
  },
  async deactivate(ctx) {
    await snapshot(ctx.warehouse, this.id, [...DAY_ROWS, DAY_EVENTS]).restore({ x: ecommerceYesterday() });
    await heldFiles(ctx, this.id).restore(ecommerceYesterday());
  },
};

const goldMissing: Scenario = {
  id: 'ecomm_gold_missing',
  title: 'Gold missing',
  summary:
    "The Databricks cluster was terminated during last night's gold flow: run_dlt_pipeline failed twice after silver, so gold has nothing for yesterday. Check gold against silver, then re-run the DAG.",
  runbook: '/ecommerce/daily-run#gold-checks',
  async activate(ctx) {
    const x = ecommerceYesterday();
    await heldFiles(ctx, this.id).take(x);
    // The night's failed updates go in the event log: deactivating puts the log of the day back as it was.
    await snapshot(ctx.warehouse, this.id, [...DAY_ROWS, DAY_EVENTS]).take({ x });
    for (const t of ['ecomm_gold.sales_analytics', 'ecomm_gold.agg_daily_sales']) await ctx.warehouse.query(`DELETE FROM ${t} WHERE order_date = CAST(:x AS DATE)`, { x });
    ctx.faults.set('batch_ecomm_pipeline', 'run_dlt_pipeline', {
      exception: 'AirflowException', message: 'DLT update failed in flow gold.sales_analytics: Cluster 0412-ecomm-dlt was terminated (spot instance reclaimed).', untilCleared: false, tries: 2,
    });
    const dagRun = await replayNight(ctx, 'batch_ecomm_pipeline', x);
    return { note: `Run ${dagRun.runId} of batch_ecomm_pipeline is replaying data day ${x}; run_dlt_pipeline will fail twice at the gold flow.`, dagRun };
  },
  async deactivate(ctx) {
    ctx.faults.remove('batch_ecomm_pipeline', 'run_dlt_pipeline');
    await snapshot(ctx.warehouse, this.id, [...DAY_ROWS, DAY_EVENTS]).restore({ x: ecommerceYesterday() });
    await heldFiles(ctx, this.id).restore(ecommerceYesterday());
  },
};

/** Order lines of the data day the app wrote without their order (kept aside here with the order they belong to). */
const ORPHANS = 'opsbook_sandbox.held_ecomm_orphan_items';
const repairOrphans = async (ctx: Parameters<Scenario['activate']>[0]): Promise<number> => {
  await ctx.warehouse.query(`CREATE TABLE IF NOT EXISTS ${ORPHANS} (order_item_id BIGINT, order_id BIGINT)`);
  const [n] = await ctx.warehouse.query(`SELECT count(*) AS n FROM ${ORPHANS}`);
  await ctx.warehouse.query(`UPDATE ecomm_src.order_items i SET order_id = h.order_id FROM ${ORPHANS} h WHERE h.order_item_id = i.order_item_id`);
  await ctx.warehouse.query(`DELETE FROM ${ORPHANS}`);
  return Number(n?.n ?? 0);
};

const silverDropped: Scenario = {
  id: 'ecomm_silver_dropped',
  title: 'Silver dropped records',
  summary:
    "An app release wrote twelve of yesterday's order lines without their order id; last night's DLT update dropped them at silver (valid_pk), so yesterday's revenue is short. The app team has repaired the rows in Postgres (the Fix action): re-run the day with its execution date.",
  runbook: '/ecommerce/daily-run#silver-checks',
  actions: [{ id: 'source_fixed', label: 'The app team repairs the rows in Postgres' }],
  async activate(ctx) {
    const x = ecommerceYesterday();
    await heldFiles(ctx, this.id).take(x);
    await snapshot(ctx.warehouse, this.id, [...DAY_ROWS, DAY_EVENTS]).take({ x });
    await ctx.warehouse.query(`CREATE TABLE IF NOT EXISTS ${ORPHANS} (order_item_id BIGINT, order_id BIGINT)`);
    await ctx.warehouse.query(
      `INSERT INTO ${ORPHANS} SELECT order_item_id, order_id FROM ecomm_src.order_items
       WHERE updated_at >= CAST(CAST(:x AS DATE) AS TIMESTAMP) - INTERVAL 7 HOUR AND updated_at < CAST(CAST(:x AS DATE) + 1 AS TIMESTAMP) - INTERVAL 7 HOUR
       ORDER BY order_item_id LIMIT 12`,
      { x },
    );
    await ctx.warehouse.query(`UPDATE ecomm_src.order_items SET order_id = NULL WHERE order_item_id IN (SELECT order_item_id FROM ${ORPHANS})`);
    const dagRun = await replayNight(ctx, 'batch_ecomm_pipeline', x);
    return { note: `Run ${dagRun.runId} of batch_ecomm_pipeline is replaying data day ${x} with 12 order lines that have no order id.`, dagRun };
  },
  async act(action, ctx) {
    if (action !== 'source_fixed') throw new Error(`Unknown action ${action}.`);
    const n = await repairOrphans(ctx);
    return `The app team repaired ${n} order lines in Postgres: they have their order ids again. Re-run the day.`;
  },
  async deactivate(ctx) {
    await repairOrphans(ctx);
    await snapshot(ctx.warehouse, this.id, [...DAY_ROWS, DAY_EVENTS]).restore({ x: ecommerceYesterday() });
    await heldFiles(ctx, this.id).restore(ecommerceYesterday());
  },
};

/** The column the shop's release added to orders, and who wrote each order that day. */
const NEW_COLUMN = 'sales_channel';
const UPDATED_FROM_DAY = `updated_at >= CAST(CAST(:x AS DATE) AS TIMESTAMP) - INTERVAL 7 HOUR`;

/** Puts the orders table (source and bronze) back to the columns it had before the release. */
async function dropNewColumn(ctx: ScenarioContext): Promise<void> {
  await ctx.warehouse.query(`ALTER TABLE ecomm_bronze.orders_raw DROP COLUMN IF EXISTS ${NEW_COLUMN}`);
  await ctx.warehouse.query(`ALTER TABLE ecomm_src.orders DROP COLUMN IF EXISTS ${NEW_COLUMN}`);
}

const newSourceColumn: Scenario = {
  id: 'ecomm_new_source_column',
  title: 'New column in the source (rescued in bronze)',
  summary:
    "Yesterday's shop release added sales_channel to the orders table in Postgres. Last night's extract carried the new column; bronze did not know it, so the day's orders have it only in _rescued_data, and schema evolution added the column for the next update. Check the rescued rows, then reload the day so its orders carry the column.",
  runbook: '/ecommerce/daily-run#bronze-schema',
  async activate(ctx) {
    const x = ecommerceYesterday();
    await heldFiles(ctx, this.id).take(x);
    await snapshot(ctx.warehouse, this.id, [...DAY_ROWS, DAY_EVENTS]).take({ x });
    await ctx.warehouse.query(`ALTER TABLE ecomm_src.orders ADD COLUMN ${NEW_COLUMN} VARCHAR`);
    // The app writes it for every order it touches from the release on (the start of the data day).
    await ctx.warehouse.query(
      `UPDATE ecomm_src.orders SET ${NEW_COLUMN} = CASE order_id % 3 WHEN 0 THEN 'web' WHEN 1 THEN 'ios' ELSE 'android' END WHERE ${UPDATED_FROM_DAY}`,
      { x },
    );
    const dagRun = await replayNight(ctx, 'batch_ecomm_pipeline', x);
    return { note: `Run ${dagRun.runId} of batch_ecomm_pipeline is replaying data day ${x}; the orders file has a column bronze does not know.`, dagRun };
  },
  async deactivate(ctx) {
    await dropNewColumn(ctx);
    await snapshot(ctx.warehouse, this.id, [...DAY_ROWS, DAY_EVENTS]).restore({ x: ecommerceYesterday() });
    await heldFiles(ctx, this.id).restore(ecommerceYesterday());
  },
};

/** The serving stages' rows for the data day: metric tables, dbt Cloud's and Tableau's records, the stage history. */
const SERVING_ROWS = [
  ...['agg_sales_kpi', 'agg_product_kpi', 'agg_customer_kpi'].map((t) => ({ table: `ecomm_metrics.${t}`, where: 'true' })),
  ...['dbt_runs', 'tableau_refreshes', 'pipeline_runs'].map((t) => ({ table: `ecomm_ops.${t}`, where: `execution_date = CAST(:x AS DATE)` })),
];

/** What dbt met on the Databricks SQL warehouse that serves the metric tables while it was stopped. */
const WAREHOUSE_STOPPED =
  "Runtime Error: [Databricks] SQL warehouse 'ecomm-serving' (id 4b9b953939869799) is STOPPED: it stopped during the run and did not accept the query (HTTP 503)";

/** How long a scenario waits for a dbt Cloud run or a Tableau refresh it started before it gives up. */
const SYSTEM_RUN_LIMIT_MS = 5 * 60_000;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The metric tables as the night before's build left them: the very build SQL, run for the day before on gold and
 * silver as they stood then (nothing of the data day), stamped with that night's build time.
 */
async function buildNightBefore(ctx: ScenarioContext, x: string): Promise<void> {
  const w = ctx.warehouse;
  const [before] = await w.query(
    `SELECT strftime(coalesce(max(finished_at), CAST(CAST(:x AS DATE) AS TIMESTAMP) - INTERVAL 2 HOUR) - INTERVAL 30 SECOND, '%Y-%m-%d %H:%M:%S') AS built_at
     FROM ecomm_ops.pipeline_runs WHERE execution_date = CAST(:x AS DATE) - 1 AND stage = 'dbt'`,
    { x },
  );
  const inputs = [['ecomm_gold.sales_analytics', 'opsbook_sandbox.night_before_sales_analytics'], ['ecomm_silver.fact_orders', 'opsbook_sandbox.night_before_fact_orders']] as const;
  for (const [table, copy] of inputs) await w.query(`CREATE OR REPLACE TABLE ${copy} AS SELECT * FROM ${table} WHERE order_date < CAST(:x AS DATE)`, { x });
  try {
    for (const model of MODELS) {
      const sql = inputs.reduce((text, [table, copy]) => text.replaceAll(table, copy), BUILD[model]);
      await w.query(sql, { x: dayBefore(x), now: String(before?.built_at) });
    }
  } finally {
    for (const [, copy] of inputs) await w.query(`DROP TABLE IF EXISTS ${copy}`);
  }
}

const dayBefore = (x: string) => new Date(Date.parse(`${x}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

/** Runs DailyRefresh in the demo dbt Cloud as its schedule does, and waits for the run to end. */
async function scheduledDailyRefresh(ctx: ScenarioContext): Promise<{ id: number; status: string }> {
  const client = createDbtCloudClient(await ctx.dbtCloud());
  const signal = AbortSignal.timeout(SYSTEM_RUN_LIMIT_MS);
  try {
    const job = await client.findJob('DailyRefresh', signal);
    let run = await client.trigger(job.id, { cause: 'Kicked off by schedule' }, signal);
    while (!isDone(run.status)) {
      await pause(50);
      run = await client.getRun(run.id, signal);
    }
    return { id: run.id, status: run.statusHumanized };
  } finally {
    client.close();
  }
}

/** The extracts the dashboards' data sources hold (the demo Tableau's), put back exactly on deactivate. */
const EXTRACTS = ['sales_kpi', 'product_kpi', 'customer_kpi'].map((t) => ({ table: `ecomm_tableau.${t}_extract`, where: 'true' }));

/** Why Tableau Server stopped the refresh: the backgrounder's query limit (backgrounder.querylimit, 7200 s by default). */
export const STALE_DASHBOARD_TIMEOUT = 'Timed out after 7200 s: the extract refresh exceeded the backgrounder query limit (backgrounder.querylimit = 7200 s).';

/**
 * This morning's scheduled refresh of the dashboards' workbook, run in the demo Tableau as its schedule would and
 * followed to its end (its job moves on its own; waiting here depends on no clock, only on the job finishing).
 */
async function scheduledRefresh(ctx: ScenarioContext): Promise<TableauJob> {
  const client = createTableauClient({ ...(await ctx.tableau()), apiVersion: '3.24' });
  const signal = AbortSignal.timeout(SYSTEM_RUN_LIMIT_MS);
  try {
    const workbook = await client.find('workbook', DEMO_WORKBOOK, 'Ecommerce', signal);
    let job = await client.refresh(workbook, signal);
    while (job.finishCode === null) {
      await pause(50);
      job = await client.job(job.id, signal);
    }
    return job;
  } finally {
    await client.close();
  }
}

const dailyRefreshFailed: Scenario = {
  id: 'ecomm_daily_refresh_failed',
  title: 'DailyRefresh failed',
  summary:
    "The Databricks SQL warehouse that serves the metric tables stopped during this morning's dbt Cloud job DailyRefresh: every model errored, so the metric tables still hold the night before's build and yesterday has no KPIs; Tableau then refreshed on the old figures. The warehouse is back: re-run DailyRefresh, then the Tableau extracts.",
  runbook: '/ecommerce/daily-run#dbt-checks',
  async activate(ctx) {
    const x = ecommerceYesterday();
    await snapshot(ctx.warehouse, this.id, [...SERVING_ROWS, ...EXTRACTS]).take({ x });
    // This morning's scheduled run is the one that fails below: the record of it as a good run is set aside
    // (put back on deactivate), and the metric tables are as the night before's run left them.
    let run: { id: number; status: string };
    try {
      await ctx.warehouse.query(`DELETE FROM ecomm_ops.dbt_runs WHERE execution_date = CAST(:x AS DATE)`, { x });
      await buildNightBefore(ctx, x);
      for (const model of MODELS) ctx.faults.setModel(model, WAREHOUSE_STOPPED);
      try {
        run = await scheduledDailyRefresh(ctx);
      } finally {
        // The warehouse is back once the run has failed: a re-run builds the day.
        for (const model of MODELS) ctx.faults.removeModel(model);
      }
      if (run.status !== 'Error') throw new Error(`DailyRefresh run ${run.id} ended ${run.status}, not in error: the scenario could not make it fail`);
    } catch (error) {
      // A fault that could not be staged leaves the night as it was.
      await this.deactivate(ctx, '');
      throw error;
    }
    // A server without the demo Tableau still has the failed run to train on: the note says what is missing.
    const tableau = await scheduledRefresh(ctx).then(
      (job) => (job.finishCode === 0 ? 'Tableau refreshed on the old figures.' : `Tableau's morning refresh ended with finish code ${job.finishCode} (job ${job.id}).`),
      (error: unknown) => `The dashboards were not refreshed (${(error as Error).message}).`,
    );
    return { note: `dbt Cloud run ${run.id} of DailyRefresh for ${x} failed: every model met the stopped SQL warehouse, and the metric tables have nothing for ${x}. ${tableau}`, dagRun: null };
  },
  async deactivate(ctx) {
    for (const model of MODELS) ctx.faults.removeModel(model);
    await snapshot(ctx.warehouse, this.id, [...SERVING_ROWS, ...EXTRACTS]).restore({ x: ecommerceYesterday() });
  },
};

const staleDashboard: Scenario = {
  id: 'ecomm_stale_dashboard',
  title: 'Stale dashboard',
  summary:
    "This morning's scheduled refresh of the workbook Ecommerce KPIs timed out on Tableau Server at its first extract, Sales KPI (7200 s), and stopped: the dashboards still show the day before's figures although dbt built yesterday's. Check the refresh, then refresh the extracts by hand.",
  runbook: '/ecommerce/daily-run#tableau-checks',
  async activate(ctx) {
    const x = ecommerceYesterday();
    await snapshot(ctx.warehouse, this.id, [...SERVING_ROWS, ...EXTRACTS]).take({ x });
    // Before this morning's refresh the extracts held what the previous morning's copied: nothing of the data day yet.
    await ctx.warehouse.query(`DELETE FROM ecomm_tableau.sales_kpi_extract WHERE kpi_date = CAST(:x AS DATE)`, { x });
    await ctx.warehouse.query(`DELETE FROM ecomm_tableau.product_kpi_extract WHERE kpi_date = CAST(:x AS DATE)`, { x });
    await ctx.warehouse.query(`UPDATE ecomm_tableau.customer_kpi_extract SET last_order_date = CAST(:x AS DATE) - 1 WHERE last_order_date = CAST(:x AS DATE)`, { x });
    // Tableau Server's schedule refreshes the workbook; Sales KPI, its first extract, times out and the job stops.
    ctx.faults.setTableau('Sales KPI', STALE_DASHBOARD_TIMEOUT);
    try {
      const job = await scheduledRefresh(ctx);
      if (job.finishCode !== 1) throw new Error(`the scheduled refresh was meant to fail, and ended with finish code ${job.finishCode} (job ${job.id})`);
      return { note: `This morning's refresh of the workbook ${DEMO_WORKBOOK} for ${x} failed at Sales KPI (job ${job.id}): ${STALE_DASHBOARD_TIMEOUT} The extracts still hold the day before.`, dagRun: null };
    } finally {
      // The timeout was this morning's: a refresh started now succeeds.
      ctx.faults.removeTableau('Sales KPI');
    }
  },
  async deactivate(ctx) {
    ctx.faults.removeTableau('Sales KPI');
    await snapshot(ctx.warehouse, this.id, [...SERVING_ROWS, ...EXTRACTS]).restore({ x: ecommerceYesterday() });
  },
};

export const ecommerceScenarios: readonly Scenario[] = [missingExtract, emptyExtract, goldMissing, silverDropped, dailyRefreshFailed, staleDashboard, newSourceColumn];
