/**
 * The three setup DAGs of runbook 6, run in sequence on a new environment or a rebuild:
 * airflow_variable_sync pushes the release-managed variables (etl_control.airflow_variables) into
 * Airflow, ddl_execution_dag_multidb creates what the DDL registry lists (reading the target engine from
 * those variables, so it fails if the sync has not run), and etl_date_control_update_dag (canonical.ts).
 * Task names follow the seed's job history (095_setup_and_releases.sql).
 */
import { TaskFailure, type DagDef, type TaskContext } from '../model';
import { chain, dag, sqlTask } from './build';
import { mirrorVariables } from '../variablesMirror';

const owners = ['canonical-implementation'];

function variable(ctx: TaskContext, key: string): string {
  const v = ctx.variables.get(key);
  if (!v) throw new TaskFailure('KeyError', `Variable ${key} does not exist. Run airflow_variable_sync first (runbook 6: variables, then DDL, then the date control).`);
  return v.value;
}

async function syncVariables(ctx: TaskContext): Promise<void> {
  const rows = await ctx.sql(`SELECT variable_key, variable_value, description, managed_by FROM etl_control.airflow_variables ORDER BY variable_key`);
  for (const r of rows) {
    const key = String(r.variable_key);
    // Release-managed variables are overwritten; operational ones are only created with their default,
    // so a value the team set as a runbook said survives the sync.
    if (r.managed_by !== 'release' && ctx.variables.has(key)) {
      ctx.log(`Variable ${key} kept (operational)`);
      continue;
    }
    ctx.variables.set(key, { value: String(r.variable_value ?? ''), description: r.description === null ? null : String(r.description) });
    ctx.log(`Variable ${key} set`);
  }
  await mirrorVariables(ctx.warehouse, ctx.variables);
  await ctx.sql(
    `UPDATE etl_control.airflow_variables SET last_synced_at = CAST(:now AS TIMESTAMP), last_sync_run_id = :run WHERE managed_by = 'release'`,
    { now: ctx.now(), run: ctx.runId },
  );
}

async function verifyVariables(ctx: TaskContext): Promise<void> {
  const rows = await ctx.sql(`SELECT variable_key FROM etl_control.airflow_variables WHERE is_required = 'Y' ORDER BY variable_key`);
  const missing = rows.map((r) => String(r.variable_key)).filter((k) => !ctx.variables.has(k));
  if (missing.length) throw new TaskFailure('AirflowException', `Required variables missing from Airflow: ${missing.join(', ')}.`);
  ctx.log(`All ${rows.length} required variables are set`);
}

/** Where the sandbox keeps the release's DDL for the registered views (captured before a training fault drops one). */
const DDL_SET = 'opsbook_sandbox.ddl_scripts';

/**
 * create_tables / create_views: creates what the registry lists and the catalog lacks, and records every
 * registered object of its type in etl_control.ddl_execution_log for this run (created, already there, or
 * failed), so "the latest DDL run created everything" reads one run. A retry rewrites its try's records.
 */
async function createObjects(ctx: TaskContext, type: 'TABLE' | 'VIEW'): Promise<void> {
  const engine = variable(ctx, 'cdm_target_engine');
  const hasDdlSet = (await ctx.sql(`SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'opsbook_sandbox' AND table_name = 'ddl_scripts'`))[0]?.n;
  const rows = await ctx.sql(
    `SELECT r.object_schema, r.object_name, r.creation_order, t.table_name IS NOT NULL AS present${Number(hasDdlSet) > 0 ? ', d.ddl' : ', CAST(NULL AS VARCHAR) AS ddl'}
     FROM etl_control.ddl_object_registry r
     LEFT JOIN information_schema.tables t ON t.table_schema = r.object_schema AND t.table_name = r.object_name
     ${Number(hasDdlSet) > 0 ? `LEFT JOIN ${DDL_SET} d ON d.object_schema = r.object_schema AND d.object_name = r.object_name AND d.object_type = r.object_type` : ''}
     WHERE r.object_type = :type ORDER BY r.creation_order`,
    { type },
  );
  const record = (r: (typeof rows)[number], action: string, status: 'SUCCEEDED' | 'FAILED', error: string | null) =>
    ctx.sql(
      `INSERT INTO etl_control.ddl_execution_log VALUES (:run, :dialect, CAST(:no AS INTEGER), :schema, :name, :type, :action, :status, CAST(:now AS TIMESTAMP), NULLIF(:error, ''))`,
      { run: ctx.runId, dialect: engine.toLowerCase(), no: Number(r.creation_order), schema: String(r.object_schema), name: String(r.object_name), type, action, status, now: ctx.preciseNow(), error: error ?? '' },
    );
  await ctx.sql(`DELETE FROM etl_control.ddl_execution_log WHERE run_id = :run AND object_type = :type`, { run: ctx.runId, type });
  const absent = rows.filter((r) => r.present !== true);
  ctx.log(`${rows.length - absent.length} of ${rows.length} ${type === 'TABLE' ? 'tables' : 'views'} already exist on ${engine}`);
  try {
    // Where a real failure would surface: a dropped connection or a missing privilege fails the try.
    await ctx.failIfFaulted();
  } catch (error) {
    for (const r of rows) await record(r, r.present === true ? 'EXISTS' : 'CREATE', r.present === true ? 'SUCCEEDED' : 'FAILED', r.present === true ? null : (error as Error).message);
    throw error;
  }
  // The demo does not invent DDL it does not have: an object the registry lists, the catalog lacks and the
  // release's DDL set does not hold is a failed setup, for an engineer to look at.
  const undefinedObjects = absent.filter((r) => typeof r.ddl !== 'string');
  for (const r of rows) {
    if (r.present === true) await record(r, 'EXISTS', 'SUCCEEDED', null);
    else if (typeof r.ddl === 'string') {
      ctx.log(`Creating ${type.toLowerCase()} ${String(r.object_schema)}.${String(r.object_name)}`);
      await ctx.sql(r.ddl);
      await record(r, 'CREATE', 'SUCCEEDED', null);
    } else await record(r, 'CREATE', 'FAILED', 'No DDL for this object in the demo.');
  }
  if (undefinedObjects.length) {
    throw new TaskFailure('ProgrammingError', `${undefinedObjects.length} registered ${type.toLowerCase()}(s) are missing and have no DDL in this demo: ${undefinedObjects.slice(0, 5).map((r) => `${String(r.object_schema)}.${String(r.object_name)}`).join(', ')}.`);
  }
}

export const setupDags: readonly DagDef[] = [
  dag({
    dagId: 'airflow_variable_sync', description: 'Syncs the Airflow variables a release defines (etl_control.airflow_variables) into Airflow.',
    schedule: null, owners, tags: ['setup'],
    tasks: chain([
      sqlTask('read_variable_config', 20, async (ctx) => {
        await ctx.sql(`SELECT managed_by, count(*) AS variables FROM etl_control.airflow_variables GROUP BY ALL ORDER BY 1`);
      }),
      sqlTask('sync_variables', 45, syncVariables, { operator: 'PythonOperator' }),
      sqlTask('verify_variables', 15, verifyVariables),
    ]),
  }),
  dag({
    dagId: 'ddl_execution_dag_multidb', description: 'Creates the CDM schemas, tables and views on Oracle, SQL Server or Snowflake (DuckDB on demo).',
    schedule: null, owners, tags: ['setup'],
    tasks: chain([
      sqlTask('resolve_target_engine', 10, async (ctx) => {
        ctx.log(`Target engine: ${variable(ctx, 'cdm_target_engine')}, database ${variable(ctx, 'cdm_target_database')}, DDL set ${variable(ctx, 'cdm_ddl_version')}`);
      }, { operator: 'PythonOperator' }),
      sqlTask('create_schemas', 30, async (ctx) => {
        for (const schema of variable(ctx, 'cdm_layer_schemas').split(',').map((s) => s.trim()).filter((s) => /^[a-z_][a-z0-9_]*$/.test(s))) {
          await ctx.sql(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        }
      }),
      sqlTask('create_tables', 240, (ctx) => createObjects(ctx, 'TABLE')),
      sqlTask('create_views', 40, (ctx) => createObjects(ctx, 'VIEW')),
      sqlTask('grant_privileges', 20, async (ctx) => {
        ctx.log(`Granting read to the reporting role and write to ${variable(ctx, 'cdm_warehouse_conn_id')} (no-op on DuckDB)`);
      }),
      sqlTask('verify_objects', 30, async (ctx) => {
        await ctx.sql(
          `SELECT r.object_type, count(*) AS registered, count(t.table_name) AS present FROM etl_control.ddl_object_registry r
           LEFT JOIN information_schema.tables t ON t.table_schema = r.object_schema AND t.table_name = r.object_name GROUP BY ALL ORDER BY 1`,
        );
      }),
    ]),
  }),
];
