/**
 * The ETL date control on the wrong business date: a business-date override set for yesterday's rerun was
 * never put back, so tonight's 00:30 run of etl_date_control_update_dag set every pipeline to yesterday.
 * The recovery (runbooks 5 and 6) empties the override and triggers the date control for tonight's date.
 * Deactivation puts the variable and the control table back exactly as they were.
 */
import { addDays } from '../../warehouse';
import { snapshot } from '../heldRows';
import { replayNight } from '../replay';
import type { Scenario, ScenarioContext } from '../types';

const OVERRIDE = 'cdm_business_date_override';
/** The night's run of the date control, whose history the replay on the wrong date rewrites. */
const nightRun = (ctx: ScenarioContext) =>
  snapshot(ctx.warehouse, 'wrong_date_control', [{ table: 'ops.job_runs', where: `dag_id = 'etl_date_control_update_dag' AND run_id LIKE :night` }]);
const nightOf = (bd: string) => ({ night: `scheduled__${addDays(bd, -1)}T%` });

export const wrongDateControl: Scenario = {
  id: 'wrong_date_control',
  title: 'Wrong ETL date control',
  summary: "Yesterday's rerun set the business-date override and nobody emptied it: tonight's etl_date_control_update_dag put every pipeline on yesterday's date. Check the date control, empty the override, then run the date-control DAG for tonight.",
  runbook: '/canonical/setup-dags#check-date-control',
  async activate(ctx, bd) {
    await ctx.warehouse.query(`CREATE OR REPLACE TABLE opsbook_sandbox.saved_date_control AS SELECT * FROM etl_control.etl_date_control`);
    await nightRun(ctx).take(nightOf(bd));
    const stale = addDays(bd, -1);
    await ctx.variables.set(OVERRIDE, stale);
    const dagRun = await replayNight(ctx, 'etl_date_control_update_dag', bd);
    return { note: `The override ${OVERRIDE} is still ${stale}: run ${dagRun.runId} of etl_date_control_update_dag is setting every pipeline to that date.`, dagRun };
  },
  async deactivate(ctx, bd) {
    await ctx.variables.set(OVERRIDE, '');
    await nightRun(ctx).restore(nightOf(bd));
    await ctx.warehouse.query(`DELETE FROM etl_control.etl_date_control`);
    await ctx.warehouse.query(`INSERT INTO etl_control.etl_date_control SELECT * FROM opsbook_sandbox.saved_date_control`);
    await ctx.warehouse.query(`DROP TABLE opsbook_sandbox.saved_date_control`);
  },
};
