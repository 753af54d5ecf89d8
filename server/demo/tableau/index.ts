/**
 * The demo's Tableau: the REST API calls tableau blocks use, at this server's own /demo/tableau, with the
 * ecommerce dashboards' published data sources (Sales KPI, Product KPI, Customer KPI, each an extract of one
 * metric table) and the workbook "Ecommerce KPIs" that shows them. A refresh really rebuilds the extract in
 * the demo warehouse (ecomm_tableau.<extract>, a copy of the metric table as it is now) and then writes the
 * refresh record the runbook's checks read (ecomm_ops.tableau_refreshes, and the night's tableau stage in
 * ecomm_ops.pipeline_runs) — so a refresh that ran before dbt, or failed because a metric table is missing,
 * still shows as stale. Refreshing the workbook refreshes the three extracts it shows, in order; when one fails
 * the job stops and the extracts it did not reach are recorded as failed with it (none of them was refreshed).
 * It is the only writer of that record. Its refresh history (Query Jobs, a data source's last update) is the
 * record merged with the jobs of this process, so it survives a restart and shows the seeded nights; a
 * workbook's refresh is listed as the workbook's job and, from the record, as a refresh of each data source.
 * The VizQL Data Service (POST /api/v1/vizql-data-service/query-datasource) answers from the extracts, so a
 * dashboard's data is what the last successful refresh copied. A training fault can make an extract's refresh
 * fail (Faults.setTableau).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import type { BoundValue } from '../../../plugins/remark-runbook/syntax/params';
import type { ConnectorRegistry } from '../../connectors/registry';
import { ecommerceYesterday } from '../airflow/dags/ecommerce';
import { createWarehouse } from '../airflow/warehouse';
import { answerKey, readVdsRequest, type VdsRequestField } from '../../connectors/systems/tableau/vdsRequest';

const API_VERSIONS = /^3\.\d+$/;
const SITE = 'ecommerce';
const TOKEN_NAME = 'opsbook-demo';

interface Extract {
  readonly id: string;
  readonly name: string;
  /** The metric table the extract copies. */
  readonly source: string;
  /** Where the demo keeps the extract's rows. */
  readonly table: string;
  updatedAt: string;
}

/** The dashboards' data sources, in the order the nightly refresh takes them. */
export const DEMO_DATASOURCES = [
  { name: 'Sales KPI', source: 'ecomm_metrics.agg_sales_kpi', table: 'ecomm_tableau.sales_kpi_extract' },
  { name: 'Product KPI', source: 'ecomm_metrics.agg_product_kpi', table: 'ecomm_tableau.product_kpi_extract' },
  { name: 'Customer KPI', source: 'ecomm_metrics.agg_customer_kpi', table: 'ecomm_tableau.customer_kpi_extract' },
] as const;
export const DEMO_WORKBOOK = 'Ecommerce KPIs';

interface Job {
  readonly id: string;
  readonly kind: 'datasource' | 'workbook';
  readonly itemId: string;
  readonly itemName: string;
  readonly extracts: readonly Extract[];
  readonly createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  progress: number;
  finishCode: number | null;
  notes: string | null;
}

/** The training faults the demo Tableau meets: an extract whose refresh fails, with Tableau's words for why. */
export interface TableauFaults {
  tableauFault(datasource: string): string | null;
}

export interface DemoTableau {
  readonly router: express.Router;
  endpoint(server: http.Server): { url: string; site: string; tokenName: string; tokenSecret: string };
}

type Json = Record<string, unknown>;
type Sql = (text: string, binds?: Record<string, BoundValue>) => Promise<void>;
/** A UTC timestamp as the warehouse's ops tables hold them. */
const stamp = (d: Date) => d.toISOString().slice(0, 19).replace('T', ' ');
const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const err = (res: Response, status: number, summary: string, detail: string, code: string) => void res.status(status).json({ error: { summary, detail, code } });

export function demoTableau(deps: { connectors: ConnectorRegistry; env: string; now?: () => Date; log: (m: string) => void; faults?: () => TableauFaults | null }): DemoTableau {
  const tokenSecret = `demo-pat-${randomBytes(12).toString('hex')}`;
  const siteId = randomUUID();
  const now = deps.now ?? (() => new Date());
  const sessions = new Set<string>();
  const jobs = new Map<string, Job>();
  const extracts: Extract[] = DEMO_DATASOURCES.map((d) => ({ ...d, id: randomUUID(), updatedAt: '2026-01-05T08:00:00Z' }));
  const workbook = { id: randomUUID(), name: DEMO_WORKBOOK, updatedAt: '2026-01-05T08:00:00Z' };
  const warehouse = createWarehouse(deps.connectors, deps.env, 'warehouse');
  const router = express.Router();
  router.use(express.json({ limit: '16kb' }));

  // The VizQL Data Service is versioned apart from the REST API (v1), with the same session token.
  router.post('/api/v1/vizql-data-service/query-datasource', (req, res) => {
    const vdsErr = (status: number, errorCode: string, message: string) => void res.status(status).json({ errorCode, message, datetime: new Date().toISOString() });
    const token = req.headers['x-tableau-auth'];
    if (typeof token !== 'string' || !sessions.has(token)) return vdsErr(401, '401002', 'Invalid authentication credentials were provided.');
    const read = readVdsRequest(req.body);
    if (!read.ok) return void res.status(400).json(read.error);
    const e = extracts.find((x) => x.id === read.request.datasource.datasourceLuid);
    if (!e) return vdsErr(404, '404934', `Unknown datasource LUID '${read.request.datasource.datasourceLuid}'.`);
    queryExtract(e, read.request.query.fields).then(
      (answer) => ('error' in answer ? vdsErr(400, answer.code, answer.error) : void res.json({ data: answer.data })),
      (error: unknown) => vdsErr(500, '500000', `The query of "${e.name}" failed: ${(error as Error).message.split('\n')[0]}`),
    );
  });

  router.use((req, res, next) => {
    const m = /^\/api\/([^/]+)\//.exec(req.path);
    if (!m || !API_VERSIONS.test(m[1]!)) return err(res, 404, 'Resource Not Found', `No REST API version at ${req.path}.`, '404000');
    next();
  });
  router.post('/api/:ver/auth/signin', (req, res) => {
    const c = ((req.body as Json | undefined)?.credentials ?? {}) as Json;
    const site = (c.site ?? {}) as Json;
    if (c.personalAccessTokenName !== TOKEN_NAME || c.personalAccessTokenSecret !== tokenSecret || site.contentUrl !== SITE) return err(res, 401, 'Signin Error', 'Error signing in to Tableau Server', '401001');
    const token = randomBytes(16).toString('hex');
    sessions.add(token);
    res.json({ credentials: { token, site: { id: siteId, contentUrl: SITE }, user: { id: 'demo-user' }, estimatedTimeToExpiration: '239:59:59' } });
  });
  router.use('/api/:ver', (req, res, next) => {
    const token = req.headers['x-tableau-auth'];
    if (typeof token !== 'string' || !sessions.has(token)) return err(res, 401, 'Unauthorized Access', 'Invalid authentication credentials were provided.', '401002');
    next();
  });
  router.post('/api/:ver/auth/signout', (req, res) => {
    sessions.delete(String(req.headers['x-tableau-auth']));
    res.status(204).end();
  });
  router.use('/api/:ver/sites/:site', (req, res, next) => (req.params.site === siteId ? next() : err(res, 403, 'Forbidden', 'The session is signed in to another site.', '403000')));

  const nameFilter = (req: Request): string | null => {
    const f = typeof req.query.filter === 'string' ? req.query.filter : '';
    const m = /^name:eq:(.+)$/s.exec(f);
    return m ? m[1]!.replace(/\\(.)/g, '$1') : null;
  };
  const project = { id: 'p-ecommerce', name: 'Ecommerce' };
  router.get('/api/:ver/sites/:site/datasources', async (req, res) => {
    const name = nameFilter(req);
    const list = extracts.filter((e) => name === null || e.name === name);
    await lastUpdates();
    res.json({ pagination: { pageNumber: '1', pageSize: '100', totalAvailable: String(list.length) }, datasources: { datasource: list.map((e) => ({ id: e.id, name: e.name, type: 'hyper', hasExtracts: true, updatedAt: e.updatedAt, project })) } });
  });
  router.get('/api/:ver/sites/:site/workbooks', (req, res) => {
    const name = nameFilter(req);
    const list = name === null || name === workbook.name ? [workbook] : [];
    res.json({ pagination: { pageNumber: '1', pageSize: '100', totalAvailable: String(list.length) }, workbooks: { workbook: list.map((w) => ({ ...w, project })) } });
  });
  router.post('/api/:ver/sites/:site/:kind/:id/refresh', (req, res) => {
    const kind = req.params.kind === 'datasources' ? 'datasource' : req.params.kind === 'workbooks' ? 'workbook' : null;
    const id = String(req.params.id);
    const chosen = kind === 'datasource' ? extracts.filter((e) => e.id === id) : kind === 'workbook' && id === workbook.id ? extracts : [];
    if (!kind || chosen.length === 0) return err(res, 404, 'Resource Not Found', `${kind === 'workbook' ? 'Workbook' : 'Datasource'} '${id}' could not be found.`, kind === 'workbook' ? '404006' : '404011');
    const busy = [...jobs.values()].find((j) => j.finishCode === null && j.extracts.some((e) => chosen.includes(e)));
    if (busy) return err(res, 409, 'Conflict', `A refresh of '${busy.itemName}' is already queued or running (job ${busy.id}).`, '409093');
    const job: Job = { id: randomUUID(), kind, itemId: id, itemName: kind === 'workbook' ? workbook.name : chosen[0]!.name, extracts: chosen, createdAt: iso(now()), startedAt: null, completedAt: null, progress: 0, finishCode: null, notes: null };
    jobs.set(job.id, job);
    void execute(job).catch((error: unknown) => {
      deps.log(`demo Tableau: job ${job.id} broke: ${(error as Error).message}`);
      finish(job, 1, (error as Error).message);
    });
    res.status(202).json({ job: { id: job.id, mode: 'Asynchronous', type: 'RefreshExtract', createdAt: job.createdAt } });
  });
  const jobBody = (j: Job) => ({
    id: j.id, mode: 'Asynchronous', type: 'RefreshExtract', progress: String(j.progress), createdAt: j.createdAt,
    ...(j.startedAt ? { startedAt: j.startedAt } : {}), ...(j.completedAt ? { completedAt: j.completedAt } : {}), ...(j.finishCode !== null ? { finishCode: String(j.finishCode) } : {}),
    extractRefreshJob: { [j.kind]: { id: j.itemId, name: j.itemName }, ...(j.notes ? { notes: j.notes } : {}) },
  });
  router.get('/api/:ver/sites/:site/jobs/:id', (req, res) => {
    const job = jobs.get(req.params.id);
    return job ? void res.json({ job: jobBody(job) }) : err(res, 404, 'Resource Not Found', `Job '${req.params.id}' could not be found.`, '404031');
  });
  router.put('/api/:ver/sites/:site/jobs/:id', (req, res) => {
    const job = jobs.get(req.params.id);
    if (!job) return err(res, 404, 'Resource Not Found', `Job '${req.params.id}' could not be found.`, '404031');
    if (job.finishCode === null) finish(job, 2, 'Cancelled from the runbook.');
    res.json({ job: jobBody(job) });
  });
  router.get('/api/:ver/sites/:site/jobs', async (req, res) => {
    const f = typeof req.query.filter === 'string' ? req.query.filter : '';
    const title = /(?:^|,)title:eq:((?:[^,\\]|\\.)+)/.exec(f)?.[1]?.replace(/\\(.)/g, '$1') ?? null;
    const live = [...jobs.values()].filter((j) => title === null || j.itemName === title).map((j) => ({
      id: j.id, status: j.finishCode === null ? (j.startedAt ? 'InProgress' : 'Pending') : ['Success', 'Failed', 'Cancelled'][j.finishCode]!, createdAt: j.createdAt,
      ...(j.startedAt ? { startedAt: j.startedAt } : {}), ...(j.completedAt ? { endedAt: j.completedAt } : {}), priority: '50', jobType: 'refresh_extracts', title: j.itemName, subtitle: j.kind === 'workbook' ? 'Workbook' : 'Data Source',
    }));
    // The record's refreshes that no job of this process stands for: the seeded nights, and jobs before a restart.
    const past = (await recordedRefreshes(title)).filter((r) => !jobs.has(r.id));
    const list = [...live, ...past].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    res.json({ pagination: { pageNumber: '1', pageSize: '100', totalAvailable: String(list.length) }, backgroundJobs: { backgroundJob: list } });
  });

  function finish(job: Job, code: number, notes: string | null): void {
    if (job.finishCode !== null) return;
    job.finishCode = code;
    job.notes = notes;
    job.progress = 100;
    job.completedAt = iso(now());
  }

  /** Rebuilds each extract from its metric table, then records the refresh for the data day. */
  async function execute(job: Job): Promise<void> {
    const warehouse = await deps.connectors.get(deps.env, 'warehouse');
    const sql: Sql = async (text, binds = {}) => {
      await warehouse.stream({ text, binds, mode: 'write', signal: AbortSignal.timeout(60_000), timeoutMs: 60_000, maxRows: 1 }, { columns: () => undefined, rows: async () => undefined });
    };
    job.startedAt = iso(now());
    job.progress = 10;
    const x = ecommerceYesterday();
    await sql('CREATE SCHEMA IF NOT EXISTS ecomm_tableau');
    // A data source's job is its own record; a workbook's job leaves one record per data source it refreshes.
    const recordId = (e: Extract) => (job.kind === 'datasource' ? job.id : randomUUID());
    for (const [i, e] of job.extracts.entries()) {
      if (job.finishCode !== null) return;
      const started = stamp(now());
      try {
        const fault = deps.faults?.()?.tableauFault(e.name) ?? null;
        if (fault) throw new Error(fault);
        await sql(`CREATE OR REPLACE TABLE ${e.table} AS SELECT * FROM ${e.source}`);
      } catch (error) {
        const reason = (error as Error).message.split('\n')[0]!;
        const ended = stamp(now());
        // The job stops here: the extracts it did not reach were not refreshed by it either.
        for (const rest of job.extracts.slice(i)) await record(sql, x, rest, started, ended, 'failed', recordId(rest));
        await recordStage(sql, x);
        return finish(job, 1, `The extract of "${e.name}" could not be refreshed: ${reason}`);
      }
      await record(sql, x, e, started, stamp(now()), 'success', recordId(e));
      e.updatedAt = iso(now());
      job.progress = Math.round(10 + (90 * (i + 1)) / job.extracts.length) - 1;
    }
    await recordStage(sql, x);
    if (job.kind === 'workbook') workbook.updatedAt = iso(now());
    finish(job, 0, null);
  }

  /** Each data source's last successful refresh in the record: its updatedAt survives a restart. */
  async function lastUpdates(): Promise<void> {
    const rows = await warehouse.query(`SELECT datasource, strftime(max(finished_at), '%Y-%m-%dT%H:%M:%SZ') AS at FROM ecomm_ops.tableau_refreshes WHERE status = 'success' GROUP BY ALL`).catch(() => []);
    for (const r of rows) {
      const e = extracts.find((x) => x.name === r.datasource);
      if (e && typeof r.at === 'string' && r.at > e.updatedAt) e.updatedAt = r.at;
    }
  }

  /** The record's refreshes as Query Jobs rows (one per data source and refresh). */
  async function recordedRefreshes(title: string | null) {
    const rows = await warehouse.query(
      `SELECT job_id, datasource, status, strftime(started_at, '%Y-%m-%dT%H:%M:%SZ') AS started, strftime(finished_at, '%Y-%m-%dT%H:%M:%SZ') AS ended
       FROM ecomm_ops.tableau_refreshes WHERE job_id IS NOT NULL ${title === null ? '' : 'AND datasource = :title'}`,
      title === null ? {} : { title },
    ).catch((error: unknown) => {
      deps.log(`demo Tableau: the refresh record could not be read: ${(error as Error).message.split('\n')[0]}`);
      return [];
    });
    return rows.map((r) => ({
      id: String(r.job_id), status: r.status === 'success' ? 'Success' : 'Failed', createdAt: String(r.started), startedAt: String(r.started), endedAt: String(r.ended),
      priority: '50', jobType: 'refresh_extracts', title: String(r.datasource), subtitle: 'Data Source',
    }));
  }

  /** Query Data Source on the extract as it is: fields with a function aggregate, the others group. */
  async function queryExtract(e: Extract, fields: readonly VdsRequestField[]): Promise<{ data: Record<string, unknown>[] } | { error: string; code: string }> {
    const types = new Map((await warehouse.query(`SELECT column_name, data_type FROM information_schema.columns WHERE table_schema || '.' || table_name = :t`, { t: e.table })).map((r) => [String(r.column_name), String(r.data_type)]));
    if (types.size === 0) return { data: [] };
    const select: string[] = [];
    const group: string[] = [];
    for (const f of fields) {
      if ('calculation' in f) return { code: '400000', error: 'The demo Tableau answers fields with or without a function, not calculations.' };
      const type = types.get(f.fieldCaption);
      if (!type) return { code: '400802', error: `Unknown field: ${f.fieldCaption}.` };
      const col = `"${f.fieldCaption.replace(/"/g, '""')}"`;
      const fn = 'function' in f ? f.function : undefined;
      const sqlFn = fn ? SQL_FUNCTIONS[fn] : undefined;
      if (fn && !sqlFn) return { code: '400000', error: `The demo Tableau does not answer ${fn}; use SUM, AVG, MEDIAN, COUNT, COUNTD, MIN or MAX.` };
      // Numbers travel as JSON numbers, as the VizQL Data Service answers them (the warehouse's wide ones as text).
      const numeric = /^(DECIMAL|HUGEINT|BIGINT|UBIGINT|DOUBLE|FLOAT|REAL|INTEGER|SMALLINT|TINYINT)/.test(type);
      const expr = !sqlFn ? col : fn === 'COUNT' || fn === 'COUNTD' ? `CAST(${sqlFn(col)} AS INTEGER)` : numeric ? `CAST(${sqlFn(col)} AS DOUBLE)` : sqlFn(col);
      select.push(`${expr} AS "${answerKey(f).replace(/"/g, '""')}"`);
      if (!fn) group.push(col);
    }
    // Dates and times travel as ISO text, as the VizQL Data Service answers them.
    const rows = await warehouse.query(`SELECT ${select.join(', ')} FROM ${e.table}${group.length ? ` GROUP BY ${group.join(', ')} ORDER BY ${group.join(', ')}` : ''}`);
    return { data: rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(v) ? v.replace(' ', 'T') : v]))) };
  }

  return {
    router,
    endpoint(server) {
      const port = (server.address() as AddressInfo | null)?.port;
      if (!port) throw new Error('the server is not listening yet');
      return { url: `http://127.0.0.1:${port}/demo/tableau`, site: SITE, tokenName: TOKEN_NAME, tokenSecret };
    },
  };
}

const SQL_FUNCTIONS: Readonly<Record<string, (col: string) => string>> = {
  SUM: (c) => `sum(${c})`, AVG: (c) => `avg(${c})`, MEDIAN: (c) => `median(${c})`, COUNT: (c) => `count(${c})`, COUNTD: (c) => `count(DISTINCT ${c})`, MIN: (c) => `min(${c})`, MAX: (c) => `max(${c})`,
};

/**
 * The refresh record of one data source for the data day, replacing the day's earlier one (the checks read the
 * day's latest); the job id ties it to Query Jobs.
 */
async function record(sql: Sql, x: string, e: Extract, started: string, ts: string, status: 'success' | 'failed', jobId: string): Promise<void> {
  const binds: Record<string, BoundValue> = { x: { type: 'date', value: x }, ds: { type: 'string', value: e.name }, src: { type: 'string', value: e.source }, started: { type: 'string', value: started }, now: { type: 'string', value: ts }, status: { type: 'string', value: status }, job: { type: 'string', value: jobId } };
  await sql(`DELETE FROM ecomm_ops.tableau_refreshes WHERE execution_date = CAST(:x AS DATE) AND datasource = :ds`, binds);
  await sql(
    `INSERT INTO ecomm_ops.tableau_refreshes (execution_date, datasource, started_at, finished_at, status, source_table, job_id)
     VALUES (CAST(:x AS DATE), :ds, CAST(:started AS TIMESTAMP), CAST(:now AS TIMESTAMP), :status, :src, :job)`,
    binds,
  );
}

/** The night's tableau stage, one attempt per refresh job: successful once every data source of the day is. */
async function recordStage(sql: Sql, x: string): Promise<void> {
  await sql(
    `UPDATE ecomm_ops.pipeline_runs p SET
       started_at = r.started_at, finished_at = r.finished_at,
       duration_min = CAST(round((epoch(r.finished_at) - epoch(r.started_at)) / 60.0, 1) AS DECIMAL(8, 1)),
       status = CASE WHEN r.ok THEN 'success' ELSE 'failed' END, attempts = p.attempts + 1
     FROM (SELECT min(started_at) AS started_at, max(finished_at) AS finished_at, bool_and(status = 'success') AS ok
           FROM ecomm_ops.tableau_refreshes WHERE execution_date = CAST(:x AS DATE)) r
     WHERE p.execution_date = CAST(:x AS DATE) AND p.stage = 'tableau'`,
    { x: { type: 'date', value: x } },
  );
}
