/**
 * Ecommerce faults on the source side and in silver's standardization, the ones the daily-run runbook checks
 * first when a day looks wrong: a read replica that stopped replicating (the source is stale, the day has no
 * orders), and a silver update that wrote order timestamps in ICT instead of UTC. Deactivating puts the data
 * day's healthy rows back exactly.
 */
import { ecommerceYesterday } from '../dags/ecommerce';
import { heldFiles } from './heldFiles';
import { holdBack, snapshot } from './heldRows';
import { replayNight } from './replay';
import type { Scenario, ScenarioContext } from './types';

/** The day's rows in every layer; its extract files in S3 are kept aside too (heldFiles). */
const DAY_ROWS = [
  ...['orders', 'order_items', 'customers', 'products'].map((t) => ({ table: `ecomm_bronze.${t}_raw`, where: `_execution_date = CAST(:x AS DATE)` })),
  ...['silver.dim_customer', 'silver.dim_product', 'silver.dim_orders', 'silver.fact_orders', 'gold.sales_analytics', 'gold.agg_daily_sales'].map((t) => ({
    table: `ecomm_${t}`, where: 'true',
  })),
];

/** Everything written to the source from the start of the data day (00:00 ICT = 17:00 UTC the day before) on. */
const SINCE_DAY = `updated_at >= CAST(CAST(:x AS DATE) AS TIMESTAMP) - INTERVAL 7 HOUR`;
const STALE = (ctx: ScenarioContext) => ({
  orders: holdBack(ctx.warehouse, 'ecomm_src.orders', 'held_ecomm_stale_orders', SINCE_DAY),
  items: holdBack(ctx.warehouse, 'ecomm_src.order_items', 'held_ecomm_stale_items', SINCE_DAY),
});

const staleReplica: Scenario = {
  id: 'ecomm_stale_replica',
  title: 'Stale source (replica stopped replicating)',
  summary:
    "The read replica the extract reads stopped applying changes at midnight ICT: last night's run succeeded on a source that has nothing of yesterday, so the extract, bronze, silver and gold have no orders for the day. When the DBA has the replica caught up (the Catch up action), run the DAG for the day again.",
  runbook: '/ecommerce/daily-run#extract-source-checks',
  actions: [{ id: 'catch_up', label: 'The DBA has the replica caught up' }],
  async activate(ctx) {
    const x = ecommerceYesterday();
    await heldFiles(ctx, this.id).take(x);
    await snapshot(ctx.warehouse, this.id, DAY_ROWS).take({ x });
    const held = STALE(ctx);
    await held.items.hold({ x });
    await held.orders.hold({ x });
    const dagRun = await replayNight(ctx, 'batch_ecomm_pipeline', x);
    return { note: `Run ${dagRun.runId} of batch_ecomm_pipeline is replaying data day ${x} from a replica that stopped at 00:00 ICT.`, dagRun };
  },
  async act(action, ctx) {
    if (action !== 'catch_up') throw new Error(`Unknown action ${action}.`);
    const held = STALE(ctx);
    const orders = await held.orders.deliver();
    const items = await held.items.deliver();
    return `The replica caught up: ${orders} orders and ${items} order lines are back. Run the DAG for the data day again.`;
  },
  async deactivate(ctx) {
    const held = STALE(ctx);
    await held.orders.deliver();
    await held.items.deliver();
    await snapshot(ctx.warehouse, this.id, DAY_ROWS).restore({ x: ecommerceYesterday() });
    await heldFiles(ctx, this.id).restore(ecommerceYesterday());
  },
};

const SILVER_ROWS = DAY_ROWS.filter((p) => p.table.startsWith('ecomm_silver.') || p.table.startsWith('ecomm_gold.'));

const silverNotUtc: Scenario = {
  id: 'ecomm_silver_not_utc',
  title: 'Silver timestamps not in UTC',
  summary:
    "A cluster policy change dropped the DLT pipeline's session time zone setting: last night's silver update kept the data day's order timestamps in ICT (seven hours ahead) instead of converting them to UTC, so hourly reports shift. The setting is back: re-run the DAG for the day so silver is standardized again.",
  runbook: '/ecommerce/daily-run#silver-checks',
  async activate(ctx) {
    const x = ecommerceYesterday();
    await snapshot(ctx.warehouse, this.id, SILVER_ROWS).take({ x });
    // What the update wrote without the conversion: the file's local times, taken as UTC.
    for (const t of ['ecomm_silver.dim_orders', 'ecomm_silver.fact_orders']) {
      await ctx.warehouse.query(`UPDATE ${t} SET order_ts = order_ts + INTERVAL 7 HOUR WHERE order_date = CAST(:x AS DATE)`, { x });
    }
    await ctx.warehouse.query(`UPDATE ecomm_silver.dim_orders SET updated_at = updated_at + INTERVAL 7 HOUR WHERE order_date = CAST(:x AS DATE)`, { x });
    return { note: `Silver's orders of ${x} carry ICT timestamps labelled as UTC (seven hours ahead).`, dagRun: null };
  },
  async deactivate(ctx) {
    await snapshot(ctx.warehouse, this.id, SILVER_ROWS).restore({ x: ecommerceYesterday() });
  },
};

export const ecommerceSourceScenarios: readonly Scenario[] = [staleReplica, silverNotUtc];
