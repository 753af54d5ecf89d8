/**
 * The retail DAGs as SQL steps on the demo warehouse. data_ingestion_bronze lands each source's batch from the
 * source system (`retail_source`, what the sources delivered) into bronze, replacing the batch's rows; the dbt DAG
 * rebuilds gold from staging and records run and test results the way dbt's artifacts do. So a clear, a rerun or
 * a backfill repairs what a fault broke. Task ids are the ones ops.job_runs records.
 */
import { TaskFailure, type DagDef, type TaskContext } from '../model';
import { addDays, warehouseTime } from '../warehouse';
import { chain, dag, sqlTask } from './build';
import { buildRetailModel, RETAIL_MODELS, RETAIL_TESTS } from './retailGold';
import { clearInvocation, recordModelResult, recordTestResult, type RecordedInvocation, type ModelResult } from './retailDbtRecord';
import { usageExportDag } from './retailUsage';

const owners = ['retail-data-engineering'];
const SOURCES = ['customers', 'products', 'stores', 'orders', 'order_items', 'returns'] as const;
const TYPICAL: Record<string, number> = { customers: 110, products: 35, stores: 20, orders: 280, order_items: 340, returns: 50 };
const BYTES_PER_ROW: Record<string, number> = { customers: 310, products: 240, stores: 200, orders: 380, order_items: 190, returns: 260 };

/** One ingestion-log row per attempt; a replayed or cleared attempt replaces its own row. */
async function logIngestion(ctx: TaskContext, source: string, status: 'SUCCEEDED' | 'FAILED', error: string | null): Promise<void> {
  const bd = ctx.businessDate;
  await ctx.sql(`DELETE FROM retail_bronze.ingestion_log WHERE run_id = :run AND task_id = :task AND try_number >= :try`, { run: ctx.runId, task: ctx.taskId, try: ctx.tryNumber });
  await ctx.sql(
    `INSERT INTO retail_bronze.ingestion_log
     SELECT :dag, :task, :run, :source, CAST(:bd AS DATE), :try, :status,
            CASE WHEN :status = 'SUCCEEDED' THEN count(DISTINCT _source_file) ELSE 0 END,
            CASE WHEN :status = 'SUCCEEDED' THEN count(*) ELSE 0 END,
            CASE WHEN :status = 'SUCCEEDED' THEN CAST(count(*) * :bpr AS BIGINT) ELSE 0 END,
            CAST(CAST(:bd AS DATE) - 1 AS TIMESTAMP), CAST(CAST(:bd AS DATE) AS TIMESTAMP), CAST(:start AS TIMESTAMP), CAST(:now AS TIMESTAMP),
            CAST(round((epoch(CAST(:now AS TIMESTAMP)) - epoch(CAST(CAST(:bd AS DATE) AS TIMESTAMP))) / 60.0, 1) AS DECIMAL(8, 1)), NULLIF(:error, '')
     FROM retail_bronze.${source} WHERE _batch_date = CAST(:bd AS DATE)`,
    { dag: ctx.dagId, task: ctx.taskId, run: ctx.runId, source, bd, try: ctx.tryNumber, status, bpr: BYTES_PER_ROW[source]!, start: ctx.startedAt, now: ctx.now(), error: error ?? '' },
  );
}

async function ingest(ctx: TaskContext, source: (typeof SOURCES)[number]): Promise<void> {
  const bd = ctx.businessDate;
  ctx.log(`Reading ${source} changes of ${addDays(bd, -1)} from the source and landing them in retail_bronze.${source} (batch ${bd})`);
  try {
    await ctx.failIfFaulted();
  } catch (error) {
    await logIngestion(ctx, source, 'FAILED', (error as Error).message);
    throw error;
  }
  await ctx.sql(`DELETE FROM retail_bronze.${source} WHERE _batch_date = CAST(:bd AS DATE)`, { bd });
  // By name: a source that gained a column lands it in its own bronze column (schema evolution), never in another's place.
  await ctx.sql(`INSERT INTO retail_bronze.${source} BY NAME SELECT *, CAST(:now AS TIMESTAMP) AS _loaded_at FROM retail_source.${source} WHERE _batch_date = CAST(:bd AS DATE)`, { bd, now: ctx.now() });
  await logIngestion(ctx, source, 'SUCCEEDED', null);
}

async function validateIngestion(ctx: TaskContext): Promise<void> {
  const rows = await ctx.sql(
    `WITH latest AS (SELECT source_name, status, rows_loaded FROM retail_bronze.ingestion_log WHERE batch_date = CAST(:bd AS DATE)
                     QUALIFY row_number() OVER (PARTITION BY source_name ORDER BY try_number DESC, finished_at DESC) = 1)
     SELECT source_name, status FROM latest WHERE status <> 'SUCCEEDED'`,
    { bd: ctx.businessDate },
  );
  if (rows.length) throw new TaskFailure('AirflowException', `Ingestion of batch ${ctx.businessDate} is incomplete: ${rows.map((r) => `${String(r.source_name)} ${String(r.status)}`).join(', ')}.`);
}

/** The freshness rules of the team's sources.yml (loaded_at_field: _loaded_at); reference data has none. */
const FRESHNESS_RULES = `VALUES ('customers', 12, 24), ('orders', 12, 24), ('order_items', 12, 24), ('returns', 48, 96)`;

/**
 * `dbt source freshness` at the start of the run: each source table's latest load against its rules, recorded per
 * batch in retail_ops.source_freshness. As dbt does, a source past its error threshold fails the task, so a stalled
 * ingestion stops the transformation instead of rebuilding gold on old data.
 */
export async function sourceFreshness(ctx: TaskContext): Promise<void> {
  const bd = ctx.businessDate;
  await ctx.sql(`DELETE FROM retail_ops.source_freshness WHERE batch_date = CAST(:bd AS DATE)`, { bd });
  // Every batch landed so far counts, including one backfilled after the night this run replays: a rerun of a
  // replayed night is recorded on that night's timeline, but dbt reads the sources as they are when it runs.
  await ctx.sql(
    `INSERT INTO retail_ops.source_freshness
     WITH loads AS (
       SELECT 'customers' AS table_name, max(_loaded_at) AS max_loaded_at FROM retail_bronze.customers
       UNION ALL SELECT 'orders', max(_loaded_at) FROM retail_bronze.orders
       UNION ALL SELECT 'order_items', max(_loaded_at) FROM retail_bronze.order_items
       UNION ALL SELECT 'returns', max(_loaded_at) FROM retail_bronze.returns
     ), aged AS (
       SELECT r.*, l.max_loaded_at, (epoch(CAST(:now AS TIMESTAMP)) - epoch(l.max_loaded_at)) / 3600.0 AS age
       FROM (${FRESHNESS_RULES}) r(table_name, warn_after_hours, error_after_hours) JOIN loads l USING (table_name)
     )
     SELECT CAST(:bd AS DATE), :run, 'raw_data', table_name, max_loaded_at, CAST(:now AS TIMESTAMP), CAST(round(age, 2) AS DECIMAL(8, 2)),
            warn_after_hours, error_after_hours,
            CASE WHEN age > error_after_hours THEN 'error' WHEN age > warn_after_hours THEN 'warn' ELSE 'pass' END
     FROM aged`,
    { bd, run: ctx.runId, now: ctx.now() },
  );
  const stale = await ctx.sql(`SELECT table_name, age_hours FROM retail_ops.source_freshness WHERE batch_date = CAST(:bd AS DATE) AND status = 'error' ORDER BY table_name`, { bd });
  if (stale.length) {
    throw new TaskFailure('DbtSourceFreshnessError', `source freshness: ${stale.map((r) => `raw_data.${String(r.table_name)} last loaded ${String(r.age_hours)} h ago`).join(', ')} (past error_after).`);
  }
}

const invocation = (ctx: TaskContext) => `${ctx.runId}|${ctx.taskId}|${ctx.tryNumber}`;

/**
 * The team's staging models are built with their source contract enforced: every column bronze holds (load
 * metadata, `_`-prefixed, aside) must be one the staging model reads. A source that adds or renames a column
 * therefore fails the build with the column named, instead of loading nulls into staging unnoticed.
 */
async function unhandledSourceColumns(ctx: TaskContext, model: string): Promise<string[]> {
  const rows = await ctx.sql(
    `SELECT c.column_name FROM information_schema.columns c
     JOIN duckdb_views() v ON v.schema_name = 'retail_silver' AND v.view_name = :model
     WHERE c.table_schema = 'retail_bronze' AND 'stg_' || c.table_name = :model AND left(c.column_name, 1) <> '_'
       AND NOT regexp_matches(v.sql, '\\b' || c.column_name || '\\b')
     ORDER BY c.ordinal_position`,
    { model },
  );
  return rows.map((r) => String(r.column_name));
}


/**
 * A lock another session holds on the model's table when its build starts: the build waits until it is released.
 * The wait is counted on the night's timeline (the lock's release time, not the demo's seconds), which is what
 * the model's recorded execution time then shows; the demo only pauses a moment for it.
 */
async function lockWait(ctx: TaskContext, table: string, start: string, behind: number): Promise<number> {
  // The sandbox keeps the lock table once it is up; a warehouse driven without it (unit tests) has no locks.
  const [known] = await ctx.warehouse.query(`SELECT count(*) AS n FROM duckdb_tables() WHERE schema_name = 'opsbook_sandbox' AND table_name = 'table_locks'`);
  if (Number(known?.n ?? 0) === 0) return 0;
  const [lock] = await ctx.warehouse.query(
    `WITH t AS (SELECT CAST(:start AS TIMESTAMP) + to_seconds(:behind) AS at)
     SELECT holder, CAST(held_until AS VARCHAR) AS until, epoch(held_until) - epoch(t.at) AS secs
     FROM opsbook_sandbox.table_locks, t WHERE table_name = :table AND held_until > t.at ORDER BY held_until DESC LIMIT 1`,
    { table, start, behind },
  );
  if (!lock) return 0;
  ctx.log(`Waiting for a lock on ${table} held by ${String(lock.holder)} (released at ${String(lock.until)})`, 'WARNING');
  await ctx.pause(0.5);
  return Math.round(Number(lock.secs));
}

/** The task attempt as a dbt invocation, for the artifacts' record. */
const invocationOf = (ctx: TaskContext): RecordedInvocation => ({ key: invocation(ctx), dagId: ctx.dagId, runId: ctx.runId, taskId: ctx.taskId, batchDate: ctx.businessDate, target: 'prod' });

/** A `dbt run` of one task's models: builds them in order; the first error skips the rest, as dbt does. */
async function dbtRun(ctx: TaskContext): Promise<void> {
  const models = RETAIL_MODELS[ctx.taskId]!;
  const inv = invocationOf(ctx);
  await clearInvocation(ctx.sql, inv, 'models');
  let failure: Error | null = null;
  // Lock waits so far in this invocation: the models after a wait start after it on the night's timeline.
  let behind = 0;
  for (const m of models) {
    const start = ctx.preciseNow();
    let status: ModelResult['status'] = 'success';
    let message: string | null = null;
    let waited = 0;
    if (failure) [status, message] = ['skipped', 'Skipped: upstream model failed'];
    else {
      try {
        if (m === models[0]) await ctx.failIfFaulted();
        if (m.layer === 'staging') {
          const unhandled = await unhandledSourceColumns(ctx, m.name);
          if (unhandled.length) {
            throw new TaskFailure('DbtRuntimeError', `contract of ${m.name}: source column${unhandled.length > 1 ? 's' : ''} ${unhandled.join(', ')} of retail_bronze.${m.name.slice(4)} ${unhandled.length > 1 ? 'are' : 'is'} not handled by the model (the source changed its schema)`);
          }
        }
        if (m.layer !== 'staging') waited = await lockWait(ctx, `retail_gold.${m.name}`, start, behind);
        await buildRetailModel(ctx.sql, m, ctx.now());
      } catch (error) {
        failure = error as Error;
        [status, message] = ['error', `Database Error in model ${m.name}: ${failure.message}`];
      }
    }
    await recordModelResult(ctx.sql, inv, { model: m, status, startedAt: start, completedAt: ctx.preciseNow(), message, behindS: behind, waitedS: waited });
    behind += waited;
  }
  if (failure) throw failure instanceof TaskFailure ? failure : new TaskFailure('DbtRuntimeError', failure.message);
}

/** A `dbt test` of the task's models: each test's failing rows, recorded; an error-severity failure fails the task. */
async function dbtTest(ctx: TaskContext): Promise<void> {
  await ctx.failIfFaulted();
  const tests = await ctx.sql(
    `SELECT DISTINCT test_name, model_name, column_name, test_type, severity FROM retail_ops.dbt_test_results WHERE task_id = :task ORDER BY test_name`,
    { task: ctx.taskId },
  );
  const inv = invocationOf(ctx);
  await clearInvocation(ctx.sql, inv, 'tests');
  const failing: string[] = [];
  for (const t of tests) {
    const name = String(t.test_name);
    const sql = RETAIL_TESTS[name];
    if (!sql) continue;
    const failures = Number(Object.values((await ctx.sql(sql))[0]!)[0]);
    const severity = t.severity === 'warn' ? 'warn' : 'error';
    const status = failures === 0 ? 'pass' : severity === 'warn' ? 'warn' : 'fail';
    if (status === 'fail') failing.push(`${name} (${failures})`);
    await recordTestResult(ctx.sql, inv, {
      name, model: String(t.model_name), column: t.column_name === null ? null : String(t.column_name), type: String(t.test_type), status, failures, severity, executedAt: ctx.preciseNow(), executionTimeS: 1,
    });
  }
  if (failing.length) throw new TaskFailure('DbtTestError', `${failing.length} test${failing.length > 1 ? 's' : ''} failed: ${failing.join(', ')}.`);
}

export const retailDags: readonly DagDef[] = [
  dag({
    dagId: 'data_ingestion_bronze', description: "Lands the retail sources' nightly batch in bronze (raw_data) and validates it.",
    schedule: '30 1 * * *', owners, tags: ['retail', 'bronze'],
    tasks: chain([
      ...SOURCES.map((s) => sqlTask(`ingest_${s}`, TYPICAL[s]!, (ctx) => ingest(ctx, s), { operator: 'PythonOperator' })),
      sqlTask('validate_ingestion', 45, validateIngestion),
    ]),
  }),
  dag({
    dagId: 'data_transformation_dbt', description: 'dbt: source freshness, staging, dimensions, facts and marts, with their tests.',
    schedule: '0 3 * * *', owners, tags: ['retail', 'dbt'],
    tasks: chain([
      sqlTask('wait_for_ingestion', 15, async (ctx) => {
        await ctx.failIfFaulted();
        await validateIngestion(ctx);
      }, { operator: 'ExternalTaskSensor' }),
      sqlTask('dbt_source_freshness', 40, sourceFreshness, { operator: 'BashOperator' }),
      sqlTask('dbt_run_staging', 95, dbtRun, { operator: 'BashOperator' }),
      sqlTask('dbt_test_staging', 120, dbtTest, { operator: 'BashOperator' }),
      sqlTask('dbt_run_dimensions', 260, dbtRun, { operator: 'BashOperator' }),
      sqlTask('dbt_run_facts', 410, dbtRun, { operator: 'BashOperator' }),
      sqlTask('dbt_run_marts', 170, dbtRun, { operator: 'BashOperator' }),
      sqlTask('dbt_test_marts', 150, dbtTest, { operator: 'BashOperator' }),
    ]),
  }),
  usageExportDag,
];
