/**
 * The dbt projects the demo dbt Cloud builds, each with its jobs: the ecommerce metrics (job DailyRefresh) and
 * the retail warehouse (jobs retail_daily and retail_adhoc). A project knows its models in build order, what each
 * model reads (so `model+` and `+model` select as dbt's graph does), how to build one model on the demo warehouse
 * — the very SQL the Airflow sandbox's DAGs run — and its tests.
 */
import { parse as parseYaml } from 'yaml';
import type { Warehouse } from '../airflow/warehouse';
import { BUILD, MODELS } from '../airflow/dags/ecommerceServing';
import { buildRetailModel, RETAIL_BUILD_ORDER, RETAIL_TESTS, type BuildRange } from '../airflow/dags/retailGold';
import { clearInvocation, recordModelResult, recordTestResult, type RecordedInvocation } from '../airflow/dags/retailDbtRecord';

export interface DemoJob {
  readonly id: number;
  readonly name: string;
  readonly execute_steps: readonly string[];
  /** The project the job's steps run in. */
  readonly project: DemoDbtProject;
}

export interface BuildRequest {
  readonly warehouse: Warehouse;
  /** The build time, as the warehouse records it (local wall time). */
  readonly now: string;
  /** The data day (ecommerce: yesterday in ICT). */
  readonly dataDay: string;
  readonly fullRefresh: boolean;
  readonly vars: Readonly<Record<string, unknown>>;
}

export interface DemoTest {
  readonly name: string;
  /** The models the test reads: it runs when any of them is selected (dbt's eager indirect selection). */
  readonly models: readonly string[];
  readonly severity: 'error' | 'warn';
  readonly columnName: string | null;
  /** The model the test is defined on, and its kind (unique, relationships, singular …), as the artifacts record them. */
  readonly model: string;
  readonly type: string;
}

export interface DemoDbtProject {
  /** dbt's package name, the middle of each unique_id (model.retail.fact_orders). */
  readonly name: string;
  readonly models: readonly string[];
  /** The relation a model builds, for the log (retail_gold.fact_orders). */
  relation(model: string): string;
  materialization(model: string): string;
  /** The models a model selects from (its refs). */
  parents(model: string): readonly string[];
  /** Tag selectors (`tag:daily`) and the models they name. */
  readonly tags: Readonly<Record<string, readonly string[]>>;
  build(model: string, request: BuildRequest): Promise<void>;
  tests(warehouse: Warehouse): Promise<readonly DemoTest[]>;
  /** The rows a test finds failing. */
  runTest(name: string, warehouse: Warehouse): Promise<number>;
  /** Writes a finished run's model results where the project's runbooks read them, if they do. */
  recordRun?(run: FinishedRun, warehouse: Warehouse): Promise<void>;
  /** The finished runs the project's record keeps (the nights before this server started, and the runs since). */
  recordedRuns?(warehouse: Warehouse): Promise<readonly FinishedRun[]>;
}

export interface FinishedRun {
  readonly jobName: string;
  readonly runId: number;
  readonly cause: string;
  readonly dataDay: string;
  /** The run's target (target_name_override), else prod. */
  readonly target: string;
  /** Warehouse times (local wall time) of the run's start and end. */
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Per model built, in order; `step` is the run step (one dbt invocation, `invocation`) that built it. */
  readonly models: readonly { readonly step: number; readonly invocation: string; readonly model: string; readonly status: string; readonly startedAt: string; readonly finishedAt: string; readonly message: string }[];
  readonly tests: readonly { readonly step: number; readonly test: DemoTest; readonly status: string; readonly failures: number | null; readonly executedAt: string; readonly executionTime: number }[];
}

/** The project's models a model's SQL reads (`schema.model`), in the project's order. */
function refsOf(sql: string, models: readonly string[], self: string): string[] {
  return models.filter((m) => m !== self && new RegExp(`\\b\\w+\\.${m}\\b`).test(sql));
}

export const ECOMM_PROJECT: DemoDbtProject = {
  name: 'ecomm',
  models: [...MODELS],
  relation: (m) => `ecomm_metrics.${m}`,
  materialization: () => 'table',
  parents: () => [],
  tags: { daily: [...MODELS] },
  async build(model, request) {
    await request.warehouse.query(BUILD[model as (typeof MODELS)[number]], { x: request.dataDay, now: request.now });
  },
  tests: async () => [],
  runTest: () => Promise.reject(new Error('the ecommerce project has no tests')),
  /**
   * ecomm_ops.dbt_runs is dbt Cloud's own record of DailyRefresh (one row per run and model, the seeded nights
   * included): every run is appended, so the demo dbt Cloud serves its run history from it after a restart. A
   * run of the whole job is also the night's `dbt` stage in the pipeline's run history (its only writer).
   */
  async recordRun(run, warehouse) {
    await warehouse.query(`DELETE FROM ecomm_ops.dbt_runs WHERE run_id = :run`, { run: run.runId });
    for (const m of run.models) {
      await warehouse.query(
        `INSERT INTO ecomm_ops.dbt_runs (job_name, run_id, execution_date, trigger, model_name, started_at, finished_at, status, run_started_at, run_finished_at, step_index, invocation, message)
         VALUES (:job, :run, CAST(:x AS DATE), :cause, :model, CAST(:started AS TIMESTAMP), CAST(:finished AS TIMESTAMP), :status,
           CAST(:runStarted AS TIMESTAMP), CAST(:runFinished AS TIMESTAMP), :step, :invocation, :message)`,
        {
          job: run.jobName, run: run.runId, x: run.dataDay, cause: run.cause.slice(0, 255), model: m.model, started: m.startedAt, finished: m.finishedAt, status: m.status,
          runStarted: run.startedAt, runFinished: run.finishedAt, step: m.step, invocation: m.invocation, message: m.message.slice(0, 1000),
        },
      );
    }
    // A selective re-run of one model is not the night's stage; a run of every model is, whether it passed or not.
    if (!MODELS.every((name) => run.models.some((m) => m.model === name))) return;
    await warehouse.query(
      `UPDATE ecomm_ops.pipeline_runs SET run_id = :run, started_at = CAST(:start AS TIMESTAMP), finished_at = CAST(:end AS TIMESTAMP),
              duration_min = CAST(round((epoch(CAST(:end AS TIMESTAMP)) - epoch(CAST(:start AS TIMESTAMP))) / 60.0, 1) AS DECIMAL(8, 1)),
              status = :status, attempts = attempts + 1
       WHERE execution_date = CAST(:x AS DATE) AND stage = 'dbt'`,
      { x: run.dataDay, run: String(run.runId), start: run.startedAt, end: run.finishedAt, status: run.models.some((m) => m.status === 'error') ? 'failed' : 'success' },
    );
  },
  async recordedRuns(warehouse) {
    const rows = await warehouse.query(
      `SELECT job_name, CAST(run_id AS BIGINT) AS run_id, CAST(execution_date AS VARCHAR) AS data_day, trigger, model_name, status, message, step_index, invocation,
              strftime(started_at, '%Y-%m-%d %H:%M:%S') AS started_at, strftime(finished_at, '%Y-%m-%d %H:%M:%S') AS finished_at,
              strftime(run_started_at, '%Y-%m-%d %H:%M:%S') AS run_started_at, strftime(run_finished_at, '%Y-%m-%d %H:%M:%S') AS run_finished_at
       FROM ecomm_ops.dbt_runs ORDER BY run_id, step_index, started_at`,
    );
    const runs = new Map<number, { run: Omit<FinishedRun, 'models'>; models: FinishedRun['models'][number][] }>();
    for (const r of rows) {
      const id = Number(r.run_id);
      let entry = runs.get(id);
      if (!entry) {
        entry = {
          run: { jobName: String(r.job_name), runId: id, cause: String(r.trigger), dataDay: String(r.data_day), target: 'prod', startedAt: String(r.run_started_at), finishedAt: String(r.run_finished_at), tests: [] },
          models: [],
        };
        runs.set(id, entry);
      }
      entry.models.push({
        step: Number(r.step_index), invocation: String(r.invocation), model: String(r.model_name), status: String(r.status), startedAt: String(r.started_at), finishedAt: String(r.finished_at),
        message: r.message === null ? '' : String(r.message),
      });
    }
    return [...runs.values()].map((e) => ({ ...e.run, models: e.models }));
  },
};

const RETAIL_NAMES = RETAIL_BUILD_ORDER.map((m) => m.name);
const retailModel = (name: string) => RETAIL_BUILD_ORDER.find((m) => m.name === name)!;

/** A backfill's range from `--vars '{"start_date": …, "end_date": …}'`; both or neither. */
export function rangeOf(vars: Readonly<Record<string, unknown>>): BuildRange | undefined {
  const date = (v: unknown) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : null);
  const start = date(vars.start_date);
  const end = date(vars.end_date);
  if (vars.start_date === undefined && vars.end_date === undefined) return undefined;
  if (!start || !end) throw new Error(`--vars start_date and end_date must both be dates (YYYY-MM-DD); got ${JSON.stringify(vars)}`);
  if (start > end) throw new Error(`--vars start_date ${start} is after end_date ${end}`);
  return { start, end };
}

export const RETAIL_PROJECT: DemoDbtProject = {
  name: 'retail',
  models: RETAIL_NAMES,
  relation: (m) => `${retailModel(m).layer === 'staging' ? 'retail_silver' : 'retail_gold'}.${m}`,
  materialization: (m) => retailModel(m).materialization,
  parents: (m) => refsOf(retailModel(m).select ?? '', RETAIL_NAMES, m),
  tags: { staging: RETAIL_NAMES.filter((m) => retailModel(m).layer === 'staging'), facts: RETAIL_NAMES.filter((m) => retailModel(m).layer === 'facts') },
  async build(model, request) {
    const m = retailModel(model);
    // A staging view is built as deployed; dbt still fails on one that no longer compiles against its source.
    if (m.layer === 'staging') await request.warehouse.query(`SELECT * FROM retail_silver.${m.name} LIMIT 0`);
    // --full-refresh rebuilds every day, so a range applies only without it.
    const range = request.fullRefresh ? undefined : rangeOf(request.vars);
    await buildRetailModel((text, binds) => request.warehouse.query(text, binds), m, request.now, range);
  },
  async tests(warehouse) {
    // The project's test definitions are the ones its artifacts record (name, model, column, severity).
    const rows = await warehouse.query(`SELECT DISTINCT test_name, model_name, column_name, test_type, severity FROM retail_ops.dbt_test_results ORDER BY test_name`);
    const byName = new Map<string, DemoTest>();
    for (const r of rows) {
      const name = String(r.test_name);
      const sql = RETAIL_TESTS[name];
      if (!sql || byName.has(name)) continue;
      // A relationships test reads both models; a singular test every model its SQL names.
      const models = new Set([String(r.model_name), ...refsOf(sql, RETAIL_NAMES, String(r.model_name)), ...RETAIL_NAMES.filter((m) => name.endsWith(`__${m}`))]);
      byName.set(name, { name, models: [...models], severity: r.severity === 'warn' ? 'warn' : 'error', columnName: r.column_name === null ? null : String(r.column_name), model: String(r.model_name), type: String(r.test_type) });
    }
    return [...byName.values()];
  },
  async runTest(name, warehouse) {
    const sql = RETAIL_TESTS[name];
    if (!sql) throw new Error(`no test ${name}`);
    return Number(Object.values((await warehouse.query(sql))[0]!)[0]);
  },
  /**
   * retail_ops.dbt_run_results and dbt_test_results are the retail runbooks' record of every dbt invocation: a
   * run here writes them as the Airflow DAG's dbt tasks do (the same writer), one invocation per run step, for
   * the batch landed today, so a repair from a dbt Cloud block is what the checks then read.
   */
  async recordRun(run, warehouse) {
    const sql = (text: string, binds?: Readonly<Record<string, string | number>>) => warehouse.query(text, binds);
    const batchDate = run.startedAt.slice(0, 10);
    const invocationOf = (step: number): RecordedInvocation => ({ key: `dbt-cloud|${run.runId}|${step}`, dagId: null, runId: String(run.runId), taskId: run.jobName, batchDate, target: run.target });
    // A demo restarted numbers its runs from the start again: a reused run id replaces that invocation's rows.
    for (const step of new Set(run.models.map((m) => m.step))) await clearInvocation(sql, invocationOf(step), 'models');
    for (const step of new Set(run.tests.map((t) => t.step))) await clearInvocation(sql, invocationOf(step), 'tests');
    for (const m of run.models) {
      const status = m.status === 'success' || m.status === 'error' ? m.status : 'skipped';
      await recordModelResult(sql, invocationOf(m.step), { model: retailModel(m.model), status, startedAt: m.startedAt, completedAt: m.finishedAt, message: status === 'error' ? `Database Error in model ${m.model}: ${m.message}` : m.message });
    }
    for (const t of run.tests) {
      const status = t.status === 'pass' || t.status === 'warn' || t.status === 'fail' ? t.status : 'error';
      await recordTestResult(sql, invocationOf(t.step), {
        name: t.test.name, model: t.test.model, column: t.test.columnName, type: t.test.type, status, failures: t.failures, severity: t.test.severity, executedAt: t.executedAt, executionTimeS: t.executionTime,
      });
    }
  },
};

/** The models a dbt step selects in a project (`--select`/`-s`/`-m`; names, `model+`, `+model`, `tag:…`), in build order. */
export function selectModels(project: DemoDbtProject, selectors: readonly string[] | null): string[] {
  if (selectors === null) return [...project.models];
  const children = (m: string) => project.models.filter((c) => project.parents(c).includes(m));
  const chosen = new Set<string>();
  const walk = (m: string, next: (m: string) => readonly string[]) => {
    for (const n of next(m)) if (!chosen.has(n)) (chosen.add(n), walk(n, next));
  };
  for (const raw of selectors) {
    const down = raw.endsWith('+');
    const up = raw.startsWith('+');
    const name = raw.replace(/^\+/, '').replace(/\+$/, '');
    const tag = /^tag:(.+)$/.exec(name);
    const named = tag ? (project.tags[tag[1]!] ?? []) : project.models.filter((m) => m === name || project.relation(m) === name || `${project.name}.${m}` === name);
    for (const m of named) {
      chosen.add(m);
      if (down) walk(m, children);
      if (up) walk(m, project.parents);
    }
  }
  return project.models.filter((m) => chosen.has(m));
}

/** One dbt step as the demo runs it: the command, the models it selects and its flags. */
export interface DbtInvocation {
  readonly command: 'run' | 'test' | 'build' | 'other';
  readonly models: readonly string[];
  readonly fullRefresh: boolean;
  readonly vars: Readonly<Record<string, unknown>>;
}

/** Reads a step (`dbt run --select fact_orders+ --full-refresh --vars '{…}'`) as the project's dbt would. */
export function parseStep(project: DemoDbtProject, step: string): DbtInvocation {
  const words: string[] = [];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(step))) words.push(m[1] ?? m[2]?.replace(/\\(.)/g, '$1') ?? m[3]!);
  const command = words[1] === 'run' || words[1] === 'test' || words[1] === 'build' ? words[1] : 'other';
  let selectors: string[] | null = null;
  let vars: Record<string, unknown> = {};
  for (let i = 2; i < words.length; i++) {
    const w = words[i]!;
    if (['--select', '-s', '-m', '--models', '--model'].includes(w)) {
      selectors = [];
      while (words[i + 1] !== undefined && !words[i + 1]!.startsWith('-')) selectors.push(...words[++i]!.split(/\s+/).filter(Boolean));
    } else if (w === '--vars') {
      // dbt reads --vars as YAML (JSON is YAML too): '{"start_date": "2026-12-01"}' or "{start_date: 2026-12-01}".
      const parsed = parseYaml(words[++i] ?? '{}') as unknown;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('--vars must be a mapping');
      vars = parsed as Record<string, unknown>;
    }
  }
  return { command, models: command === 'other' ? [] : selectModels(project, selectors), fullRefresh: words.includes('--full-refresh'), vars };
}
