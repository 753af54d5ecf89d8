/**
 * The demo's dbt Cloud: the Administrative API v2 endpoints dbt-cloud blocks use, at this server's own
 * /demo/dbt-cloud, with the ecommerce project's job DailyRefresh. Its runs really rebuild the demo
 * warehouse's metric tables (the dbt models as SQL on DuckDB, the same SQL the Airflow sandbox's
 * ecomm_dbt_daily_refresh runs), step by step, with dbt-like logs and a run_results.json at the end.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import type { ConnectorRegistry } from '../../connectors/registry';
import { BUILD, MODELS } from '../airflow/dags/ecommerceServing';

type Model = (typeof MODELS)[number];

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

interface Run {
  readonly id: number;
  readonly jobId: number;
  readonly cause: string;
  readonly createdAt: string;
  status: number;
  startedAt: string | null;
  finishedAt: string | null;
  message: string | null;
  readonly steps: Step[];
  results: { unique_id: string; status: string; execution_time: number; message: string; failures: null }[] | null;
}

const JOBS = [{ id: 70403103, name: 'DailyRefresh', execute_steps: ['dbt run --select agg_sales_kpi agg_product_kpi agg_customer_kpi'] }];

/** Which of the project's models a step selects (`--select`/`-s`/`-m`, names or `tag:daily`); none for other commands. */
export function selectedModels(step: string): Model[] {
  const words = step.replace(/["']/g, '').split(/\s+/);
  if (words[1] !== 'run' && words[1] !== 'build') return [];
  const at = words.findIndex((w) => ['--select', '-s', '-m', '--models'].includes(w));
  if (at < 0) return [...MODELS];
  const selectors: string[] = [];
  for (const w of words.slice(at + 1)) {
    if (w.startsWith('-')) break;
    selectors.push(w.replace(/\+$/, '').replace(/^\+/, ''));
  }
  return MODELS.filter((m) => selectors.some((s) => s === m || s === 'tag:daily' || s === `metrics.${m}`));
}

export interface DemoDbtCloud {
  readonly router: express.Router;
  endpoint(server: http.Server): { url: string; accountId: number; token: string };
}

export function demoDbtCloud(deps: { connectors: ConnectorRegistry; env: string; now?: () => Date; log: (m: string) => void }): DemoDbtCloud {
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
    res.json(envelope(200, page, { pagination: { count: page.length, total_count: JOBS.length } }));
  });
  router.get(`${base}/jobs/:id/`, (req, res) => {
    const job = JOBS.find((j) => j.id === Number(req.params.id));
    return job ? void res.json(envelope(200, job)) : void res.status(404).json(envelope(404, null));
  });
  router.post(`${base}/jobs/:id/run/`, (req: Request, res: Response) => {
    const job = JOBS.find((j) => j.id === Number(req.params.id));
    if (!job) return void res.status(404).json(envelope(404, null));
    const body = req.body as { cause?: unknown; steps_override?: unknown };
    if (typeof body.cause !== 'string' || !body.cause) return void res.status(400).json(envelope(400, null));
    const steps = Array.isArray(body.steps_override) ? (body.steps_override as string[]) : job.execute_steps;
    const run: Run = {
      id: nextId++, jobId: job.id, cause: body.cause, createdAt: now().toISOString(), status: 1, startedAt: null, finishedAt: null, message: null, results: null,
      steps: ['Clone git repository', 'Create profile from connection', ...steps.map((s) => `Invoke ${s}`)].map((name, i) => ({ index: i + 1, name, status: 1, logs: '', startedAt: null, finishedAt: null })),
    };
    runs.set(run.id, run);
    void execute(run, steps).catch((error: unknown) => deps.log(`demo dbt Cloud: run ${run.id} broke: ${(error as Error).message}`));
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
    res.json({ metadata: { dbt_schema_version: 'https://schemas.getdbt.com/dbt/run-results/v6.json' }, results: run.results, elapsed_time: 0, args: {} });
  });

  /** Runs the steps in order; a model that fails fails its step and the run, and skips what follows. */
  async function execute(run: Run, steps: readonly string[]): Promise<void> {
    run.status = 3;
    run.startedAt = now().toISOString();
    const warehouse = await deps.connectors.get(deps.env, 'warehouse');
    // The data day the models are built for: yesterday in the pipeline's zone (ICT).
    const x = new Date(now().getTime() + 7 * 3600_000 - 86_400_000).toISOString().slice(0, 10);
    const results: NonNullable<Run['results']> = [];
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
        const models = selectedModels(dbt);
        step.logs = `Running with dbt=1.9.0\nFound ${MODELS.length} models, ${models.length} selected\n`;
        for (const [i, model] of models.entries()) {
          step.logs += `${i + 1} of ${models.length} START sql table model ecomm_metrics.${model} ... [RUN]\n`;
          const t0 = performance.now();
          try {
            await warehouse.stream(
              { text: BUILD[model], binds: { x: { type: 'date', value: x }, now: { type: 'string', value: now().toISOString().slice(0, 19).replace('T', ' ') } }, mode: 'write', signal: AbortSignal.timeout(60_000), timeoutMs: 60_000, maxRows: 1 },
              { columns: () => undefined, rows: async () => undefined },
            );
            const took = (performance.now() - t0) / 1000;
            step.logs += `${i + 1} of ${models.length} OK created sql table model ecomm_metrics.${model} ... [OK in ${took.toFixed(2)}s]\n`;
            results.push({ unique_id: `model.ecomm.${model}`, status: 'success', execution_time: took, message: 'OK', failures: null });
          } catch (error) {
            const message = (error as Error).message.split('\n')[0]!;
            step.logs += `${i + 1} of ${models.length} ERROR creating sql table model ecomm_metrics.${model} ... [ERROR]\nDatabase Error in model ${model}\n  ${message}\n`;
            results.push({ unique_id: `model.ecomm.${model}`, status: 'error', execution_time: (performance.now() - t0) / 1000, message, failures: null });
            failed = true;
          }
        }
        step.logs += failed ? 'Completed with 1 error\n' : `Completed successfully\nDone. PASS=${models.length} WARN=0 ERROR=0 SKIP=0 TOTAL=${models.length}\n`;
        step.status = failed ? 20 : 10;
      }
      step.finishedAt = now().toISOString();
    }
    run.results = results;
    run.status = failed ? 20 : 10;
    run.message = failed ? 'Database Error in a model: see the step log' : null;
    run.finishedAt = now().toISOString();
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
