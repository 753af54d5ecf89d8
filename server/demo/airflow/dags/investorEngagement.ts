/**
 * The Engagement DAG's steps before the aggregate, as its runbook describes them: the day's raw events are
 * loaded (the demo keeps them as loaded, with their hourly arrivals), the session facts are rebuilt from the
 * events, and the event facts are re-mapped from raw event names to event types through
 * investor_ops.event_schema_map. So closing a broken mapping version and reprocessing the day really changes
 * the event types, and a rerun rewrites the facts the aggregate reads.
 */
import type { TaskContext } from '../model';
import { reportDate } from './investorProfit';

export async function loadRawEvents(ctx: TaskContext): Promise<void> {
  const rd = reportDate(ctx);
  ctx.log(`Loading the raw events of ${rd} from S3 (topic app-events, consumer group engagement-loader)`);
  await ctx.failIfFaulted();
  const [r] = await ctx.sql(
    `SELECT count(*) AS hours, coalesce(sum(events_received), 0) AS received, coalesce(sum(events_loaded), 0) AS loaded
     FROM investor_ops.event_ingestion WHERE event_date = CAST(:rd AS DATE)`,
    { rd },
  );
  ctx.log(`${String(r?.loaded ?? 0)} of ${String(r?.received ?? 0)} events received over ${String(r?.hours ?? 0)} hours are in the warehouse`);
}

export async function buildFactSessions(ctx: TaskContext): Promise<void> {
  const rd = reportDate(ctx);
  ctx.log(`Rebuilding the sessions of ${rd}: each session's event count from its events`);
  await ctx.failIfFaulted();
  // An event delivered twice is one event of the session: counted once (the duplicate test reports the copies).
  await ctx.sql(
    `UPDATE investor.fact_sessions s SET event_count = c.events, _loaded_at = CAST(:now AS TIMESTAMP)
     FROM (SELECT session_id, CAST(count(DISTINCT (raw_event_name, event_time)) AS INTEGER) AS events
           FROM investor.fact_events WHERE event_date = CAST(:rd AS DATE) GROUP BY session_id) c
     WHERE s.session_id = c.session_id AND s.session_date = CAST(:rd AS DATE)`,
    { rd, now: ctx.now() },
  );
  await ctx.sql(`SELECT count(*) AS sessions, count(DISTINCT user_id) AS users FROM investor.fact_sessions WHERE session_date = CAST(:rd AS DATE)`, { rd });
}

export async function buildFactEvents(ctx: TaskContext): Promise<void> {
  const rd = reportDate(ctx);
  ctx.log(`Mapping the raw event names of ${rd} to event types with the mappings active on that date (investor_ops.event_schema_map)`);
  await ctx.failIfFaulted();
  const active = `SELECT raw_event_name, event_type FROM investor_ops.event_schema_map
                  WHERE valid_from <= CAST(:rd AS DATE) AND (valid_to IS NULL OR valid_to >= CAST(:rd AS DATE))
                  QUALIFY row_number() OVER (PARTITION BY raw_event_name ORDER BY mapping_version DESC) = 1`;
  await ctx.sql(
    `UPDATE investor.fact_events e SET event_type = m.event_type, _loaded_at = CAST(:now AS TIMESTAMP)
     FROM (${active}) m WHERE e.event_date = CAST(:rd AS DATE) AND e.raw_event_name = m.raw_event_name`,
    { rd, now: ctx.now() },
  );
  // A name no active mapping knows has no event type: the fields that read it break, as the runbook says.
  const unmapped = await ctx.sql(
    `SELECT raw_event_name, count(*) AS events FROM investor.fact_events
     WHERE event_date = CAST(:rd AS DATE) AND raw_event_name NOT IN (SELECT raw_event_name FROM (${active}))
     GROUP BY ALL ORDER BY 1`,
    { rd },
  );
  for (const u of unmapped) ctx.log(`Raw event name ${String(u.raw_event_name)} has no active mapping: ${String(u.events)} events without an event type`, 'WARNING');
  if (unmapped.length) {
    await ctx.sql(
      `UPDATE investor.fact_events SET event_type = NULL, _loaded_at = CAST(:now AS TIMESTAMP)
       WHERE event_date = CAST(:rd AS DATE) AND raw_event_name NOT IN (SELECT raw_event_name FROM (${active}))`,
      { rd, now: ctx.now() },
    );
  }
}
