/**
 * A DDL run that did not finish: ddl_execution_dag_multidb was run to apply the release's view definitions,
 * dropped the two Canonical views to recreate them, and create_views lost its connection to the warehouse on
 * both tries. The views the reports read do not exist. The setup runbook's recovery: check the created objects,
 * then run the DDL DAG again once (it creates only what does not exist yet); never create them by hand.
 */
import { snapshot } from '../heldRows';
import type { DagRunRef, Scenario, ScenarioContext } from '../types';

const ID = 'ddl_views_not_created';
const DAG = 'ddl_execution_dag_multidb';
const DDL_SET = 'opsbook_sandbox.ddl_scripts';

/**
 * What the failed run and the rerun write: the DDL log, and the DAG's job history (its runs are stamped with the
 * day they ran, so the failed tries would stay the latest of the day's failed-task check). Put back exactly on
 * deactivation.
 */
const ddlLog = (ctx: ScenarioContext) =>
  snapshot(ctx.warehouse, ID, [
    { table: 'etl_control.ddl_execution_log', where: 'true' },
    { table: 'ops.job_runs', where: `dag_id = '${DAG}'` },
  ]);

/** The release's DDL for the registered views, as the DDL DAG holds it (captured while the views exist). */
async function keepViewDdl(ctx: ScenarioContext): Promise<void> {
  await ctx.warehouse.query(`CREATE TABLE IF NOT EXISTS ${DDL_SET} (object_schema VARCHAR, object_name VARCHAR, object_type VARCHAR, ddl VARCHAR)`);
  await ctx.warehouse.query(
    `INSERT INTO ${DDL_SET}
     SELECT v.schema_name, v.view_name, 'VIEW', v.sql FROM duckdb_views() v
     JOIN etl_control.ddl_object_registry r ON r.object_schema = v.schema_name AND r.object_name = v.view_name AND r.object_type = 'VIEW'
     WHERE NOT v.internal AND NOT EXISTS (SELECT 1 FROM ${DDL_SET} d WHERE d.object_schema = v.schema_name AND d.object_name = v.view_name)`,
  );
}

async function registeredViews(ctx: ScenarioContext): Promise<{ schema: string; name: string }[]> {
  const rows = await ctx.warehouse.query(`SELECT object_schema, object_name FROM ${DDL_SET} WHERE object_type = 'VIEW' ORDER BY object_schema, object_name`);
  return rows.map((r) => ({ schema: String(r.object_schema), name: String(r.object_name) }));
}

const IDENT = /^[a-z_][a-z0-9_]*$/;

export const ddlViewsNotCreated: Scenario = {
  id: ID,
  title: 'DDL run failed at create_views',
  summary:
    "ddl_execution_dag_multidb was run to apply the release's view definitions: it dropped the Canonical views to recreate them, and create_views lost its connection to the warehouse on both tries. customer_360.v_customer_360_enriched and cdm_publish_db.v_campaign_performance do not exist. Check the created objects, then run the DDL DAG again.",
  runbook: '/canonical/setup-dags#check-ddl-objects',
  async activate(ctx) {
    await keepViewDdl(ctx);
    await ddlLog(ctx).take({});
    for (const v of await registeredViews(ctx)) {
      if (IDENT.test(v.schema) && IDENT.test(v.name)) await ctx.warehouse.query(`DROP VIEW IF EXISTS ${v.schema}.${v.name}`);
    }
    ctx.faults.set(DAG, 'create_views', {
      exception: 'OperationalError', message: 'SSL SYSCALL error: EOF detected — the connection to the warehouse was closed while creating the views.', untilCleared: false, tries: 2,
    });
    const def = await ctx.engine.dag(DAG);
    if (!def) throw new Error(`The sandbox has no DAG ${DAG}.`);
    const run = await ctx.engine.trigger(def, { conf: {}, logicalDate: null, logicalDateGiven: false, runType: 'manual' });
    const dagRun: DagRunRef = { dagId: DAG, runId: run.runId };
    return { note: `Run ${run.runId} of ${DAG} dropped the views and will fail at create_views on both tries.`, dagRun };
  },
  async deactivate(ctx) {
    ctx.faults.remove(DAG, 'create_views');
    // The views as the release defines them, whether or not the trainee's rerun created them.
    const views = await ctx.warehouse.query(
      `SELECT d.ddl FROM ${DDL_SET} d WHERE d.object_type = 'VIEW'
         AND NOT EXISTS (SELECT 1 FROM information_schema.tables t WHERE t.table_schema = d.object_schema AND t.table_name = d.object_name)`,
    );
    for (const v of views) await ctx.warehouse.query(String(v.ddl));
    await ddlLog(ctx).restore({});
  },
};
