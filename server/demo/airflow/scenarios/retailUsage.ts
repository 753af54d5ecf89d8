/**
 * The retail usage export's training fault: tonight's export of the warehouse's usage fails on both tries (the
 * metering view timed out), so the batch date has no usage row and nobody can tell whether the night was within
 * budget. The documented recovery re-runs the export. Deactivating puts the day's healthy row back exactly.
 */
import type { Scenario } from './types';
import { snapshot } from './heldRows';
import { replayNight } from './replay';

const DAG = 'retail_warehouse_usage_export';
const TASK = 'export_warehouse_usage';
const USAGE_TONIGHT = [{ table: 'retail_ops.warehouse_usage', where: `usage_date = CAST(:bd AS DATE)` }];

const usageExportFailed: Scenario = {
  id: 'retail_usage_export_failed',
  title: 'Warehouse usage export failed',
  summary:
    "The warehouse's metering view timed out on both tries of tonight's usage export: the batch date has no usage row, so the warehouse check cannot tell whether the night stayed within budget. The view answers again: re-run the export.",
  runbook: '/retail/monitoring-and-alerts#warehouse-health',
  async activate(ctx, bd) {
    await snapshot(ctx.warehouse, this.id, USAGE_TONIGHT).take({ bd });
    await ctx.warehouse.query(`DELETE FROM retail_ops.warehouse_usage WHERE usage_date = CAST(:bd AS DATE)`, { bd });
    ctx.faults.set(DAG, TASK, {
      exception: 'ProgrammingError', message: "000630 (57014): Statement reached its statement or warehouse timeout of 600 second(s) and was canceled (SNOWFLAKE.ACCOUNT_USAGE.WAREHOUSE_METERING_HISTORY).", untilCleared: false, tries: 2,
    });
    const dagRun = await replayNight(ctx, DAG, bd);
    return { note: `Run ${dagRun.runId} of ${DAG} is replaying batch ${bd}; ${TASK} will fail twice.`, dagRun };
  },
  async deactivate(ctx, bd) {
    ctx.faults.remove(DAG, TASK);
    await snapshot(ctx.warehouse, this.id, USAGE_TONIGHT).restore({ bd });
  },
};

export const retailUsageScenarios: readonly Scenario[] = [usageExportFailed];
