/**
 * The ecommerce pipeline's serving stages as the sandbox runs them: `ecomm_dbt_daily_refresh` triggers the dbt
 * Cloud job DailyRefresh (dbt Cloud's operator) through dbt Cloud's API — the client a dbt-cloud block uses — and
 * follows the run; dbt Cloud rebuilds the metric tables from gold and keeps the run in its history, the only
 * record of DailyRefresh runs; its project's record writes the data day's dbt stage in the pipeline's run history.
 * `ecomm_tableau_refresh` refreshes the KPI extracts in Tableau (Tableau's operator) through Tableau's REST API and
 * follows the job; Tableau records the refresh and the tableau stage. Neither has a schedule here: the nightly ones
 * are the seed's history, and these DAGs are the runbook's manual re-runs.
 */
import { createDbtCloudClient, isDone } from '../../../connectors/systems/dbtCloud/client';
import { createTableauClient } from '../../../connectors/systems/tableau/client';
import { OUTCOME } from '../../../connectors/systems/tableau/execute';
import { DEMO_WORKBOOK } from '../../tableau/index';
import { TaskFailure, type DagDef, type TaskContext } from '../model';
import { dataDay } from './ecommerce';
import { dag, sqlTask } from './build';

export const MODELS = ['agg_sales_kpi', 'agg_product_kpi', 'agg_customer_kpi'] as const;

export const BUILD: Record<(typeof MODELS)[number], string> = {
  agg_sales_kpi: `CREATE OR REPLACE TABLE ecomm_metrics.agg_sales_kpi AS
    WITH o AS (
      SELECT order_date AS kpi_date, count(*) AS orders, count(*) FILTER (WHERE order_status = 'cancelled') AS cancelled_orders,
             coalesce(sum(revenue) FILTER (WHERE order_status <> 'cancelled'), 0) AS revenue
      FROM ecomm_gold.sales_analytics GROUP BY ALL
    ), c AS (
      SELECT CAST(created_at + INTERVAL 7 HOUR AS DATE) AS kpi_date, count(*) AS new_customers FROM ecomm_silver.dim_customer GROUP BY ALL
    )
    SELECT o.kpi_date, CAST(o.orders AS INTEGER) AS orders, CAST(o.cancelled_orders AS INTEGER) AS cancelled_orders,
           CAST(o.revenue AS DECIMAL(14, 2)) AS revenue,
           CAST(round(o.revenue / nullif(o.orders - o.cancelled_orders, 0), 2) AS DECIMAL(10, 2)) AS avg_order_value,
           CAST(round(o.cancelled_orders * 100.0 / o.orders, 2) AS DECIMAL(6, 2)) AS cancel_rate_pct,
           CAST(coalesce(c.new_customers, 0) AS INTEGER) AS new_customers, CAST(:now AS TIMESTAMP) AS refreshed_at
    FROM o LEFT JOIN c USING (kpi_date)`,
  agg_product_kpi: `CREATE OR REPLACE TABLE ecomm_metrics.agg_product_kpi AS
    WITH d AS (
      SELECT f.order_date AS kpi_date, f.product_id, sum(f.quantity) AS units, sum(f.line_amount) AS revenue
      FROM ecomm_silver.fact_orders f WHERE f.order_status <> 'cancelled' GROUP BY ALL
    ), w AS (
      SELECT d.*, sum(units) OVER pk7 AS units_7d, sum(revenue) OVER pk7 AS revenue_7d
      FROM d WINDOW pk7 AS (PARTITION BY product_id ORDER BY kpi_date RANGE BETWEEN INTERVAL 6 DAY PRECEDING AND CURRENT ROW)
    )
    SELECT w.kpi_date, w.product_id, p.category, CAST(w.units AS INTEGER) AS units, CAST(w.revenue AS DECIMAL(12, 2)) AS revenue,
           CAST(w.units_7d AS INTEGER) AS units_7d, CAST(w.revenue_7d AS DECIMAL(14, 2)) AS revenue_7d, CAST(:now AS TIMESTAMP) AS refreshed_at
    FROM w JOIN ecomm_silver.dim_product p USING (product_id)
    WHERE w.kpi_date >= CAST(:x AS DATE) - 13`,
  agg_customer_kpi: `CREATE OR REPLACE TABLE ecomm_metrics.agg_customer_kpi AS
    SELECT s.customer_id, c.city, c.loyalty_tier, min(s.order_date) AS first_order_date, max(s.order_date) AS last_order_date,
           CAST(count(*) FILTER (WHERE s.order_status <> 'cancelled') AS INTEGER) AS orders,
           CAST(coalesce(sum(s.revenue) FILTER (WHERE s.order_status <> 'cancelled'), 0) AS DECIMAL(14, 2)) AS lifetime_revenue,
           CAST(:now AS TIMESTAMP) AS refreshed_at
    FROM ecomm_gold.sales_analytics s JOIN ecomm_silver.dim_customer c USING (customer_id)
    GROUP BY ALL`,
};

/** The stage's record in the pipeline's run history: the day's stage row becomes this run's. */
async function recordStage(ctx: TaskContext, x: string, stage: 'tableau', runId: string): Promise<void> {
  await ctx.sql(
    `UPDATE ecomm_ops.pipeline_runs SET run_id = :run, started_at = CAST(:start AS TIMESTAMP), finished_at = CAST(:now AS TIMESTAMP),
            duration_min = CAST(round((epoch(CAST(:now AS TIMESTAMP)) - epoch(CAST(:start AS TIMESTAMP))) / 60.0, 1) AS DECIMAL(8, 1)),
            status = 'success', attempts = attempts + 1
     WHERE execution_date = CAST(:x AS DATE) AND stage = :stage`,
    { x, stage, run: runId, start: ctx.startedAt, now: ctx.now() },
  );
}

async function runDailyRefresh(ctx: TaskContext): Promise<void> {
  await ctx.failIfFaulted();
  const x = dataDay(ctx);
  const client = createDbtCloudClient(await ctx.dbtCloud());
  const signal = AbortSignal.timeout(30 * 60_000);
  try {
    const job = await client.findJob('DailyRefresh', signal);
    const started = await client.trigger(job.id, { cause: `Triggered by Airflow run ${ctx.runId} for ${x}` }, signal);
    ctx.log(`dbt Cloud job DailyRefresh (job ${job.id}) triggered: run ${started.id}`);
    let run = started;
    while (!isDone(run.status)) {
      await ctx.pause(0.05);
      run = await client.getRun(run.id, signal);
    }
    ctx.log(`dbt Cloud run ${run.id}: ${run.statusHumanized}${run.statusMessage ? ` (${run.statusMessage})` : ''}`, run.status === 10 ? 'INFO' : 'ERROR');
    // dbt Cloud's project writes the night's dbt stage itself (its one writer), whether the run passed or failed.
    if (run.status !== 10) throw new TaskFailure('DbtCloudJobRunException', `dbt Cloud run ${run.id} of DailyRefresh ended ${run.statusHumanized}${run.statusMessage ? `: ${run.statusMessage}` : ''}`);
  } finally {
    client.close();
  }
}

/**
 * Tableau's operator: refreshes the workbook Ecommerce KPIs (the extracts of its three data sources) through the
 * Tableau REST API — the client a tableau block uses — and follows the job. Tableau alone records the refresh
 * (its history, and the night's tableau stage): a refresh copies the metric tables as they are now, whatever data
 * day the run was for.
 */
async function refreshExtracts(ctx: TaskContext): Promise<void> {
  await ctx.failIfFaulted();
  const x = dataDay(ctx);
  const client = createTableauClient({ ...(await ctx.tableau()), apiVersion: '3.24' });
  const signal = AbortSignal.timeout(30 * 60_000);
  try {
    const workbook = await client.find('workbook', DEMO_WORKBOOK, 'Ecommerce', signal);
    let job = await client.refresh(workbook, signal);
    ctx.log(`Tableau: refresh of the workbook ${DEMO_WORKBOOK} (extracts of Sales KPI, Product KPI and Customer KPI) for data day ${x} queued as job ${job.id}`);
    while (job.finishCode === null) {
      await ctx.pause(0.05);
      job = await client.job(job.id, signal);
    }
    const outcome = OUTCOME[job.finishCode] ?? String(job.finishCode);
    ctx.log(`Tableau job ${job.id}: ${outcome}${job.notes.length ? ` (${job.notes.join(' ')})` : ''}`, job.finishCode === 0 ? 'INFO' : 'ERROR');
    if (job.finishCode !== 0) throw new TaskFailure('TableauJobFailedException', `Tableau job ${job.id} refreshing ${DEMO_WORKBOOK} ended ${outcome}${job.notes.length ? `: ${job.notes.join(' ')}` : ''}`);
  } finally {
    await client.close();
  }
}

export const ecommerceServingDags: readonly DagDef[] = [
  dag({
    dagId: 'ecomm_dbt_daily_refresh', description: 'Runs the dbt Cloud job DailyRefresh (metric tables from gold) for a data day.',
    schedule: null, owners: ['ecomm-data-engineering'], tags: ['ecommerce'],
    tasks: [sqlTask('run_dbt_cloud_job', 1200, runDailyRefresh, { operator: 'DbtCloudRunJobOperator' })],
  }),
  dag({
    dagId: 'ecomm_tableau_refresh', description: 'Refreshes the Tableau Server extracts of the KPI data sources for a data day.',
    schedule: null, owners: ['ecomm-data-engineering'], tags: ['ecommerce'],
    tasks: [sqlTask('refresh_extracts', 900, refreshExtracts, { operator: 'TableauOperator' })],
  }),
];
