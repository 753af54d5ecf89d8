/**
 * Faults only a baseline check catches (issue 11): every layer agrees with the one before it, every test
 * passes, and the day is still wrong — smaller than the days before it. Row-by-row reconciliations cannot
 * see a source that delivered less; comparing the day with its history can.
 */
import type { Scenario } from './types';
import { addDays } from '../warehouse';
import { heldFiles } from './heldFiles';
import { holdBack, snapshot } from './heldRows';
import { replayNight } from './replay';
import { ecommerceYesterday } from '../dags/ecommerce';

const ENGAGEMENT_ROWS = [
  { table: 'investor.agg_engagement', where: `session_date = CAST(:rd AS DATE)` },
  { table: 'investor_ops.refresh_log', where: `pipeline = 'engagement-aggregate' AND grain = 'daily' AND period_start = CAST(:rd AS DATE)` },
];
/** Two of the five Kafka partitions (users are partitioned by id): 40 % of the day's users. */
const STUCK_PARTITIONS = `user_id % 5 IN (0, 1)`;

const stuckConsumer: Scenario = {
  id: 'investor_stuck_consumer',
  title: 'Stuck Kafka consumer (DAU drop)',
  summary:
    "Two of the five event partitions stopped being consumed during the report date: their users' sessions and events never reached the warehouse. Last night's engagement run succeeded on what had arrived, and every reconciliation agrees with it — DAU is simply 40 % short. When the consumer catches up (the Catch up action), re-run the day.",
  runbook: '/investor/engagement-aggregate#dau-deviation',
  actions: [{ id: 'catch_up', label: 'The consumer catches up' }],
  async activate(ctx, bd) {
    const rd = addDays(bd, -1);
    await snapshot(ctx.warehouse, this.id, ENGAGEMENT_ROWS).take({ rd });
    await holdBack(ctx.warehouse, 'investor.fact_events', 'held_inv_stuck_events', `event_date = CAST(:rd AS DATE) AND ${STUCK_PARTITIONS}`).hold({ rd });
    await holdBack(ctx.warehouse, 'investor.fact_sessions', 'held_inv_stuck_sessions', `session_date = CAST(:rd AS DATE) AND ${STUCK_PARTITIONS}`).hold({ rd });
    const dagRun = await replayNight(ctx, 'investor_engagement_aggregate', bd);
    return { note: `Run ${dagRun.runId} of investor_engagement_aggregate is replaying report date ${rd} without two partitions' users.`, dagRun };
  },
  async act(action, ctx) {
    if (action !== 'catch_up') throw new Error(`Unknown action ${action}.`);
    const events = await holdBack(ctx.warehouse, 'investor.fact_events', 'held_inv_stuck_events', 'true').deliver();
    const sessions = await holdBack(ctx.warehouse, 'investor.fact_sessions', 'held_inv_stuck_sessions', 'true').deliver();
    return `The consumer caught up: ${events} events and ${sessions} sessions reached the warehouse. Re-run the report date.`;
  },
  async deactivate(ctx, bd) {
    await holdBack(ctx.warehouse, 'investor.fact_events', 'held_inv_stuck_events', 'true').deliver();
    await holdBack(ctx.warehouse, 'investor.fact_sessions', 'held_inv_stuck_sessions', 'true').deliver();
    await snapshot(ctx.warehouse, this.id, ENGAGEMENT_ROWS).restore({ rd: addDays(bd, -1) });
  },
};

const RETAIL_BATCH = [
  { table: 'retail_bronze.orders', where: `_batch_date = CAST(:bd AS DATE)` },
  { table: 'retail_bronze.ingestion_log', where: `batch_date = CAST(:bd AS DATE)` },
];
/** The pages the orders API skipped: two orders in five. */
const SKIPPED_PAGES = `_batch_date = CAST(:bd AS DATE) AND order_id % 5 IN (0, 1)`;

const shortOrdersPage: Scenario = {
  id: 'retail_short_orders',
  title: 'Orders API skipped pages (orders 40 % short)',
  summary:
    "The orders API answered tonight's ingest_orders with a short result — a paging bug skipped two pages in five — and the task succeeded. Bronze holds exactly what the API returned, the ingestion log agrees, and the batch is 40 % short. When the vendor fixes the paging (the Fix paging action), re-run the batch's ingestion.",
  runbook: '/retail/monitoring-and-alerts#ingestion-landed',
  actions: [{ id: 'fix_paging', label: 'The vendor fixes the paging' }],
  async activate(ctx, bd) {
    await snapshot(ctx.warehouse, this.id, RETAIL_BATCH).take({ bd });
    await holdBack(ctx.warehouse, 'retail_source.orders', 'held_retail_skipped_orders', SKIPPED_PAGES).hold({ bd });
    const dagRun = await replayNight(ctx, 'data_ingestion_bronze', bd);
    return { note: `Run ${dagRun.runId} of data_ingestion_bronze is replaying batch ${bd}; the orders API skips two pages in five.`, dagRun };
  },
  async act(action, ctx) {
    if (action !== 'fix_paging') throw new Error(`Unknown action ${action}.`);
    const n = await holdBack(ctx.warehouse, 'retail_source.orders', 'held_retail_skipped_orders', 'true').deliver();
    return `The API serves every page again (${n} orders were skipped). Re-run the batch's ingestion.`;
  },
  async deactivate(ctx, bd) {
    await holdBack(ctx.warehouse, 'retail_source.orders', 'held_retail_skipped_orders', 'true').deliver();
    await snapshot(ctx.warehouse, this.id, RETAIL_BATCH).restore({ bd });
  },
};

/** The ecommerce day's rows in every layer; its extract files in S3 are kept aside too (heldFiles). */
const ECOMM_DAY = [
  ...['orders', 'order_items', 'customers', 'products'].map((t) => ({ table: `ecomm_bronze.${t}_raw`, where: `_execution_date = CAST(:x AS DATE)` })),
  ...['silver.dim_customer', 'silver.dim_product', 'silver.dim_orders', 'silver.fact_orders', 'gold.sales_analytics', 'gold.agg_daily_sales'].map((t) => ({ table: `ecomm_${t}`, where: 'true' })),
];
/** The data day in UTC (the ICT day runs 17:00 to 17:00 UTC), and two orders in five of it. */
const ICT_DAY = `updated_at >= CAST(CAST(:x AS DATE) AS TIMESTAMP) - INTERVAL 7 HOUR AND updated_at < CAST(CAST(:x AS DATE) + 1 AS TIMESTAMP) - INTERVAL 7 HOUR`;
const LOST_ORDERS = `order_id % 5 IN (0, 1) AND ${ICT_DAY}`;

const replicaLostOrders: Scenario = {
  id: 'ecomm_replica_short_day',
  title: 'Replica missing part of the day (orders 40 % short)',
  summary:
    "The read replica the extract reads from had lost two orders in five of yesterday (a failed re-sync): the night's run extracted, loaded and built exactly what the replica had. Every layer agrees with the one before it; the day is 40 % short. When the replica is re-synced (the Re-sync action), run the DAG for the day again.",
  runbook: '/ecommerce/daily-run#orders-vs-average',
  actions: [{ id: 'resync', label: 'The replica is re-synced' }],
  async activate(ctx) {
    const x = ecommerceYesterday();
    await heldFiles(ctx, this.id).take(x);
    await snapshot(ctx.warehouse, this.id, ECOMM_DAY).take({ x });
    await holdBack(ctx.warehouse, 'ecomm_src.order_items', 'held_ecomm_lost_items', LOST_ORDERS).hold({ x });
    await holdBack(ctx.warehouse, 'ecomm_src.orders', 'held_ecomm_lost_orders', LOST_ORDERS).hold({ x });
    const dagRun = await replayNight(ctx, 'batch_ecomm_pipeline', x);
    return { note: `Run ${dagRun.runId} of batch_ecomm_pipeline is replaying data day ${x} from a replica missing two orders in five.`, dagRun };
  },
  async act(action, ctx) {
    if (action !== 'resync') throw new Error(`Unknown action ${action}.`);
    const orders = await holdBack(ctx.warehouse, 'ecomm_src.orders', 'held_ecomm_lost_orders', 'true').deliver();
    await holdBack(ctx.warehouse, 'ecomm_src.order_items', 'held_ecomm_lost_items', 'true').deliver();
    return `The replica is re-synced: ${orders} orders are back. Run the DAG for the data day again.`;
  },
  async deactivate(ctx) {
    await holdBack(ctx.warehouse, 'ecomm_src.orders', 'held_ecomm_lost_orders', 'true').deliver();
    await holdBack(ctx.warehouse, 'ecomm_src.order_items', 'held_ecomm_lost_items', 'true').deliver();
    await snapshot(ctx.warehouse, this.id, ECOMM_DAY).restore({ x: ecommerceYesterday() });
    await heldFiles(ctx, this.id).restore(ecommerceYesterday());
  },
};

export const baselineScenarios: readonly Scenario[] = [stuckConsumer, shortOrdersPage, replicaLostOrders];
