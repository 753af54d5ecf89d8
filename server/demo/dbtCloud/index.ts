/**
 * The demo's dbt Cloud: the Administrative API v2 endpoints dbt-cloud blocks use, at this server's own
 * /demo/dbt-cloud, with the ecommerce project's job DailyRefresh and the retail warehouse's jobs retail_daily
 * and retail_adhoc. Runs really build the demo warehouse's tables (the dbt models as SQL on DuckDB, the same
 * SQL the Airflow sandbox's DAGs run) and `dbt test` really counts each test's failing rows, step by step, with
 * dbt-like logs and a run_results.json at the end. A model with a training fault errors until it is cleared.
 * A project that records its runs in the warehouse (ecommerce: ecomm_ops.dbt_runs) has its run history served
 * from that record too, so the nights before this server started, and runs made before a restart, are listed.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import type { ConnectorRegistry } from '../../connectors/registry';
import type { Faults } from '../airflow/faults';
import { createWarehouse, warehouseTime, type Warehouse } from '../airflow/warehouse';
import { ECOMM_PROJECT, parseStep, RETAIL_PROJECT, type DbtInvocation, type DemoDbtProject, type DemoJob, type DemoTest, type FinishedRun } from './projects';

const jobData = (j: DemoJob) => ({ id: j.id, account_id: 1, name: j.name, execute_steps: j.execute_steps, environment_id: 1 });

const ACCOUNT = 1;
/** The orderings dbt Cloud's List Runs accepts (each also descending with a leading `-`). */
const ORDER_KEYS = new Set(['id', 'created_at', 'finished_at']);
const STATUS_TEXT: Record<number, string> = { 1: 'Queued', 2: 'Starting', 3: 'Running', 10: 'Success', 20: 'Error', 30: 'Cancelled' };

interface Step {
  readonly index: number;
  readonly name: string;
  status: number;
  logs: string;
  startedAt: string | null;
  finishedAt: string | null;
}

interface RunResultRow {
  /** Warehouse times of the node's build, for the project's own record (not in run_results.json). */
  startedAt?: string;
  finishedAt?: string;
  unique_id: string;
  status: string;
  execution_time: number;
  message: string;
  failures: number | null;
  /** The run step (one dbt invocation) that produced it, and for a test its definition: the project's record. */
  step?: number;
  test?: DemoTest;
}

interface Run {
  readonly id: number;
  readonly jobId: number;
  readonly cause: string;
  /** target_name_override, when the trigger gave one. */
  readonly target: string | null;
  readonly createdAt: string;
  status: number;
  startedAt: string | null;
  finishedAt: string | null;
  message: string | null;
  readonly steps: Step[];
  results: RunResultRow[] | null;
}

const JOBS: readonly DemoJob[] = [
  { id: 70403103, name: 'DailyRefresh', execute_steps: ['dbt run --select agg_sales_kpi agg_product_kpi agg_customer_kpi'], project: ECOMM_PROJECT },
  // The retail warehouse's nightly build as a dbt Cloud job, and the job its runbooks run single models and backfills with.
  { id: 70403201, name: 'retail_daily', execute_steps: ['dbt run', 'dbt test'], project: RETAIL_PROJECT },
  { id: 70403202, name: 'retail_adhoc', execute_steps: ['dbt run --select mart_daily_sales'], project: RETAIL_PROJECT },
];

/** A warehouse time (local wall time, as `warehouseTime` writes it) as the API's ISO time. */
const isoOf = (text: string): string => new Date(text.replace(' ', 'T')).toISOString();

/** One recorded invocation's log, in the words dbt printed it (the record keeps each model's outcome and message). */
function recordedLog(project: DemoDbtProject, models: FinishedRun['models']): string {
  let logs = `Running with dbt=1.9.0\nFound ${project.models.length} models, ${models.length} selected\n`;
  for (const [i, m] of models.entries()) {
    const n = `${i + 1} of ${models.length}`;
    const what = `${project.materialization(m.model)} model ${project.relation(m.model)}`;
    const took = Math.max(0, (Date.parse(isoOf(m.finishedAt)) - Date.parse(isoOf(m.startedAt))) / 1000);
    if (m.status === 'skipped') logs += `${n} SKIP relation ${project.relation(m.model)} ... [SKIP]\n`;
    else if (m.status === 'error') logs += `${n} START sql ${what} ... [RUN]\n${n} ERROR creating sql ${what} ... [ERROR]\nDatabase Error in model ${m.model}\n  ${m.message}\n`;
    else logs += `${n} START sql ${what} ... [RUN]\n${n} OK created sql ${what} ... [OK in ${took.toFixed(2)}s]\n`;
  }
  const count = (s: string) => models.filter((m) => m.status === s).length;
  const bad = count('error');
  return `${logs}${bad ? `Completed with ${bad} error${bad > 1 ? 's' : ''}` : 'Completed successfully'}\nDone. PASS=${count('success')} WARN=0 ERROR=${bad} SKIP=${count('skipped')} TOTAL=${models.length}\n`;
}

/** A run of the project's record as dbt Cloud shows it: its steps (one per recorded dbt invocation) and results. */
function fromRecord(rec: FinishedRun, job: DemoJob): Run {
  const startedAt = isoOf(rec.startedAt);
  const finishedAt = isoOf(rec.finishedAt);
  const invocations = [...new Map(rec.models.map((m) => [m.step, m.invocation])).entries()].sort(([a], [b]) => a - b);
  const failed = rec.models.some((m) => m.status === 'error');
  const setup = ['Clone git repository', 'Create profile from connection'].map((name, i) => ({ index: i + 1, name, status: 10, logs: `${name}: done\n`, startedAt, finishedAt: startedAt }));
  const steps = invocations.map(([step, invocation], i) => {
    const models = rec.models.filter((m) => m.step === step);
    return {
      index: i + 3, name: `Invoke ${invocation}`, status: models.some((m) => m.status === 'error') ? 20 : 10, logs: recordedLog(job.project, models),
      startedAt: isoOf(models[0]!.startedAt), finishedAt: isoOf(models.at(-1)!.finishedAt),
    };
  });
  return {
    id: rec.runId, jobId: job.id, cause: rec.cause, target: rec.target === 'prod' ? null : rec.target, createdAt: startedAt, status: failed ? 20 : 10, startedAt, finishedAt,
    message: failed ? 'Database Error in a model: see the step log' : null, steps: [...setup, ...steps],
    results: rec.models.map((m) => ({
      unique_id: `model.${job.project.name}.${m.model}`, status: m.status, message: m.message, failures: null,
      execution_time: Math.max(0, (Date.parse(isoOf(m.finishedAt)) - Date.parse(isoOf(m.startedAt))) / 1000),
    })),
  };
}

/** The models a step builds in a project (none for `dbt test` and other commands). */
export function selectedModels(step: string, project: DemoDbtProject = ECOMM_PROJECT): string[] {
  const invocation = parseStep(project, step);
  return invocation.command === 'run' || invocation.command === 'build' ? [...invocation.models] : [];
}

export interface DemoDbtCloudDeps {
  readonly connectors: ConnectorRegistry;
  readonly env: string;
  readonly now?: () => Date;
  readonly log: (m: string) => void;
  /** The training faults of the demo's Airflow sandbox: a model with a fault errors in every run here. */
  readonly faults?: () => Faults | null;
}

export interface DemoDbtCloud {
  readonly router: express.Router;
  endpoint(server: http.Server): { url: string; accountId: number; token: string };
}

export function demoDbtCloud(deps: DemoDbtCloudDeps): DemoDbtCloud {
  const token = `dbtc_demo_${randomBytes(12).toString('hex')}`;
  const now = deps.now ?? (() => new Date());
  const runs = new Map<number, Run>();
  let nextId = 900_001;
  let unrecorded = false;

  /** The runs the projects' records keep, as dbt Cloud shows them; a record that cannot be read is said once in the log. */
  async function recorded(): Promise<Run[]> {
    const out: Run[] = [];
    for (const project of new Set(JOBS.map((j) => j.project))) {
      if (!project.recordedRuns) continue;
      let recs: readonly FinishedRun[];
      try {
        recs = await project.recordedRuns(createWarehouse(deps.connectors, deps.env, 'warehouse'));
      } catch (error) {
        if (!unrecorded) deps.log(`demo dbt Cloud: no recorded run history of project ${project.name} (${(error as Error).message.split('\n')[0]})`);
        unrecorded = true;
        continue;
      }
      for (const rec of recs) {
        const job = JOBS.find((j) => j.project === project && j.name === rec.jobName);
        if (job) out.push(fromRecord(rec, job));
      }
    }
    return out;
  }

  /** Every run: the record's, and this server's in memory (which win on the same id: they carry the live detail). */
  async function allRuns(): Promise<Map<number, Run>> {
    const all = new Map<number, Run>((await recorded()).map((r) => [r.id, r]));
    for (const [id, run] of runs) all.set(id, run);
    return all;
  }
  const router = express.Router();
  router.use(express.json({ limit: '64kb' }));

  const envelope = (code: number, data: unknown, extra?: unknown) => ({ status: { code, is_success: code < 400, user_message: code < 400 ? 'Success!' : code === 401 ? 'Invalid token.' : 'The requested resource was not found.', developer_message: '' }, data, ...(extra ? { extra } : {}) });
  const runData = (r: Run, related: string) => ({
    id: r.id, account_id: ACCOUNT, project_id: 1, environment_id: 1, job_definition_id: r.jobId, status: r.status, status_humanized: STATUS_TEXT[r.status],
    status_message: r.message, git_sha: 'demo', created_at: r.createdAt, started_at: r.startedAt, finished_at: r.finishedAt,
    job_id: r.jobId, trigger_id: r.id, in_progress: r.status < 10, is_complete: r.status >= 10, is_success: r.status === 10, is_error: r.status === 20, is_cancelled: r.status === 30,
    duration_humanized: r.finishedAt && r.startedAt ? `${Math.max(1, Math.round((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000))} seconds` : null,
    href: null,
    ...(related.includes('trigger') ? { trigger: { id: r.id, cause: r.cause, job_definition_id: r.jobId, git_branch: null, git_sha: null, schema_override: null, target_name_override: r.target, steps_override: null, created_at: r.createdAt } } : {}),
    ...(related.includes('run_steps') ? { run_steps: r.steps.map((s) => ({ index: s.index, name: s.name, status: s.status, status_humanized: STATUS_TEXT[s.status], logs: s.logs, started_at: s.startedAt, finished_at: s.finishedAt })) } : {}),
  });

  router.use((req, res, next) => {
    const auth = req.headers.authorization ?? '';
    if (auth !== `Bearer ${token}` && auth !== `Token ${token}`) return void res.status(401).json(envelope(401, null));
    next();
  });
  const base = `/api/v2/accounts/${ACCOUNT}`;
  router.get(`${base}/jobs/`, (req, res) => {
    const offset = Number(req.query.offset ?? 0);
    const page = JOBS.slice(offset, offset + Number(req.query.limit ?? 100));
    res.json(envelope(200, page.map(jobData), { pagination: { count: page.length, total_count: JOBS.length } }));
  });
  router.get(`${base}/jobs/:id/`, (req, res) => {
    const job = JOBS.find((j) => j.id === Number(req.params.id));
    return job ? void res.json(envelope(200, jobData(job))) : void res.status(404).json(envelope(404, null));
  });
  router.post(`${base}/jobs/:id/run/`, async (req: Request, res: Response) => {
    const job = JOBS.find((j) => j.id === Number(req.params.id));
    if (!job) return void res.status(404).json(envelope(404, null));
    const body = req.body as { cause?: unknown; steps_override?: unknown; target_name_override?: unknown };
    if (typeof body.cause !== 'string' || !body.cause) return void res.status(400).json(envelope(400, null));
    const steps = Array.isArray(body.steps_override) ? (body.steps_override as string[]) : job.execute_steps;
    // New ids above every recorded one: a restarted demo does not reuse the id of a run its record keeps.
    const highest = Math.max(0, ...(await recorded()).map((r) => r.id));
    nextId = Math.max(nextId, highest + 1);
    const run: Run = {
      id: nextId++, jobId: job.id, cause: body.cause, target: typeof body.target_name_override === 'string' ? body.target_name_override : null, createdAt: now().toISOString(), status: 1, startedAt: null, finishedAt: null, message: null, results: null,
      steps: ['Clone git repository', 'Create profile from connection', ...steps.map((s) => `Invoke ${s}`)].map((name, i) => ({ index: i + 1, name, status: 1, logs: '', startedAt: null, finishedAt: null })),
    };
    runs.set(run.id, run);
    void execute(run, job.project, steps).catch((error: unknown) => {
      // A run that broke ends in error, so a block following it is not left waiting.
      deps.log(`demo dbt Cloud: run ${run.id} broke: ${(error as Error).message}`);
      Object.assign(run, { status: 20, message: `The demo could not run the job: ${(error as Error).message}`, finishedAt: now().toISOString() });
    });
    res.json(envelope(200, runData(run, '')));
  });
  router.get(`${base}/runs/`, async (req, res) => {
    const jobId = req.query.job_definition_id ? Number(req.query.job_definition_id) : null;
    const order = String(req.query.order_by ?? 'id');
    const key = order.replace(/^-/, '');
    if (!ORDER_KEYS.has(key)) return void res.status(400).json(envelope(400, null));
    const field = (r: Run): number => (key === 'id' ? r.id : Date.parse((key === 'created_at' ? r.createdAt : r.finishedAt) ?? '9999-12-31T00:00:00Z'));
    const sign = order.startsWith('-') ? -1 : 1;
    const all = [...(await allRuns()).values()].filter((r) => jobId === null || r.jobId === jobId).sort((a, b) => sign * (field(a) - field(b) || a.id - b.id));
    const offset = Number(req.query.offset ?? 0);
    const page = all.slice(offset, offset + Number(req.query.limit ?? 100));
    res.json(envelope(200, page.map((r) => runData(r, String(req.query.include_related ?? ''))), { filters: { limit: Number(req.query.limit ?? 100), offset, order_by: order }, pagination: { count: page.length, total_count: all.length } }));
  });
  router.get(`${base}/runs/:id/`, async (req, res) => {
    const run = (await allRuns()).get(Number(req.params.id));
    return run ? void res.json(envelope(200, runData(run, String(req.query.include_related ?? '')))) : void res.status(404).json(envelope(404, null));
  });
  router.get(`${base}/runs/:id/artifacts/run_results.json`, async (req, res) => {
    const run = (await allRuns()).get(Number(req.params.id));
    if (!run?.results) return void res.status(404).json(envelope(404, null));
    res.json({ metadata: { dbt_schema_version: 'https://schemas.getdbt.com/dbt/run-results/v6.json' }, results: run.results.map(({ startedAt: _s, finishedAt: _f, step: _n, test: _t, ...r }) => r), elapsed_time: 0, args: {} });
  });

  /** Runs the steps in order; a model that fails fails its step and the run, and skips what follows. */
  async function execute(run: Run, project: DemoDbtProject, steps: readonly string[]): Promise<void> {
    run.status = 3;
    run.startedAt = now().toISOString();
    const warehouse = createWarehouse(deps.connectors, deps.env, 'warehouse');
    // The data day the ecommerce models are built for: yesterday in the pipeline's zone (ICT).
    const dataDay = new Date(now().getTime() + 7 * 3600_000 - 86_400_000).toISOString().slice(0, 10);
    const results: RunResultRow[] = [];
    let failed = false;
    for (const step of run.steps) {
      step.startedAt = now().toISOString();
      step.status = 3;
      const dbt = step.index > 2 ? steps[step.index - 3]! : null;
      if (failed) {
        step.status = 20;
        step.logs = 'Skipped: an earlier step failed.\n';
      } else if (!dbt) {
        step.logs = `${step.name}: done\n`;
        step.status = 10;
      } else {
        const outcome = await invoke(project, dbt, { warehouse, dataDay, now: warehouseTime(now()) });
        // Said in every step that asked for a target, so no one reads a dev run on the demo as leaving production alone.
        step.logs = `${run.target ? `Target ${run.target}: the demo has one warehouse, so every target builds the same tables.\n` : ''}${outcome.logs}`;
        results.push(...outcome.results.map((r) => ({ ...r, step: step.index })));
        failed = outcome.failed;
        step.status = failed ? 20 : 10;
      }
      step.finishedAt = now().toISOString();
    }
    run.results = results;
    const models = results.filter((r) => r.unique_id.startsWith('model.'));
    const tests = results.filter((r) => r.test);
    // A record that cannot be written is the demo's problem, not the run's: said in the server log.
    let recorded = false;
    if (project.recordRun && (models.length || tests.length)) {
      const at = warehouseTime(now());
      recorded = await project.recordRun({
        jobName: JOBS.find((j) => j.id === run.jobId)!.name, runId: run.id, cause: run.cause, dataDay, target: run.target ?? 'prod', startedAt: warehouseTime(new Date(run.startedAt!)), finishedAt: at,
        models: models.map((r) => ({ step: r.step ?? 0, invocation: steps[(r.step ?? 3) - 3] ?? '', model: r.unique_id.split('.').at(-1)!, status: r.status, startedAt: r.startedAt ?? at, finishedAt: r.finishedAt ?? at, message: r.message })),
        tests: tests.map((r) => ({ step: r.step ?? 0, test: r.test!, status: r.status, failures: r.failures, executedAt: r.finishedAt ?? at, executionTime: r.execution_time })),
      }, warehouse).then(() => true, (error: unknown) => {
        deps.log(`demo dbt Cloud: run ${run.id} could not be recorded in the warehouse: ${(error as Error).message}`);
        return false;
      });
    }
    run.status = failed ? 20 : 10;
    run.message = failed ? (results.some((r) => r.status === 'fail') ? 'A test failed: see the step log' : 'Database Error in a model: see the step log') : null;
    run.finishedAt = now().toISOString();
    // Once in a record that serves the history, the record is the run: what restores the record (a training
    // scenario put back) restores dbt Cloud's history with it.
    if (recorded && project.recordedRuns) runs.delete(run.id);
  }

  /** One dbt command: its models built in order (the first error skips what depends on it), then its tests. */
  async function invoke(project: DemoDbtProject, dbt: string, at: { warehouse: Warehouse; dataDay: string; now: string }): Promise<{ logs: string; results: RunResultRow[]; failed: boolean }> {
    let logs = 'Running with dbt=1.9.0\n';
    const results: RunResultRow[] = [];
    let invocation: DbtInvocation;
    try {
      invocation = parseStep(project, dbt);
    } catch (error) {
      return { logs: `${logs}Encountered an error:\n  ${(error as Error).message}\n`, results, failed: true };
    }
    const { command, models } = invocation;
    const errored = new Set<string>();
    if (command === 'run' || command === 'build') {
      logs += `Found ${project.models.length} models, ${models.length} selected\n`;
      for (const [i, model] of models.entries()) {
        const n = `${i + 1} of ${models.length}`;
        const what = `${project.materialization(model)} model ${project.relation(model)}`;
        if (project.parents(model).some((p) => errored.has(p))) {
          errored.add(model);
          logs += `${n} SKIP relation ${project.relation(model)} ... [SKIP]\n`;
          results.push({ unique_id: `model.${project.name}.${model}`, status: 'skipped', execution_time: 0, message: 'Skipped: an upstream model failed', failures: null });
          continue;
        }
        logs += `${n} START sql ${what} ... [RUN]\n`;
        const t0 = performance.now();
        const startedAt = warehouseTime(now());
        try {
          const fault = deps.faults?.()?.modelFault(model);
          if (fault) throw new Error(fault);
          await project.build(model, { warehouse: at.warehouse, now: at.now, dataDay: at.dataDay, fullRefresh: invocation.fullRefresh, vars: invocation.vars });
          const took = (performance.now() - t0) / 1000;
          logs += `${n} OK created sql ${what} ... [OK in ${took.toFixed(2)}s]\n`;
          results.push({ unique_id: `model.${project.name}.${model}`, status: 'success', execution_time: took, message: 'OK', failures: null, startedAt, finishedAt: warehouseTime(now()) });
        } catch (error) {
          const message = (error as Error).message.split('\n')[0]!;
          errored.add(model);
          logs += `${n} ERROR creating sql ${what} ... [ERROR]\nDatabase Error in model ${model}\n  ${message}\n`;
          results.push({ unique_id: `model.${project.name}.${model}`, status: 'error', execution_time: (performance.now() - t0) / 1000, message, failures: null, startedAt, finishedAt: warehouseTime(now()) });
        }
      }
    }
    if (command === 'test' || command === 'build') {
      const selected = new Set(models);
      const tests = (await project.tests(at.warehouse)).filter((t) => t.models.some((m) => selected.has(m)));
      logs += `Found ${tests.length} tests selected\n`;
      for (const [i, test] of tests.entries()) {
        const n = `${i + 1} of ${tests.length}`;
        const t0 = performance.now();
        let failures: number;
        try {
          failures = await project.runTest(test.name, at.warehouse);
        } catch (error) {
          logs += `${n} ERROR ${test.name} ... [ERROR]\n  ${(error as Error).message.split('\n')[0]!}\n`;
          results.push({ unique_id: `test.${project.name}.${test.name}`, status: 'error', execution_time: (performance.now() - t0) / 1000, message: (error as Error).message, failures: null, test, finishedAt: warehouseTime(now()) });
          continue;
        }
        const status = failures === 0 ? 'pass' : test.severity === 'warn' ? 'warn' : 'fail';
        logs += `${n} ${status.toUpperCase()}${failures ? ` ${failures}` : ''} ${test.name} ... [${status.toUpperCase()}${failures ? ` ${failures}` : ''} in ${((performance.now() - t0) / 1000).toFixed(2)}s]\n`;
        results.push({ unique_id: `test.${project.name}.${test.name}`, status, execution_time: (performance.now() - t0) / 1000, message: failures ? `Got ${failures} result${failures > 1 ? 's' : ''}, configured to ${status === 'warn' ? 'warn' : 'fail'} if != 0` : 'PASS', failures, test, finishedAt: warehouseTime(now()) });
      }
    }
    const count = (s: string[]) => results.filter((r) => s.includes(r.status)).length;
    const bad = count(['error', 'fail']);
    logs += `${bad ? `Completed with ${bad} error${bad > 1 ? 's' : ''}` : 'Completed successfully'}\nDone. PASS=${count(['success', 'pass'])} WARN=${count(['warn'])} ERROR=${bad} SKIP=${count(['skipped'])} TOTAL=${results.length}\n`;
    return { logs, results, failed: bad > 0 };
  }

  return {
    router,
    endpoint(server) {
      const port = (server.address() as AddressInfo | null)?.port;
      if (!port) throw new Error('the server is not listening yet');
      return { url: `http://127.0.0.1:${port}/demo/dbt-cloud`, accountId: ACCOUNT, token };
    },
  };
}
