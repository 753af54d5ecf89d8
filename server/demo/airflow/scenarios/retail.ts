/**
 * Retail training scenarios: the failures the retail failure-handling runbook documents, injected in bronze and in
 * the DAGs for tonight's batch (the night's run replays and meets them). Deactivating puts the batch's healthy
 * rows back exactly (a snapshot taken before the fault).
 */
import type { Scenario } from './types';
import { snapshot } from './heldRows';
import { replayNight } from './replay';
import { DBT_REBUILD, INGESTION_LOG_TONIGHT, dropYesterdaysOrdersFromGold, pausedNightRows, tonight } from './retailRows';
import { ingestionFailureScenario, landedTwiceScenario } from './retailShapes';
import { addDays } from '../warehouse';

/** The name a resent file lands under; the drill passes it to the runbook's delete. */
export const RESENT_FILE = 's3://retail-bronze/orders/resent/part-0001.json.gz';

const ingestionFailure = ingestionFailureScenario({
  id: 'retail_ingestion_failure',
  title: 'Ingestion failure',
  summary:
    "The orders API timed out on both tries of tonight's ingest_orders: orders, their lines and returns did not land. The API is back: find the failed task, retry it with its downstream tasks, and confirm the batch landed.",
  runbook: '/retail/failure-handling#ingestion-find-failure',
  taskId: 'ingest_orders',
  exception: 'ReadTimeout',
  message: 'Source API read timed out after 300 s (HTTP 504) on GET /v2/orders?updated_since=…',
  notLanded: [...['orders', 'order_items', 'returns'].map((t) => tonight(`retail_bronze.${t}`)), INGESTION_LOG_TONIGHT],
});

const modelFailure: Scenario = {
  id: 'retail_dbt_model_failure',
  title: 'dbt model failure',
  summary:
    "A long-running query held a lock on retail_gold.fact_order_items during tonight's dbt run: dbt_run_facts errored on both tries, the facts and the mart miss yesterday's orders. The lock is gone: find the failed model, re-run the failed task with its downstream tasks.",
  runbook: '/retail/failure-handling#dbt-find-failure',
  async activate(ctx, bd) {
    await snapshot(ctx.warehouse, this.id, DBT_REBUILD).take({ bd });
    await dropYesterdaysOrdersFromGold(ctx.warehouse, bd);
    ctx.faults.set('data_transformation_dbt', 'dbt_run_facts', {
      exception: 'DbtRuntimeError', message: 'lock wait timeout exceeded on retail_gold.fact_order_items (held by session 4711: an analyst query)', untilCleared: false, tries: 2,
    });
    // dbt Cloud builds the same model: its runs meet the lock too, while tonight's run still meets it. Once the
    // night's two tries are spent the lock is gone, so a re-run from dbt Cloud repairs as a cleared task does.
    ctx.faults.setModel('fact_order_items', 'lock wait timeout exceeded on retail_gold.fact_order_items (held by session 4711: an analyst query)', { dagId: 'data_transformation_dbt', taskId: 'dbt_run_facts' });
    const dagRun = await replayNight(ctx, 'data_transformation_dbt', bd);
    return { note: `Run ${dagRun.runId} of data_transformation_dbt is replaying batch ${bd}; dbt_run_facts will fail twice.`, dagRun };
  },
  async deactivate(ctx, bd) {
    ctx.faults.remove('data_transformation_dbt', 'dbt_run_facts');
    ctx.faults.removeModel('fact_order_items');
    await snapshot(ctx.warehouse, this.id, DBT_REBUILD).restore({ bd });
  },
};

const duplicateFile = landedTwiceScenario({
  id: 'retail_dq_duplicate_file',
  title: 'Data quality test failure (a file loaded twice)',
  summary:
    "The orders source resent tonight's first file under a new name and it was loaded as well: dbt_test_staging failed on duplicate order versions. Find the file, have its rows removed from bronze (escalation), then re-run the tests and what follows them.",
  runbook: '/retail/failure-handling#dq-identify',
  table: 'retail_bronze.orders',
  file: RESENT_FILE,
  minutesLater: 7,
  firstFileOnly: true,
  failingTest: 'unique_stg_orders_order_id',
  recoveryRewritesBatch: false,
});

/**
 * The orders source renamed order_total to total_amount in tonight's batch. Landing evolves bronze's schema (a new
 * column, the old one empty for the batch), and dbt_run_staging fails on stg_orders' contract. Deactivating puts
 * the staging model as the baseline defines it back, drops the column and restores the batch's rows.
 */
const ORDERS_TONIGHT = [tonight('retail_bronze.orders'), tonight('retail_source.orders')];
const schemaChange: Scenario = {
  id: 'retail_schema_change',
  title: 'A source renamed a column (dbt staging model fails)',
  summary:
    "The orders API renamed order_total to total_amount in tonight's batch. Bronze took the new column; stg_orders does not read it, so dbt_run_staging failed on the model's source contract and gold was not rebuilt. The model change is engineering's (approved by the pipeline owner); deploy the released stg_orders, then re-run the failed task and its downstream tasks.",
  runbook: '/retail/failure-handling#dbt-find-failure',
  async activate(ctx, bd) {
    const w = ctx.warehouse;
    const [view] = await w.query(`SELECT sql FROM duckdb_views() WHERE schema_name = 'retail_silver' AND view_name = 'stg_orders'`);
    await w.query(`CREATE OR REPLACE TABLE opsbook_sandbox.${this.id}_view AS SELECT CAST(:sql AS VARCHAR) AS sql`, { sql: String(view!.sql) });
    await snapshot(w, this.id, [...ORDERS_TONIGHT, ...DBT_REBUILD]).take({ bd });
    for (const t of ['retail_source.orders', 'retail_bronze.orders']) {
      await w.query(`ALTER TABLE ${t} ADD COLUMN total_amount DECIMAL(12, 2)`);
      await w.query(`UPDATE ${t} SET total_amount = order_total, order_total = NULL WHERE _batch_date = CAST(:bd AS DATE)`, { bd });
    }
    await dropYesterdaysOrdersFromGold(w, bd);
    const dagRun = await replayNight(ctx, 'data_transformation_dbt', bd);
    return { note: `Run ${dagRun.runId} of data_transformation_dbt is replaying batch ${bd}; dbt_run_staging will fail on stg_orders' contract (total_amount).`, dagRun };
  },
  async deactivate(ctx, bd) {
    const w = ctx.warehouse;
    const [view] = await w.query(`SELECT sql FROM opsbook_sandbox.${this.id}_view`);
    if (view) await w.query(String(view.sql).replace(/^CREATE VIEW/i, 'CREATE OR REPLACE VIEW'));
    await w.query(`DROP TABLE IF EXISTS opsbook_sandbox.${this.id}_view`);
    await w.query(`DELETE FROM retail_ops.model_deployments WHERE model_name = 'stg_orders' AND release_name = 'orders API v2: total_amount'`);
    for (const t of ['retail_source.orders', 'retail_bronze.orders']) await w.query(`ALTER TABLE ${t} DROP COLUMN IF EXISTS total_amount`);
    await snapshot(w, this.id, [...ORDERS_TONIGHT, ...DBT_REBUILD]).restore({ bd });
  },
};

/** The two retail nights the SCD2 drill pauses: the batches of the day before yesterday and of three days ago. */
const pausedNights = (bd: string) => [addDays(bd, -3), addDays(bd, -2)] as const;
const RETAIL_DAGS = ['data_ingestion_bronze', 'data_transformation_dbt'];
const pausedParts = pausedNightRows(RETAIL_DAGS);

const scd2MissedNights: Scenario = {
  id: 'retail_scd2_missed_nights',
  title: 'Customer history missing for two past nights (SCD Type 2)',
  summary:
    "The retail DAGs were paused for two nights during a warehouse migration and unpaused afterwards without a backfill: those batches never landed in bronze, so dim_customers has no versions for the customers who joined or changed on those days, and last night's rebuild kept the gap. Find the missing batch dates, backfill the ingestion over them, then rebuild the dimension and check its history.",
  runbook: '/retail/backfilling#ingestion-gaps',
  async activate(ctx, bd) {
    const [from, to] = pausedNights(bd);
    const gold = snapshot(ctx.warehouse, `${this.id}_gold`, DBT_REBUILD);
    await gold.take({ bd });
    await snapshot(ctx.warehouse, this.id, pausedParts).take({ from, to });
    // The nights never ran: no run in Airflow, no attempt recorded, nothing landed for those batches.
    for (const dag of RETAIL_DAGS) await ctx.store.hideNights(dag, [from, to]);
    for (const p of pausedParts) await ctx.warehouse.query(`DELETE FROM ${p.table} WHERE ${p.where}`, { from, to });
    // Last night's dbt run rebuilt the dimension (and the facts) from bronze as it was: without those nights.
    const dagRun = await replayNight(ctx, 'data_transformation_dbt', bd);
    return { note: `No retail DAG ran for batches ${from} and ${to}; run ${dagRun.runId} of data_transformation_dbt rebuilt gold without them.`, dagRun };
  },
  async deactivate(ctx, bd) {
    const [from, to] = pausedNights(bd);
    await snapshot(ctx.warehouse, this.id, pausedParts).restore({ from, to });
    await snapshot(ctx.warehouse, `${this.id}_gold`, DBT_REBUILD).restore({ bd });
    for (const dag of RETAIL_DAGS) await ctx.store.showNights(dag, [from, to]);
  },
};

export const retailScenarios: readonly Scenario[] = [ingestionFailure, modelFailure, duplicateFile, schemaChange, scd2MissedNights];
