/**
 * The demo's dbt Cloud: the Administrative API v2 endpoints dbt-cloud blocks use, at this server's own
 * /demo/dbt-cloud, with the ecommerce project's job DailyRefresh and the retail warehouse's jobs retail_daily
 * and retail_adhoc. Runs really build the demo warehouse's tables (the dbt models as SQL on DuckDB, the same
 * SQL the Airflow sandbox's DAGs run) and `dbt test` really counts each test's failing rows, step by step, with
 * dbt-like logs and a run_results.json at the end. A model with a training fault errors until it is cleared.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import type { ConnectorRegistry } from '../../connectors/registry';
import type { Faults } from '../airflow/faults';
import { createWarehouse, warehouseTime, type Warehouse } from '../airflow/warehouse';
import { ECOMM_PROJECT, parseStep, RETAIL_PROJECT, type DbtInvocation, type DemoDbtProject, type DemoJob, type DemoTest } from './projects';

const jobData = (j: DemoJob) => ({ id: j.id, account_id: 1, name: j.name, execute_steps: j.execute_steps, environment_id: 1 });

const ACCOUNT = 1;
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
  const router = express.Router();
  router.use(express.json({ limit: '64kb' }));

  const envelope = (code: number, data: unknown, extra?: unknown) => ({ status: { code, is_success: code < 400, user_message: code < 400 ? 'Success!' : code === 401 ? 'Invalid token.' : 'The requested resource was not found.', developer_message: '' }, data, ...(extra ? { extra } : {}) });
  const runData = (r: Run, related: string) => ({
    id: r.id, account_id: ACCOUNT, project_id: 1, environment_id: 1, job_definition_id: r.jobId, status: r.status, status_humanized: STATUS_TEXT[r.status],
    status_message: r.message, git_sha: 'demo', created_at: r.createdAt, started_at: r.startedAt, finished_at: r.finishedAt,
    is_complete: r.status >= 10, is_success: r.status === 10, is_error: r.status === 20,
    duration_humanized: r.finishedAt && r.startedAt ? `${Math.max(1, Math.round((Date.parse(r.finishedAt) - Date.parse(r.startedAt)) / 1000))} seconds` : null,
    href: null,
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
  router.post(`${base}/jobs/:id/run/`, (req: Request, res: Response) => {
    const job = JOBS.find((j) => j.id === Number(req.params.id));
    if (!job) return void res.status(404).json(envelope(404, null));
    const body = req.body as { cause?: unknown; steps_override?: unknown; target_name_override?: unknown };
    if (typeof body.cause !== 'string' || !body.cause) return void res.status(400).json(envelope(400, null));
    const steps = Array.isArray(body.steps_override) ? (body.steps_override as string[]) : job.execute_steps;
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
  router.get(`${base}/runs/`, (req, res) => {
    const jobId = req.query.job_definition_id ? Number(req.query.job_definition_id) : null;
    const all = [...runs.values()].filter((r) => jobId === null || r.jobId === jobId).sort((a, b) => b.id - a.id);
    const offset = Number(req.query.offset ?? 0);
    const page = all.slice(offset, offset + Number(req.query.limit ?? 100));
    res.json(envelope(200, page.map((r) => runData(r, String(req.query.include_related ?? ''))), { pagination: { count: page.length, total_count: all.length } }));
  });
  router.get(`${base}/runs/:id/`, (req, res) => {
    const run = runs.get(Number(req.params.id));
    return run ? void res.json(envelope(200, runData(run, String(req.query.include_related ?? '')))) : void res.status(404).json(envelope(404, null));
  });
  router.get(`${base}/runs/:id/artifacts/run_results.json`, (req, res) => {
    const run = runs.get(Number(req.params.id));
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
    if (project.recordRun && (models.length || tests.length)) {
      const at = warehouseTime(now());
      await project.recordRun({
        jobName: JOBS.find((j) => j.id === run.jobId)!.name, runId: run.id, cause: run.cause, dataDay, target: run.target ?? 'prod', startedAt: warehouseTime(new Date(run.startedAt!)), finishedAt: at,
        models: models.map((r) => ({ step: r.step ?? 0, model: r.unique_id.split('.').at(-1)!, status: r.status, startedAt: r.startedAt ?? at, finishedAt: r.finishedAt ?? at, message: r.message })),
        tests: tests.map((r) => ({ step: r.step ?? 0, test: r.test!, status: r.status, failures: r.failures, executedAt: r.finishedAt ?? at, executionTime: r.execution_time })),
      }, warehouse).catch((error: unknown) => deps.log(`demo dbt Cloud: run ${run.id} could not be recorded in the warehouse: ${(error as Error).message}`));
    }
    run.status = failed ? 20 : 10;
    run.message = failed ? (results.some((r) => r.status === 'fail') ? 'A test failed: see the step log' : 'Database Error in a model: see the step log') : null;
    run.finishedAt = now().toISOString();
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
