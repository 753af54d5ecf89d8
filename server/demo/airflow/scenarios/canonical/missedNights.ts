/**
 * Two missed nights: the scheduler was down from yesterday's 00:30 until this morning, so neither night ran —
 * no date control, no landing, no load. The ETL date control still holds the night before, the landed files
 * wait in the drop zone, and nothing is published for the two dates. Recovery: the runbook's "trigger a run
 * that never happened", night by night in pipeline order. Deactivation puts both nights back as they ran.
 */
import { addDays } from '../../warehouse';
import { snapshot } from '../heldRows';
import type { Scenario, ScenarioContext } from '../types';

const ID = 'missed_nights';
const DAGS = ['etl_date_control_update_dag', 'cdm_mdm_to_ldz', 'cdm_ldz_to_rdv', 'cdm_rdv_to_interface', 'cdm_audience_resolution', 'cdm_360_refresh', 'cdm_ml_writeback', 'cdm_aggregate_refresh', 'cdm_publish'];
const nightsOf = (bd: string) => [addDays(bd, -1), bd];
const IN_NIGHTS = 'business_date BETWEEN CAST(:from AS DATE) AND CAST(:to AS DATE)';

/** What the two nights wrote that a rerun writes again: put back exactly on deactivation. */
const nights = (ctx: ScenarioContext) =>
  snapshot(ctx.warehouse, ID, [
    { table: 'ops.job_runs', where: `${IN_NIGHTS} AND dag_id IN (${DAGS.map((d) => `'${d}'`).join(', ')})` },
    { table: 'etl_control.etl_date_control_history', where: IN_NIGHTS },
    { table: 'etl_control.etl_date_control', where: 'true' },
    { table: 'ldz.load_audit', where: IN_NIGHTS },
    { table: 'agg.refresh_log', where: IN_NIGHTS },
    { table: 'cdm_ingest_db.ingest_log', where: IN_NIGHTS },
    { table: 'customer_360.customer_enrichment', where: IN_NIGHTS },
    { table: 'cdm_publish_db.publish_log', where: IN_NIGHTS },
  ]);

export const missedNights: Scenario = {
  id: ID,
  title: 'Two missed nights',
  summary: "The scheduler was down from yesterday's 00:30 until this morning: no Canonical DAG ran for yesterday's or today's business date, and the date control still holds the day before. Find the missing nights, then run them in order, night by night: the date control first, then each DAG of the pipeline.",
  runbook: '/canonical/rerun-backfill#plan-backfill',
  async activate(ctx, bd) {
    const [from, to] = nightsOf(bd) as [string, string];
    const w = ctx.warehouse;
    await nights(ctx).take({ from, to });
    for (const dag of DAGS) await ctx.store.hideNights(dag, [from, to]);
    await w.query(`DELETE FROM ops.job_runs WHERE ${IN_NIGHTS} AND dag_id IN (${DAGS.map((d) => `'${d}'`).join(', ')})`, { from, to });
    await w.query(`DELETE FROM etl_control.etl_date_control_history WHERE ${IN_NIGHTS}`, { from, to });
    await w.query(`DELETE FROM etl_control.etl_date_control`);
    await w.query(`INSERT INTO etl_control.etl_date_control SELECT * FROM etl_control.etl_date_control_history WHERE business_date = CAST(:before AS DATE)`, { before: addDays(from, -1) });
    // The files arrived and wait in the drop zone; nothing landed or was published, no aggregate refreshed.
    await w.query(`UPDATE ldz.load_audit SET status = 'PENDING' WHERE ${IN_NIGHTS}`, { from, to });
    await w.query(`UPDATE cdm_publish_db.publish_log SET status = 'PENDING' WHERE ${IN_NIGHTS}`, { from, to });
    await w.query(`DELETE FROM agg.refresh_log WHERE ${IN_NIGHTS}`, { from, to });
    return { note: `No Canonical DAG ran for ${from} or ${to}; the ETL date control is on ${addDays(from, -1)}.`, dagRun: null };
  },
  async deactivate(ctx, bd) {
    const [from, to] = nightsOf(bd) as [string, string];
    await nights(ctx).restore({ from, to });
    for (const dag of DAGS) await ctx.store.showNights(dag, [from, to]);
  },
};
