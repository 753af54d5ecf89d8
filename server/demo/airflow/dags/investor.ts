/**
 * The investor DAGs (Profit, Growth, Engagement) as SQL steps on the demo warehouse. Each run rebuilds its report
 * date from the sources in `investor_src` (Engagement from the loaded sessions and events), so the runbooks'
 * reruns, clears and backfills repair what a fault broke. Task ids are the ones ops.job_runs records.
 */
import { TaskFailure, type DagDef, type TaskContext } from '../model';
import { chain, dag, sqlTask } from './build';
import { profitTasks, recordRefresh, recordValidated, reportDate, requireLanded } from './investorProfit';
import { buildFactEvents, buildFactSessions, loadRawEvents } from './investorEngagement';
import { pullMarketingApi } from './investorMarketingPull';
import { monthlyCloseDag } from './investorClose';

const owners = ['investor-data-engineering'];

async function buildFactGrowth(ctx: TaskContext): Promise<void> {
  const rd = reportDate(ctx);
  await ctx.sql(`DELETE FROM investor.fact_growth WHERE event_date = CAST(:rd AS DATE)`, { rd });
  await ctx.sql(
    `INSERT INTO investor.fact_growth
     SELECT u.user_id, u.first_seen_date, 'new', u.signup_channel, u.region, a.campaign_code, CAST(:now AS TIMESTAMP)
     FROM investor_src.users u LEFT JOIN investor_src.marketing_attribution a USING (user_id) WHERE u.first_seen_date = CAST(:rd AS DATE)
     UNION ALL
     SELECT c.user_id, c.churn_date, 'churned', u.signup_channel, u.region, NULL, CAST(:now AS TIMESTAMP)
     FROM investor_src.churn_log c JOIN investor_src.users u USING (user_id) WHERE c.churn_date = CAST(:rd AS DATE)`,
    { rd, now: ctx.now() },
  );
}

async function aggregateGrowth(ctx: TaskContext): Promise<void> {
  const rd = reportDate(ctx);
  await ctx.sql(`DELETE FROM investor.agg_growth WHERE date = CAST(:rd AS DATE)`, { rd });
  await ctx.sql(
    `INSERT INTO investor.agg_growth
     WITH counts AS (
       SELECT channel, count(*) FILTER (WHERE event_type = 'new') AS n, count(*) FILTER (WHERE event_type = 'churned') AS c
       FROM investor.fact_growth WHERE event_date = CAST(:rd AS DATE) GROUP BY ALL
     )
     SELECT CAST(:rd AS DATE), ch.channel, CAST(coalesce(n, 0) AS INTEGER), CAST(coalesce(c, 0) AS INTEGER), CAST(coalesce(n, 0) - coalesce(c, 0) AS INTEGER),
            CAST(:now AS TIMESTAMP), :run
     FROM (VALUES ('organic'), ('paid_search'), ('paid_social'), ('referral'), ('affiliate'), ('email')) ch(channel) LEFT JOIN counts USING (channel)`,
    { rd, now: ctx.now(), run: ctx.runId },
  );
  await recordRefresh(ctx, 'growth-aggregate', 'investor.agg_growth', `SELECT count(*) FROM investor.agg_growth WHERE date = CAST(:rd AS DATE)`);
}

async function testGrowth(ctx: TaskContext): Promise<void> {
  const rd = reportDate(ctx);
  const [r] = await ctx.sql(
    `SELECT (SELECT count(*) FROM investor.fact_growth WHERE event_date = CAST(:rd AS DATE) AND event_type = 'new'
               AND channel IN ('paid_search', 'paid_social', 'affiliate') AND campaign_code IS NULL) AS unattributed,
            (SELECT count(*) FROM investor.fact_growth f WHERE f.event_date = CAST(:rd AS DATE) AND f.event_type = 'new'
               AND EXISTS (SELECT 1 FROM investor.fact_growth e WHERE e.user_id = f.user_id AND e.event_type = 'new' AND e.event_date < f.event_date)) AS duplicate_users`,
    { rd },
  );
  if (Number(r!.unattributed) > 0 || Number(r!.duplicate_users) > 0) {
    throw new TaskFailure('DbtTestFailure', `dbt test failed for ${rd}: ${String(r!.unattributed)} paid sign-ups without attribution, ${String(r!.duplicate_users)} new users already seen before.`);
  }
  await recordValidated(ctx, 'growth-aggregate', rd, `SELECT 'new_users' AS metric, sum(new_users) AS value FROM investor.agg_growth WHERE date = CAST(:rd AS DATE)
     UNION ALL SELECT 'churned_users', sum(churned_users) FROM investor.agg_growth WHERE date = CAST(:rd AS DATE)
     UNION ALL SELECT 'net_users', sum(net_users) FROM investor.agg_growth WHERE date = CAST(:rd AS DATE)`);
}

async function aggregateEngagement(ctx: TaskContext): Promise<void> {
  const rd = reportDate(ctx);
  await ctx.sql(`DELETE FROM investor.agg_engagement WHERE session_date = CAST(:rd AS DATE)`, { rd });
  await ctx.sql(
    `INSERT INTO investor.agg_engagement
     WITH ud AS (SELECT DISTINCT session_date, user_id FROM investor.fact_sessions WHERE session_date BETWEEN CAST(:rd AS DATE) - 31 AND CAST(:rd AS DATE))
     SELECT CAST(:rd AS DATE),
            CAST((SELECT count(*) FROM ud WHERE session_date = CAST(:rd AS DATE)) AS INTEGER),
            CAST((SELECT count(DISTINCT user_id) FROM ud WHERE session_date BETWEEN CAST(:rd AS DATE) - 6 AND CAST(:rd AS DATE)) AS INTEGER),
            CAST((SELECT count(DISTINCT user_id) FROM ud WHERE session_date BETWEEN date_trunc('month', CAST(:rd AS DATE)) AND CAST(:rd AS DATE)) AS INTEGER),
            CAST(count(*) AS INTEGER), CAST(round(avg(epoch(session_end) - epoch(session_start)) / 60.0, 2) AS DECIMAL(8, 2)),
            CAST((SELECT count(*) FROM investor.fact_events WHERE event_date = CAST(:rd AS DATE)) AS INTEGER),
            CAST(round((SELECT count(b.user_id) * 100.0 / count(*) FROM ud a LEFT JOIN ud b ON b.user_id = a.user_id AND b.session_date = a.session_date + 7
                         WHERE a.session_date = CAST(:rd AS DATE) - 7), 2) AS DECIMAL(6, 2)),
            CAST(:now AS TIMESTAMP), :run
     FROM investor.fact_sessions WHERE session_date = CAST(:rd AS DATE)`,
    { rd, now: ctx.now(), run: ctx.runId },
  );
  await recordRefresh(ctx, 'engagement-aggregate', 'investor.agg_engagement', `SELECT count(*) FROM investor.agg_engagement WHERE session_date = CAST(:rd AS DATE)`);
}

async function testEngagement(ctx: TaskContext): Promise<void> {
  const rd = reportDate(ctx);
  const [r] = await ctx.sql(
    `SELECT (SELECT count(*) - count(DISTINCT (user_id, session_id, event_type)) FROM investor.fact_events WHERE event_date = CAST(:rd AS DATE)) AS duplicate_events`,
    { rd },
  );
  if (Number(r!.duplicate_events) > 0) throw new TaskFailure('DbtTestFailure', `dbt test failed for ${rd}: ${String(r!.duplicate_events)} duplicate events on (user_id, session_id, event_type).`);
  await recordValidated(ctx, 'engagement-aggregate', rd, `SELECT 'dau' AS metric, sum(dau) AS value FROM investor.agg_engagement WHERE session_date = CAST(:rd AS DATE)
     UNION ALL SELECT 'sessions', sum(sessions) FROM investor.agg_engagement WHERE session_date = CAST(:rd AS DATE)`);
}

/** A step whose work the demo keeps as loaded data: it checks its fault and reports what is there. */
function countTask(taskId: string, typical: number, sql: string) {
  return sqlTask(taskId, typical, async (ctx) => {
    await ctx.failIfFaulted();
    await ctx.sql(sql, { rd: reportDate(ctx) });
  });
}

export const investorDags: readonly DagDef[] = [
  dag({
    dagId: 'investor_profit_aggregate', description: 'Profit – Aggregate: facts, unit profit and the daily profit per region for the report date.',
    schedule: '0 5 * * *', owners, tags: ['investor', 'profit'], tasks: profitTasks,
  }),
  dag({
    dagId: 'investor_growth_aggregate', description: 'Growth – Aggregate: sign-ups, churn and attribution into fact_growth and agg_growth for the report date.',
    schedule: '30 5 * * *', owners, tags: ['investor', 'growth'],
    tasks: [
      // The three sources are read in parallel; the facts wait for all of them, then aggregate and test in turn.
      sqlTask('extract_registrations', 200, (ctx) => requireLanded(ctx, 'users_db.users', 'The users extract')),
      sqlTask('extract_churn', 120, (ctx) => requireLanded(ctx, 'churn_logs', 'The churn logs')),
      sqlTask('pull_marketing_api', 420, pullMarketingApi),
      sqlTask('build_fact_growth', 300, async (ctx) => {
        await ctx.failIfFaulted();
        await buildFactGrowth(ctx);
      }, { upstream: ['extract_registrations', 'extract_churn', 'pull_marketing_api'] }),
      sqlTask('aggregate_growth', 180, async (ctx) => {
        await ctx.failIfFaulted();
        await aggregateGrowth(ctx);
      }),
      sqlTask('dbt_test_growth', 120, testGrowth),
    ].map((t, n, all) => (n > 3 ? { ...t, upstream: [all[n - 1]!.taskId] } : t)),
  }),
  dag({
    dagId: 'investor_engagement_aggregate', description: 'Engagement – Aggregate: DAU, WAU, MTD MAU and D7 retention for the report date from sessions and events.',
    schedule: '0 6 * * *', owners, tags: ['investor', 'engagement'],
    tasks: chain([
      countTask('check_kafka_ingestion', 60, `SELECT partition, lag FROM investor_ops.kafka_consumer_lag QUALIFY row_number() OVER (PARTITION BY partition ORDER BY measured_at DESC) = 1 ORDER BY 1`),
      sqlTask('load_raw_events', 900, loadRawEvents),
      sqlTask('build_fact_sessions', 600, buildFactSessions),
      sqlTask('build_fact_events', 700, buildFactEvents),
      sqlTask('aggregate_engagement', 400, async (ctx) => {
        await ctx.failIfFaulted();
        await aggregateEngagement(ctx);
      }),
      sqlTask('dbt_test_engagement', 180, testEngagement),
    ]),
  }),
  monthlyCloseDag,
];
