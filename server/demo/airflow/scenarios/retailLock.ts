/**
 * A lock on one model's table during tonight's dbt run: the nightly backup of retail_gold held fact_orders for 45
 * minutes, so its build waited and the model's execution time is many times its 14-night average, while every
 * other model and the run itself look normal. The documented recovery: once the lock is released, re-run the
 * model's task (and what follows it) so tonight's build is measured on its own. Deactivating drops the lock and
 * puts tonight's healthy gold rows and run results back exactly.
 */
import type { Scenario } from './types';
import { snapshot } from './heldRows';
import { replayNight } from './replay';
import { DBT_REBUILD } from './retailRows';
import { warehouseTime } from '../warehouse';

const TABLE = 'retail_gold.fact_orders';
const HOLDER = 'session 5120 (retail_backup: nightly backup of retail_gold)';
/** The replayed dbt night starts at 03:00 on the batch date, or now when that is still ahead (see Engine.trigger). */
const nightStart = (bd: string): Date => new Date(Math.min(Date.now(), new Date(`${bd}T03:00:05`).getTime()));

const lockWaitNight: Scenario = {
  id: 'retail_model_lock_wait',
  title: 'A model waited for a lock',
  summary:
    "The nightly backup of retail_gold held a lock on fact_orders for 45 minutes of tonight's dbt run: the run succeeded, but fact_orders took many times its usual time. When the backup has finished (the Release action), re-run the facts task and what follows it, and confirm the model's time is back to normal.",
  runbook: '/retail/troubleshooting#perf-one-night',
  actions: [{ id: 'release', label: 'The backup finishes and releases its lock' }],
  async activate(ctx, bd) {
    await snapshot(ctx.warehouse, this.id, DBT_REBUILD).take({ bd });
    await ctx.warehouse.query(`DELETE FROM opsbook_sandbox.table_locks WHERE table_name = :t`, { t: TABLE });
    await ctx.warehouse.query(`INSERT INTO opsbook_sandbox.table_locks VALUES (:t, :holder, CAST(:until AS TIMESTAMP))`, {
      t: TABLE, holder: HOLDER, until: warehouseTime(new Date(nightStart(bd).getTime() + 45 * 60_000)),
    });
    const dagRun = await replayNight(ctx, 'data_transformation_dbt', bd);
    return { note: `Run ${dagRun.runId} of data_transformation_dbt is replaying batch ${bd}; fact_orders will wait for the backup's lock.`, dagRun };
  },
  async act(action, ctx) {
    if (action !== 'release') throw new Error(`Unknown action ${action}.`);
    await ctx.warehouse.query(`DELETE FROM opsbook_sandbox.table_locks WHERE table_name = :t`, { t: TABLE });
    return `The backup finished: ${TABLE} is no longer locked. Re-run the facts task and what follows it.`;
  },
  async deactivate(ctx, bd) {
    await ctx.warehouse.query(`DELETE FROM opsbook_sandbox.table_locks WHERE table_name = :t`, { t: TABLE });
    await snapshot(ctx.warehouse, this.id, DBT_REBUILD).restore({ bd });
  },
};

export const retailLockScenarios: readonly Scenario[] = [lockWaitNight];
