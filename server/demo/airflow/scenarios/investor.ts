/**
 * Investor training scenarios: the failure modes the Profit, Growth and Engagement runbooks document, injected in
 * the sources and the DAGs for yesterday's report date (the night's run replays and meets them). Deactivating puts
 * the report date's healthy rows back exactly (a snapshot taken before the fault); ./reportDate.ts is that shape.
 */
import type { Scenario } from './types';
import { warehouseTime } from '../warehouse';
import { holdBack } from './heldRows';
import { reportDateScenario } from './reportDate';
import { aggregateProfitDay } from '../dags/investorProfit';

const PROFIT_ROWS = [
  { table: 'investor.fact_orders', where: `order_date = CAST(:rd AS DATE) OR refund_date = CAST(:rd AS DATE)` },
  { table: 'investor.fact_costs', where: `cost_date = CAST(:rd AS DATE) OR return_cost_date = CAST(:rd AS DATE)` },
  { table: 'investor.agg_profit_daily', where: `order_date = CAST(:rd AS DATE)` },
  { table: 'investor_ops.refresh_log', where: `pipeline = 'profit-aggregate' AND grain = 'daily' AND period_start = CAST(:rd AS DATE)` },
];
const GROWTH_ROWS = [
  { table: 'investor.fact_growth', where: `event_date = CAST(:rd AS DATE)` },
  { table: 'investor.agg_growth', where: `date = CAST(:rd AS DATE)` },
  { table: 'investor_ops.refresh_log', where: `pipeline = 'growth-aggregate' AND grain = 'daily' AND period_start = CAST(:rd AS DATE)` },
];
const ENGAGEMENT_ROWS = [
  { table: 'investor.fact_events', where: `event_date = CAST(:rd AS DATE)` },
  { table: 'investor.agg_engagement', where: `session_date = CAST(:rd AS DATE)` },
  { table: 'investor_ops.refresh_log', where: `pipeline = 'engagement-aggregate' AND grain = 'daily' AND period_start = CAST(:rd AS DATE)` },
];

type W = Parameters<typeof holdBack>[0];
const NA_ORDERS = (w: W) => holdBack(w, 'investor_src.orders', 'held_inv_orders', `CAST(order_ts AS DATE) = CAST(:rd AS DATE) AND region = 'NA'`);

const missingTransactions = reportDateScenario({
  id: 'investor_missing_transactions',
  title: 'Missing transactions (replication lag)',
  summary:
    "The transactions DB replica was behind when last night's profit run extracted: North America's orders of the report date are missing, so profit is under-reported. When the replica catches up (the Catch up action), re-run the day from the sources.",
  runbook: '/investor/profit-aggregate#case-2-missing-data',
  actions: [{ id: 'catch_up', label: 'The replica catches up' }],
  rows: PROFIT_ROWS,
  dagId: 'investor_profit_aggregate',
  async inject(ctx, rd) {
    await NA_ORDERS(ctx.warehouse).hold({ rd });
    return " without North America's orders.";
  },
  async act(_action, ctx) {
    const n = await NA_ORDERS(ctx.warehouse).deliver();
    return `The replica caught up: ${n} orders reached the transactions DB. Re-run the report date from the sources.`;
  },
  async undo(ctx) {
    await NA_ORDERS(ctx.warehouse).deliver();
  },
});

const EU_COSTS = (w: W) => holdBack(w, 'investor_src.cost_feed', 'held_inv_cost_feed', `cost_date = CAST(:rd AS DATE) AND region = 'EU'`);

const missingCosts = reportDateScenario({
  id: 'investor_missing_costs',
  title: 'Missing cost data for a region',
  summary:
    "The cost pipeline has not delivered Europe's costs for the report date: last night's profit run built Europe without costs and its tests failed. When the feed arrives (the Deliver action), re-run the day from the sources.",
  runbook: '/investor/profit-aggregate#sources-arrived',
  actions: [{ id: 'deliver', label: "Deliver Europe's cost feed" }],
  rows: PROFIT_ROWS,
  dagId: 'investor_profit_aggregate',
  async inject(ctx, rd) {
    await EU_COSTS(ctx.warehouse).hold({ rd });
    return " without Europe's costs; dbt_test_profit will fail.";
  },
  async act(_action, ctx) {
    const n = await EU_COSTS(ctx.warehouse).deliver();
    return `Europe's cost feed arrived (${n} rows). Re-run the report date from the sources.`;
  },
  async undo(ctx) {
    await EU_COSTS(ctx.warehouse).deliver();
  },
});

const marketingApiFailure = reportDateScenario({
  id: 'investor_marketing_api_failure',
  title: 'Marketing API failure',
  summary:
    "Google Ads answered last night's attribution pull with HTTP 429 on both tries: the growth run failed at pull_marketing_api and the report date has no growth figures. The quota has reset: retry the pull and what follows it.",
  runbook: '/investor/growth-aggregate#case1-api',
  // The growth rows and the pull's per-batch attempts (the failing tries record the refused batch).
  rows: [...GROWTH_ROWS, { table: 'investor_ops.marketing_api_pulls', where: `report_date = CAST(:rd AS DATE)` }],
  dagId: 'investor_growth_aggregate',
  async inject(ctx, rd) {
    // The night's run is the report date's only build: until it succeeds, the date has no growth rows.
    for (const p of GROWTH_ROWS) await ctx.warehouse.query(`DELETE FROM ${p.table} WHERE ${p.where}`, { rd });
    ctx.faults.set('investor_growth_aggregate', 'pull_marketing_api', {
      exception: 'HTTPError', message: 'Google Ads API: 429 Too Many Requests (rate limit exceeded: retry after 600 s) on batch 2 of 3.', untilCleared: false, tries: 2,
    });
    return '; pull_marketing_api will fail twice.';
  },
  async undo(ctx) {
    ctx.faults.remove('investor_growth_aggregate', 'pull_marketing_api');
  },
});

const duplicateEvents = reportDateScenario({
  id: 'investor_duplicate_events',
  title: 'Duplicate events',
  summary:
    "The event loader re-read a Kafka partition after a rebalance: a sixth of the report date's events landed twice, and last night's engagement run failed its tests. Find the duplicates, remove them, and re-run the day.",
  runbook: '/investor/engagement-aggregate#case-2-duplicate-events',
  rows: ENGAGEMENT_ROWS,
  dagId: 'investor_engagement_aggregate',
  async inject(ctx, rd) {
    await ctx.warehouse.query(
      `INSERT INTO investor.fact_events
       SELECT event_id + 100000000, session_id, user_id, event_time, event_date, event_type, raw_event_name, sdk_version, platform, device_id, _loaded_at
       FROM investor.fact_events WHERE event_date = CAST(:rd AS DATE) AND session_id % 6 = 0`,
      { rd },
    );
    return '; dbt_test_engagement will fail on duplicates.';
  },
});

const REPEATED_USERS = '(8101, 8202, 8303, 8404, 8505, 8606)';

const duplicateUsers = reportDateScenario({
  id: 'investor_duplicate_users',
  title: 'Duplicate users',
  summary:
    "A sign-up bug re-created six existing accounts yesterday: the users table holds their ids twice and last night's growth run counted them as new, so its tests failed. Find the duplicates, remove the repeated sign-ups from the facts (escalation) and re-aggregate the day.",
  runbook: '/investor/growth-aggregate#case2-duplicates',
  rows: GROWTH_ROWS,
  dagId: 'investor_growth_aggregate',
  async inject(ctx, rd) {
    await ctx.warehouse.query(
      `INSERT INTO investor_src.users
       SELECT user_id, CAST(:rd AS DATE), CAST(:rd AS DATE) + (signup_ts - CAST(first_seen_date AS TIMESTAMP)), signup_channel, region, platform
       FROM investor_src.users WHERE user_id IN ${REPEATED_USERS}`,
      { rd },
    );
    return ' with six users signed up twice; dbt_test_growth will fail.';
  },
  async undo(ctx, rd) {
    await ctx.warehouse.query(`DELETE FROM investor_src.users WHERE user_id IN ${REPEATED_USERS} AND first_seen_date = CAST(:rd AS DATE)`, { rd });
  },
});

const CHURN = (w: W) => holdBack(w, 'investor_src.churn_log', 'held_inv_churn', `churn_date = CAST(:rd AS DATE)`);

const lateChurn = reportDateScenario({
  id: 'investor_late_churn',
  title: 'Late churn logs',
  summary:
    "The churn logs for the report date had not landed when last night's growth run started: extract_churn failed and the day has no growth figures. When the logs land (the Deliver action), reload the churn and rebuild the day.",
  runbook: '/investor/growth-aggregate#case3-churn-lag',
  actions: [{ id: 'deliver', label: 'The churn logs land' }],
  rows: [...GROWTH_ROWS, { table: 'investor_ops.source_ingestion', where: `source_name = 'churn_logs' AND report_date = CAST(:rd AS DATE)` }],
  dagId: 'investor_growth_aggregate',
  async inject(ctx, rd) {
    for (const p of GROWTH_ROWS) await ctx.warehouse.query(`DELETE FROM ${p.table} WHERE ${p.where}`, { rd });
    await CHURN(ctx.warehouse).hold({ rd });
    await ctx.warehouse.query(`UPDATE investor_ops.source_ingestion SET landed_at = NULL, row_count = 0 WHERE source_name = 'churn_logs' AND report_date = CAST(:rd AS DATE)`, { rd });
    return '; extract_churn will fail: the logs have not landed.';
  },
  async act(_action, ctx, rd) {
    const n = await CHURN(ctx.warehouse).deliver();
    await ctx.warehouse.query(
      `UPDATE investor_ops.source_ingestion SET landed_at = CAST(:now AS TIMESTAMP), row_count = :n WHERE source_name = 'churn_logs' AND report_date = CAST(:rd AS DATE)`,
      { rd, n, now: warehouseTime() },
    );
    return `The churn logs for ${rd} landed (${n} rows), late. Reload the churn and rebuild the day.`;
  },
  async undo(ctx) {
    await CHURN(ctx.warehouse).deliver();
  },
});

const lateRefunds = reportDateScenario({
  id: 'investor_late_refunds',
  title: 'Late refunds',
  summary:
    "The refunds of the report date were posted to the transactions DB two hours after last night's profit run had read it: the run succeeded, but the day's revenue carries none of them and profit is overstated. The refunds are there now: re-run the day from the sources.",
  runbook: '/investor/profit-aggregate#case-2-missing-data',
  rows: [...PROFIT_ROWS, { table: 'investor_ops.source_ingestion', where: `source_name = 'transactions_db.refunds' AND report_date = CAST(:rd AS DATE)` }],
  dagId: null,
  async inject(ctx, rd) {
    // The night as it ran: the facts and the aggregate without the day's refunds (they were posted after the run
    // read the source), and the refunds' arrival recorded after the run started.
    await ctx.warehouse.query(`UPDATE investor.fact_orders SET refunded_amount = 0, refund_date = NULL WHERE refund_date = CAST(:rd AS DATE)`, { rd });
    await ctx.warehouse.query(
      `UPDATE investor.fact_costs SET total_cost = total_cost - return_cost, return_cost = 0, return_cost_date = NULL WHERE return_cost_date = CAST(:rd AS DATE)`,
      { rd },
    );
    const [run] = await ctx.warehouse.query(`SELECT run_id FROM investor.agg_profit_daily WHERE order_date = CAST(:rd AS DATE) LIMIT 1`, { rd });
    await aggregateProfitDay({ sql: (text, binds) => ctx.warehouse.query(text, binds), now: () => warehouseTime(), runId: String(run?.run_id ?? 'scheduled') }, rd);
    await ctx.warehouse.query(
      `UPDATE investor_ops.source_ingestion SET landed_at = expected_by + INTERVAL 2 HOUR WHERE source_name = 'transactions_db.refunds' AND report_date = CAST(:rd AS DATE)`,
      { rd },
    );
    return "the profit aggregate was built before the day's refunds were posted; they are in the transactions DB now.";
  },
});

const SESSION_ROWS = [...ENGAGEMENT_ROWS, { table: 'investor.fact_sessions', where: `session_date = CAST(:rd AS DATE)` }];

const botTraffic = reportDateScenario({
  id: 'investor_bot_traffic',
  title: 'Bot traffic',
  summary:
    "Three scripted devices opened 60 sessions each on the report date, every one under a fresh anonymous account: last night's engagement run counted them, and DAU is up by half. Find the devices, have them excluded (escalation to the analytics lead) and re-aggregate the day.",
  runbook: '/investor/engagement-aggregate#case3-bots',
  rows: SESSION_ROWS,
  dagId: 'investor_engagement_aggregate',
  async inject(ctx, rd) {
    await ctx.warehouse.query(
      `INSERT INTO investor.fact_sessions
       SELECT 90000000 + n, 9900000 + n, CAST(:rd AS DATE), CAST(:rd AS DATE) + to_seconds(3600 + n * 317), CAST(:rd AS DATE) + to_seconds(3600 + n * 317 + 45),
              'web', 'dev-bot-' || CAST(n % 3 AS VARCHAR), 'web-2.3', 0, CAST(:rd AS DATE) + to_seconds(3600 + n * 317 + 60)
       FROM range(0, 180) t(n)`,
      { rd },
    );
    return ' with 180 bot sessions from three devices.';
  },
});

const sdkSchemaChange = reportDateScenario({
  id: 'investor_sdk_schema_change',
  title: 'Schema change: an SDK release renamed an event',
  summary:
    "SDK 5.3 went out yesterday and sends add_to_cart as cart_add: the mapping does not know the new name, so the report date's cart events have no event type. Find the unmapped name, have the mapping extended (escalation), and reprocess the day.",
  runbook: '/investor/engagement-aggregate#schema-drift',
  rows: [...ENGAGEMENT_ROWS, { table: 'investor_ops.event_schema_map', where: 'true' }],
  dagId: 'investor_engagement_aggregate',
  async inject(ctx, rd) {
    await ctx.warehouse.query(
      `UPDATE investor.fact_events SET raw_event_name = 'cart_add', sdk_version = '5.3.0', event_type = NULL
       WHERE event_date = CAST(:rd AS DATE) AND raw_event_name = 'add_to_cart' AND sdk_version LIKE '5.%'`,
      { rd },
    );
    return '; the cart events of SDK 5.3 stay unmapped.';
  },
});

/** Sessions (and their events) from 18:00 of the report date on: still in Kafka while the consumer is stuck. */
const STUCK_FROM = `CAST(:rd AS DATE) + INTERVAL 18 HOUR`;
const LAG_SESSIONS = (w: W) => holdBack(w, 'investor.fact_sessions', 'held_inv_lag_sessions', `session_date = CAST(:rd AS DATE) AND session_start >= ${STUCK_FROM}`);
const LAG_EVENTS = (w: W) =>
  holdBack(w, 'investor.fact_events', 'held_inv_lag_events', `event_date = CAST(:rd AS DATE) AND session_id IN (SELECT session_id FROM investor.fact_sessions WHERE session_date = CAST(:rd AS DATE) AND session_start >= ${STUCK_FROM})`);
/** A consumer-lag measurement after the latest one, for every partition: stuck (lag grows) or caught up. */
const measureLag = (stuck: boolean) =>
  `INSERT INTO investor_ops.kafka_consumer_lag
   SELECT consumer_group, topic, partition, measured_at + INTERVAL ${stuck ? 5 : 10} MINUTE,
          end_offset + ${stuck ? 250000 : 1000}, ${stuck ? 'committed_offset' : 'end_offset + 1000 - 300'}, ${stuck ? 'lag + 250000' : '300'}
   FROM investor_ops.kafka_consumer_lag WHERE consumer_group = 'engagement-loader'
   QUALIFY row_number() OVER (PARTITION BY topic, partition ORDER BY measured_at DESC) = 1`;

const ingestionLag = reportDateScenario({
  id: 'investor_ingestion_lag',
  title: 'Ingestion lag (Kafka consumer stuck)',
  summary:
    "The engagement loader's Kafka consumer stopped committing at 18:00 on the report date: the evening's events are still in Kafka, and last night's engagement run counted a short day, so DAU dropped. Restart the consumer (the Restart action, the platform's tooling), then reload the day.",
  runbook: '/investor/engagement-aggregate#case1-lag',
  actions: [{ id: 'restart_consumer', label: 'Restart the engagement-loader consumer' }],
  rows: [
    ...SESSION_ROWS,
    { table: 'investor.fact_events', where: `event_date = CAST(:rd AS DATE)` },
    { table: 'investor_ops.event_ingestion', where: `event_date = CAST(:rd AS DATE)` },
    { table: 'investor_ops.kafka_consumer_lag', where: 'true' },
  ],
  dagId: 'investor_engagement_aggregate',
  async inject(ctx, rd) {
    await LAG_EVENTS(ctx.warehouse).hold({ rd });
    await LAG_SESSIONS(ctx.warehouse).hold({ rd });
    await ctx.warehouse.query(
      `UPDATE investor_ops.event_ingestion SET events_loaded = 0, loaded_at = NULL WHERE event_date = CAST(:rd AS DATE) AND hour_start >= ${STUCK_FROM}`,
      { rd },
    );
    await ctx.warehouse.query(measureLag(true));
    return ' without the events after 18:00.';
  },
  async act(_action, ctx, rd) {
    const sessions = await LAG_SESSIONS(ctx.warehouse).deliver();
    const events = await LAG_EVENTS(ctx.warehouse).deliver();
    await ctx.warehouse.query(
      `UPDATE investor_ops.event_ingestion SET events_loaded = events_received, loaded_at = CAST(:now AS TIMESTAMP) WHERE event_date = CAST(:rd AS DATE) AND loaded_at IS NULL`,
      { rd, now: warehouseTime() },
    );
    await ctx.warehouse.query(measureLag(false));
    return `The consumer restarted from its committed offsets and caught up: ${sessions} sessions and ${events} events of ${rd} landed. Reload the day.`;
  },
  async undo(ctx) {
    await LAG_EVENTS(ctx.warehouse).deliver();
    await LAG_SESSIONS(ctx.warehouse).deliver();
  },
});

export const investorScenarios: readonly Scenario[] = [missingTransactions, missingCosts, marketingApiFailure, duplicateUsers, lateChurn, duplicateEvents, lateRefunds, botTraffic, sdkSchemaChange, ingestionLag];
