/**
 * A retail data quality failure that starts in the source: the orders API began sending orders held for payment
 * review with a status value the pipeline does not accept and no customer yet. They land in bronze as sent, and
 * tonight's dbt run fails its staging tests. The source re-sends them corrected (an action), the batch's orders
 * are ingested again and the tests re-run with what follows them. Deactivating puts the batch back exactly.
 */
import type { Scenario, ScenarioContext } from './types';
import { DBT_REBUILD, pausedNightRows, tonight } from './retailRows';
import { snapshot } from './heldRows';
import { replayNight } from './replay';
import { addDays } from '../warehouse';

/** The orders as the source first sent them, kept so the corrected re-send (or the restore) can put them back. */
const ORIGINALS = 'opsbook_sandbox.held_retail_review_orders';
const HELD_FOR_REVIEW = `_batch_date = CAST(:bd AS DATE) AND order_id % 23 = 0`;

async function correct(ctx: ScenarioContext, table: string): Promise<number> {
  await ctx.warehouse.query(`CREATE TABLE IF NOT EXISTS ${ORIGINALS} AS SELECT order_id, customer_id, status FROM retail_source.orders LIMIT 0`);
  const [n] = await ctx.warehouse.query(`SELECT count(*) AS n FROM ${ORIGINALS}`);
  await ctx.warehouse.query(`UPDATE ${table} o SET customer_id = h.customer_id, status = h.status FROM ${ORIGINALS} h WHERE h.order_id = o.order_id AND o.status = 'ON_HOLD'`);
  return Number(n?.n ?? 0);
}

const paymentReviewOrders: Scenario = {
  id: 'retail_payment_review_orders',
  title: 'Data quality test failure (orders on hold without a customer)',
  summary:
    "A checkout release sends orders held for payment review as status ON_HOLD and without a customer id: tonight's batch landed them as sent, and dbt_test_staging failed on not_null_stg_orders_customer_id. The source team re-sends them corrected (the Re-send action): ingest the batch's orders again, then re-run the failed tests and what follows them.",
  runbook: '/retail/failure-handling#dq-identify',
  actions: [{ id: 'resend', label: 'The source re-sends the held orders corrected' }],
  async activate(ctx, bd) {
    const w = ctx.warehouse;
    await snapshot(w, this.id, [...DBT_REBUILD, tonight('retail_bronze.orders')]).take({ bd });
    await w.query(`DROP TABLE IF EXISTS ${ORIGINALS}`);
    await w.query(`CREATE TABLE ${ORIGINALS} AS SELECT order_id, customer_id, status FROM retail_source.orders WHERE ${HELD_FOR_REVIEW}`, { bd });
    for (const t of ['retail_source.orders', 'retail_bronze.orders']) {
      await w.query(`UPDATE ${t} SET customer_id = NULL, status = 'ON_HOLD' WHERE ${HELD_FOR_REVIEW}`, { bd });
    }
    const dagRun = await replayNight(ctx, 'data_transformation_dbt', bd);
    return { note: `Run ${dagRun.runId} of data_transformation_dbt is replaying batch ${bd}; dbt_test_staging will fail on orders without a customer.`, dagRun };
  },
  async act(action, ctx) {
    if (action !== 'resend') throw new Error(`Unknown action ${action}.`);
    const n = await correct(ctx, 'retail_source.orders');
    return `The source re-sent ${n} orders with their customer and a status the pipeline accepts. Ingest the batch's orders again.`;
  },
  async deactivate(ctx, bd) {
    await correct(ctx, 'retail_source.orders');
    await ctx.warehouse.query(`DROP TABLE IF EXISTS ${ORIGINALS}`);
    await snapshot(ctx.warehouse, this.id, [...DBT_REBUILD, tonight('retail_bronze.orders')]).restore({ bd });
  },
};

/** The nights the ingestion DAG stayed paused: last night's batch and the one before it. */
const pausedBatches = (bd: string) => [addDays(bd, -1), bd] as const;
const PAUSED_PARTS = pausedNightRows(['data_ingestion_bronze']);
const TONIGHT_DBT = [...DBT_REBUILD, { table: 'retail_ops.source_freshness', where: `batch_date = CAST(:bd AS DATE)` }];

/**
 * The ingestion DAG was paused for a bronze storage migration two nights ago and nobody unpaused it: no batch has
 * landed since, no task failed (a paused DAG leaves no failed run behind), and tonight's dbt run stopped at its
 * source freshness check. Unpausing (escalation), backfilling the two batches and re-running the transformation
 * from the failed check recovers; deactivating restores the nights exactly and unpauses.
 */
const ingestionPaused: Scenario = {
  id: 'retail_ingestion_paused',
  title: 'Ingestion stalled (DAG left paused)',
  summary:
    "data_ingestion_bronze was paused for a bronze storage migration two nights ago and never unpaused: no batch has landed since and nothing failed, until tonight's dbt run stopped at dbt_source_freshness with orders two days old. Find the stalled DAG, have it unpaused (escalation), backfill the missing batches, then re-run the transformation from the failed freshness check.",
  runbook: '/retail/troubleshooting#dag-not-running',
  async activate(ctx, bd) {
    const [from, to] = pausedBatches(bd);
    await snapshot(ctx.warehouse, `${this.id}_dbt`, TONIGHT_DBT).take({ bd });
    await snapshot(ctx.warehouse, this.id, PAUSED_PARTS).take({ from, to });
    ctx.engine.paused.add('data_ingestion_bronze');
    await ctx.store.hideNights('data_ingestion_bronze', [from, to]);
    for (const p of PAUSED_PARTS) await ctx.warehouse.query(`DELETE FROM ${p.table} WHERE ${p.where}`, { from, to });
    const dagRun = await replayNight(ctx, 'data_transformation_dbt', bd);
    return { note: `data_ingestion_bronze is paused and has not run for batches ${from} and ${to}; run ${dagRun.runId} of data_transformation_dbt will stop at its source freshness check.`, dagRun };
  },
  async deactivate(ctx, bd) {
    const [from, to] = pausedBatches(bd);
    ctx.engine.paused.delete('data_ingestion_bronze');
    await snapshot(ctx.warehouse, this.id, PAUSED_PARTS).restore({ from, to });
    await snapshot(ctx.warehouse, `${this.id}_dbt`, TONIGHT_DBT).restore({ bd });
    await ctx.store.showNights('data_ingestion_bronze', [from, to]);
  },
};

/** The restated orders (a tenth of tonight's, a late 10 % discount), listed while the restatement is written. */
const RESTATED_LIST = 'opsbook_sandbox.retail_restated_orders';
const RESTATED_FILE = 's3://retail-bronze/orders/restated/part-0001.json.gz';
const RESTATED_ROWS = [
  ...DBT_REBUILD,
  ...['retail_bronze.orders', 'retail_source.orders', 'retail_bronze.order_items', 'retail_source.order_items'].map(tonight),
];

/**
 * The orders source restated a tenth of yesterday's orders (a discount applied late) after tonight's dbt run had
 * built gold; the 06:40 catch-up of ingest_orders landed the new versions. Staging reads them, gold does not: the
 * transformation succeeded on input that has since changed, and only a new run of it rebuilds gold.
 */
const lateOrderCorrections: Scenario = {
  id: 'retail_late_order_corrections',
  title: 'Orders restated after the dbt run (gold behind staging)',
  summary:
    "The orders source restated a tenth of yesterday's orders with a late 10 % discount at 05:00, after tonight's dbt run had built gold; the 06:40 catch-up ingestion landed the new versions. Staging shows the new totals, fact_orders and the mart the old ones, and no task failed. Check the gold rules, then run the transformation again.",
  runbook: '/retail/failure-handling#dq-investigate',
  async activate(ctx, bd) {
    const w = ctx.warehouse;
    await snapshot(w, this.id, RESTATED_ROWS).take({ bd });
    // The order system books a late discount as an adjustment line (quantity 1, price 0, the discount) and a new
    // version of the order with the lower total; both land in the batch's restated file. One version per order,
    // and only orders with lines, so each gets exactly one adjustment.
    await w.query(
      `CREATE OR REPLACE TABLE ${RESTATED_LIST} AS
       SELECT order_id, any_value(order_total) AS order_total, CAST(round(any_value(order_total) * 0.1, 2) AS DECIMAL(10, 2)) AS discount
       FROM retail_source.orders WHERE _batch_date = CAST(:bd AS DATE) AND order_id % 10 = 3
         AND order_id IN (SELECT order_id FROM retail_source.order_items)
       GROUP BY order_id HAVING count(*) = 1`,
      { bd },
    );
    await w.query(
      `INSERT INTO retail_source.order_items
       SELECT 9000000000 + r.order_id, r.order_id, CAST(max(i.line_no) + 1 AS INTEGER), any_value(i.product_id), 1, 0, any_value(r.discount), CAST(:bd AS DATE), CAST(:file AS VARCHAR)
       FROM ${RESTATED_LIST} r JOIN retail_source.order_items i USING (order_id) GROUP BY r.order_id`,
      { bd, file: RESTATED_FILE },
    );
    await w.query(
      `INSERT INTO retail_source.orders
       SELECT o.* REPLACE (CAST(o.order_total - r.discount AS DECIMAL(12, 2)) AS order_total, CAST(:bd AS DATE) + INTERVAL 5 HOUR AS updated_at, CAST(:file AS VARCHAR) AS _source_file)
       FROM retail_source.orders o JOIN ${RESTATED_LIST} r USING (order_id) WHERE o._batch_date = CAST(:bd AS DATE)`,
      { bd, file: RESTATED_FILE },
    );
    await w.query(`DROP TABLE ${RESTATED_LIST}`);
    for (const t of ['orders', 'order_items']) {
      await w.query(
        `INSERT INTO retail_bronze.${t} BY NAME SELECT *, CAST(:bd AS DATE) + INTERVAL 400 MINUTE AS _loaded_at FROM retail_source.${t} WHERE _batch_date = CAST(:bd AS DATE) AND _source_file = :file`,
        { bd, file: RESTATED_FILE },
      );
    }
    return { note: `Batch ${bd}: ${RESTATED_FILE} restated orders after data_transformation_dbt built gold; gold still has the old totals.`, dagRun: null };
  },
  async deactivate(ctx, bd) {
    await snapshot(ctx.warehouse, this.id, RESTATED_ROWS).restore({ bd });
  },
};

export const retailSourceScenarios: readonly Scenario[] = [paymentReviewOrders, ingestionPaused, lateOrderCorrections];
