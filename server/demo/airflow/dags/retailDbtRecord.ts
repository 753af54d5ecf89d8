/**
 * The retail project's dbt artifacts as the warehouse keeps them: retail_ops.dbt_run_results (one row per model
 * per dbt invocation) and retail_ops.dbt_test_results (one row per test per invocation). One writer for every
 * place dbt runs the retail models — the Airflow DAG's dbt tasks and the demo dbt Cloud's jobs — so a repair
 * made from either is what the runbooks' checks read.
 */
import type { RetailModel } from './retailGold';

export type RecordSql = (text: string, binds?: Readonly<Record<string, string | number>>) => Promise<Record<string, unknown>[]>;

/** One dbt invocation (an Airflow task attempt, or one step of a dbt Cloud run). */
export interface RecordedInvocation {
  /** What identifies the invocation; its md5 is the invocation_id, as dbt's ids are opaque. */
  readonly key: string;
  /** The Airflow DAG that ran it; null for a dbt Cloud run. */
  readonly dagId: string | null;
  /** The Airflow run id, or the dbt Cloud run id. */
  readonly runId: string;
  /** The Airflow task id, or the dbt Cloud job's name. */
  readonly taskId: string;
  readonly batchDate: string;
  readonly target: string;
}

export interface ModelResult {
  readonly model: RetailModel;
  readonly status: 'success' | 'error' | 'skipped';
  /** Warehouse times (local wall time, text). */
  readonly startedAt: string;
  readonly completedAt: string;
  /** dbt's message for an error or skip; a success writes dbt's own (CREATE VIEW, SUCCESS <rows>). */
  readonly message: string | null;
  /**
   * Lock waits on the night's timeline (seconds): `behindS` before this model started (earlier models' waits in
   * the invocation), `waitedS` while it built. The demo does not sleep them; the record shows them.
   */
  readonly behindS?: number;
  readonly waitedS?: number;
}

export interface TestResult {
  readonly name: string;
  readonly model: string;
  readonly column: string | null;
  readonly type: string;
  readonly status: 'pass' | 'warn' | 'fail' | 'error';
  readonly failures: number | null;
  readonly severity: 'error' | 'warn';
  readonly executedAt: string;
  readonly executionTimeS: number;
}

/** A rerun of the same invocation replaces its rows: an invocation's results are written once. */
export async function clearInvocation(sql: RecordSql, inv: RecordedInvocation, table: 'models' | 'tests'): Promise<void> {
  await sql(`DELETE FROM retail_ops.${table === 'models' ? 'dbt_run_results' : 'dbt_test_results'} WHERE invocation_id = md5(:inv)`, { inv: inv.key });
}

export async function recordModelResult(sql: RecordSql, inv: RecordedInvocation, r: ModelResult): Promise<void> {
  const m = r.model;
  // A built table's rows, as dbt reports them (SUCCESS 1234); a view has none.
  const rows = m.layer === 'staging' || r.status !== 'success' ? null : Number((await sql(`SELECT count(*) AS n FROM retail_gold.${m.name}`))[0]!.n);
  const behind = r.behindS ?? 0;
  const waited = r.waitedS ?? 0;
  const message = (r.status === 'success' ? (rows === null ? 'CREATE VIEW' : `SUCCESS ${rows}`) : (r.message ?? r.status))
    + (waited > 0 ? ` (waited ${waited} s for a lock on retail_gold.${m.name})` : '');
  await sql(
    `INSERT INTO retail_ops.dbt_run_results VALUES (md5(:inv), NULLIF(:dag, ''), :run, :task, CAST(:bd AS DATE), :target, :model, :layer, :mat, :status,
       CAST(:start AS TIMESTAMP) + to_seconds(:behind), CAST(:end AS TIMESTAMP) + to_seconds(:behind + :waited),
       CAST(epoch(CAST(:end AS TIMESTAMP) + to_seconds(:waited)) - epoch(CAST(:start AS TIMESTAMP)) AS DOUBLE), ${rows === null ? 'NULL' : String(rows)}, :message)`,
    { inv: inv.key, dag: inv.dagId ?? '', run: inv.runId, task: inv.taskId, bd: inv.batchDate, target: inv.target, model: m.name, layer: m.layer, mat: m.materialization, status: r.status, start: r.startedAt, end: r.completedAt, behind, waited, message },
  );
}

export async function recordTestResult(sql: RecordSql, inv: RecordedInvocation, t: TestResult): Promise<void> {
  await sql(
    `INSERT INTO retail_ops.dbt_test_results VALUES (md5(:inv), :run, :task, CAST(:bd AS DATE), :name, :model, NULLIF(:col, ''), :type, :status, ${t.failures === null ? 'NULL' : String(t.failures)}, :severity,
       CAST(:at AS TIMESTAMP), :secs)`,
    { inv: inv.key, run: inv.runId, task: inv.taskId, bd: inv.batchDate, name: t.name, model: t.model, col: t.column ?? '', type: t.type, status: t.status, severity: t.severity, at: t.executedAt, secs: Math.round(t.executionTimeS * 100) / 100 },
  );
}
