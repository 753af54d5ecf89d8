/**
 * The night's scheduled run of a DAG, replayed: on activation it meets the injected fault and fails the
 * way the night would have; on deactivation the same run goes again on the restored data and succeeds,
 * so the history, the control tables and every check read green again without a restart.
 */
import { addDays } from '../warehouse';
import type { DagRunRef, ScenarioContext } from './types';

export async function replayNight(ctx: ScenarioContext, dagId: string, bd: string): Promise<DagRunRef> {
  const def = await ctx.engine.dag(dagId);
  if (!def) throw new Error(`The sandbox has no DAG ${dagId}.`);
  const rows = await ctx.warehouse.query(`SELECT DISTINCT run_id FROM ops.job_runs WHERE dag_id = :dag AND business_date = CAST(:bd AS DATE) AND run_id LIKE 'scheduled__%'`, { dag: dagId, bd });
  const [m, h] = (def.schedule ?? '0 1').split(' ').map(Number);
  const runId = rows[0] ? String(rows[0].run_id) : `scheduled__${addDays(bd, -1)}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00+00:00`;
  const logical = `${runId.slice('scheduled__'.length, 'scheduled__'.length + 19)}Z`;
  // The replay is the night's run: its tries replace the ones recorded before.
  await ctx.warehouse.query(`DELETE FROM ops.job_runs WHERE dag_id = :dag AND run_id = :run`, { dag: dagId, run: runId });
  // So do the per-attempt logs its tasks keep (the aggregate refreshes log every try).
  if (dagId === 'cdm_aggregate_refresh') await ctx.warehouse.query(`DELETE FROM agg.refresh_log WHERE dag_id = :dag AND business_date = CAST(:bd AS DATE)`, { dag: dagId, bd });
  if (dagId === 'cdm_audience_resolution') await ctx.warehouse.query(`DELETE FROM audience.resolution_runs WHERE dag_id = :dag AND business_date = CAST(:bd AS DATE)`, { dag: dagId, bd });
  // Its records go on the night's timeline: it starts at its scheduled time on the business date.
  const scheduledAt = `${bd} ${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:05`;
  await ctx.engine.trigger(def, { conf: {}, logicalDate: logical, logicalDateGiven: true, runType: 'scheduled', runId, recordFrom: scheduledAt });
  return { dagId, runId };
}

/** Whether a run has ended (success or failed); a run the store does not know counts as ended. */
export async function runEnded(ctx: ScenarioContext, ref: DagRunRef): Promise<boolean> {
  const run = await ctx.store.get(ref.dagId, ref.runId);
  return !run || ((run.state === 'success' || run.state === 'failed') && !run.active);
}
