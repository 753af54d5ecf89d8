/**
 * Faults only a baseline check catches (issue 11): every layer agrees with the one before it, every test
 * passes, and the day is still wrong — smaller than the days before it. Row-by-row reconciliations cannot
 * see a source that delivered less; comparing the day with its history can.
 */
import type { Scenario } from './types';
import { addDays } from '../warehouse';
import { holdBack, snapshot } from './heldRows';
import { replayNight } from './replay';

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

export const baselineScenarios: readonly Scenario[] = [stuckConsumer];
