/**
 * The demo's Databricks: the Pipelines API 2.0 endpoints databricks (DLT) blocks use, at this server's own
 * /demo/databricks, with one pipeline, `ecommerce_dlt`. Its updates really rebuild the demo warehouse's
 * ecommerce bronze, silver and gold tables (the same SQL the Airflow sandbox's run_dlt_pipeline runs) and write
 * the event log into ecomm_ops.dlt_events, which the events endpoint serves in Databricks' shape and the
 * runbook's checks read. An update loads the latest extracted day; a full refresh reloads every extracted day.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import type { ConnectorRegistry } from '../../connectors/registry';
import { DLT_FLOWS, runEcommerceDltUpdate } from '../airflow/dags/ecommerce';
import { createWarehouse, preciseWarehouseTime } from '../airflow/warehouse';
import type { Faults } from '../airflow/faults';
import type { ExtractBucket } from '../s3/extracts';

export const DEMO_PIPELINE = { id: '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f', name: 'ecommerce_dlt' } as const;
const FLOW_NAMES: readonly string[] = DLT_FLOWS.map((f) => f.flow);
const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELED']);

interface DemoUpdate {
  readonly id: string;
  readonly creationTime: number;
  readonly fullRefresh: boolean;
  readonly refreshSelection?: readonly string[];
  readonly fullRefreshSelection?: readonly string[];
  state: string;
  stopRequested: boolean;
}

/** The API shows update ids as UUIDs; the seeded nights' are md5 hex, shown dashed. */
const dashed = (id: string) => (/^[0-9a-f]{32}$/.test(id) ? `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}` : id);
const bare = (id: string) => id.replace(/-/g, '');

export interface DemoDatabricks {
  readonly router: express.Router;
  endpoint(server: http.Server): { host: string; token: string };
}

export interface DemoDatabricksDeps {
  readonly connectors: ConnectorRegistry;
  readonly env: string;
  readonly now?: () => Date;
  readonly log: (m: string) => void;
  /** The demo S3's extract files: bronze loads them. */
  readonly extracts: () => Promise<ExtractBucket>;
  /** The Airflow sandbox's training faults: one armed for run_dlt_pipeline fails an update started here too. */
  readonly faults?: () => Faults | null;
}

export function demoDatabricks(deps: DemoDatabricksDeps): DemoDatabricks {
  const token = `dapi_demo_${randomBytes(12).toString('hex')}`;
  const now = deps.now ?? (() => new Date());
  const warehouse = createWarehouse(deps.connectors, deps.env, 'warehouse');
  const updates = new Map<string, DemoUpdate>();
  const pageOffsets = new Map<string, { offset: number; filter: string | null }>();
  const router = express.Router();
  router.use(express.json({ limit: '64kb' }));

  const fail = (res: Response, status: number, code: string, message: string) => void res.status(status).json({ error_code: code, message });
  router.use((req, res, next) => (req.headers.authorization === `Bearer ${token}` ? next() : fail(res, 401, 'UNAUTHENTICATED', 'Invalid access token.')));

  const active = () => [...updates.values()].find((u) => !FINAL.has(u.state)) ?? null;
  /** The latest updates, the last recorded first (a replayed night's update is recorded with that night's times). */
  async function latestUpdates(): Promise<{ update_id: string; state: string; creation_time: string }[]> {
    const rows = await warehouse.query(
      `SELECT update_id, strftime(min(event_ts), '%Y-%m-%dT%H:%M:%S.%g') AS created,
              CASE WHEN bool_or(message = 'Update COMPLETED') THEN 'COMPLETED' WHEN bool_or(message = 'Update CANCELED') THEN 'CANCELED'
                   WHEN bool_or(level = 'ERROR' AND event_type = 'update_progress') THEN 'FAILED' ELSE 'RUNNING' END AS state
       FROM ecomm_ops.dlt_events GROUP BY update_id ORDER BY max(rowid) DESC LIMIT 5`,
    );
    return rows.map((r) => {
      const id = dashed(String(r.update_id));
      return { update_id: id, state: updates.get(id)?.state ?? String(r.state), creation_time: new Date(String(r.created)).toISOString() };
    });
  }
  const pipelineInfo = async () => ({ pipeline_id: DEMO_PIPELINE.id, name: DEMO_PIPELINE.name, state: active() ? 'RUNNING' : 'IDLE', creator_user_name: 'ecomm-data-engineering', latest_updates: await latestUpdates() });
  const known = (req: Request, res: Response) => (req.params.id === DEMO_PIPELINE.id ? true : (fail(res, 404, 'RESOURCE_DOES_NOT_EXIST', `The specified pipeline ${String(req.params.id)} was not found.`), false));
  const wrap = (handler: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response) => void handler(req, res).catch((error: unknown) => fail(res, 500, 'INTERNAL_ERROR', (error as Error).message));

  router.get('/api/2.0/pipelines', wrap(async (req, res) => {
    const filter = typeof req.query.filter === 'string' ? req.query.filter : null;
    const like = filter ? /^name\s+LIKE\s+'((?:[^']|'')*)'$/i.exec(filter.trim()) : null;
    if (filter && !like) return fail(res, 400, 'INVALID_PARAMETER_VALUE', `Invalid filter: ${filter}. Supported: name LIKE '<pattern>'`);
    const pattern = like ? new RegExp(`^${like[1]!.replace(/''/g, "'").replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.')}$`, 'i') : null;
    const statuses = !pattern || pattern.test(DEMO_PIPELINE.name) ? [await pipelineInfo()] : [];
    res.json({ statuses });
  }));
  router.get('/api/2.0/pipelines/:id', wrap(async (req, res) => {
    if (known(req, res)) res.json({ ...(await pipelineInfo()), spec: { id: DEMO_PIPELINE.id, name: DEMO_PIPELINE.name, catalog: 'demo', target: 'ecomm' } });
  }));
  router.post('/api/2.0/pipelines/:id/updates', wrap(async (req, res) => {
    if (!known(req, res)) return;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const unknownField = Object.keys(body).find((k) => !['full_refresh', 'refresh_selection', 'full_refresh_selection', 'cause', 'validate_only'].includes(k));
    if (unknownField) return fail(res, 400, 'INVALID_PARAMETER_VALUE', `Unknown field(s) in StartUpdate: ${unknownField}`);
    const selection = [...((body.refresh_selection as string[] | undefined) ?? []), ...((body.full_refresh_selection as string[] | undefined) ?? [])];
    const unknownTable = selection.find((t) => !FLOW_NAMES.includes(t));
    if (unknownTable) return fail(res, 400, 'INVALID_PARAMETER_VALUE', `Table '${unknownTable}' is not defined in pipeline ${DEMO_PIPELINE.id}. Its tables: ${FLOW_NAMES.join(', ')}`);
    if (body.full_refresh === true && selection.length) return fail(res, 400, 'INVALID_PARAMETER_VALUE', 'full_refresh cannot be combined with refresh_selection or full_refresh_selection');
    const running = active();
    if (running) return fail(res, 409, 'RESOURCE_CONFLICT', `An active update ${running.id} already exists for pipeline ${DEMO_PIPELINE.id}.`);
    const update: DemoUpdate = {
      id: randomUUID(), creationTime: now().getTime(), fullRefresh: body.full_refresh === true, state: 'WAITING_FOR_RESOURCES', stopRequested: false,
      ...(Array.isArray(body.refresh_selection) ? { refreshSelection: body.refresh_selection as string[] } : {}),
      ...(Array.isArray(body.full_refresh_selection) ? { fullRefreshSelection: body.full_refresh_selection as string[] } : {}),
    };
    updates.set(update.id, update);
    void execute(update, selection).catch((error: unknown) => deps.log(`demo Databricks: update ${update.id} broke: ${(error as Error).message}`));
    res.json({ update_id: update.id });
  }));
  router.get('/api/2.0/pipelines/:id/updates/:updateId', wrap(async (req, res) => {
    if (!known(req, res)) return;
    const id = String(req.params.updateId);
    const mine = updates.get(id);
    const seen = mine ? null : (await latestUpdates()).find((u) => u.update_id === id) ?? (await findUpdate(id));
    if (!mine && !seen) return fail(res, 404, 'RESOURCE_DOES_NOT_EXIST', `Update ${id} of pipeline ${DEMO_PIPELINE.id} does not exist.`);
    res.json({
      update: mine
        ? { pipeline_id: DEMO_PIPELINE.id, update_id: mine.id, state: mine.state, cause: 'API_CALL', creation_time: mine.creationTime, full_refresh: mine.fullRefresh, ...(mine.refreshSelection ? { refresh_selection: mine.refreshSelection } : {}), ...(mine.fullRefreshSelection ? { full_refresh_selection: mine.fullRefreshSelection } : {}) }
        : { pipeline_id: DEMO_PIPELINE.id, update_id: seen!.update_id, state: seen!.state, cause: 'JOB_TASK', creation_time: Date.parse(seen!.creation_time), full_refresh: false },
    });
  }));
  async function findUpdate(id: string) {
    const [r] = await warehouse.query(
      `SELECT strftime(min(event_ts), '%Y-%m-%dT%H:%M:%S.%g') AS created, bool_or(message = 'Update COMPLETED') AS completed FROM ecomm_ops.dlt_events WHERE replace(update_id, '-', '') = :u HAVING count(*) > 0`,
      { u: bare(id) },
    );
    return r ? { update_id: id, state: r.completed ? 'COMPLETED' : 'FAILED', creation_time: new Date(String(r.created)).toISOString() } : null;
  }
  router.get('/api/2.0/pipelines/:id/events', wrap(async (req, res) => {
    if (!known(req, res)) return;
    const q = req.query as Record<string, string | undefined>;
    const max = Number(q.max_results ?? 25);
    if (!Number.isInteger(max) || max < 1 || max > 100) return fail(res, 400, 'INVALID_PARAMETER_VALUE', `max_results must be between 1 and 100; got ${q.max_results}`);
    if (q.page_token && (q.filter || q.order_by)) return fail(res, 400, 'INVALID_PARAMETER_VALUE', 'page_token cannot be combined with filter or order_by: the token carries them');
    const page = q.page_token ? pageOffsets.get(q.page_token) : { offset: 0, filter: q.filter ?? null };
    if (!page) return fail(res, 400, 'INVALID_PARAMETER_VALUE', `Invalid page token: ${q.page_token}`);
    const where: string[] = [];
    const binds: Record<string, string> = {};
    for (const clause of page.filter ? page.filter.split(/\s+AND\s+/i) : []) {
      const levels = /^level\s+in\s*\(([^)]*)\)$/i.exec(clause.trim()) ?? /^level\s*=\s*('[A-Z]+')$/i.exec(clause.trim());
      const since = /^timestamp\s*>=\s*'([^']+)'$/i.exec(clause.trim());
      if (levels) {
        const list = levels[1]!.split(',').map((l) => l.trim().replace(/'/g, '').toUpperCase());
        list.forEach((l, i) => (binds[`l${i}`] = l));
        where.push(`level IN (${list.map((_, i) => `:l${i}`).join(', ')})`);
      } else if (since && !Number.isNaN(Date.parse(since[1]!))) {
        binds.since = preciseWarehouseTime(new Date(since[1]!));
        where.push('event_ts >= CAST(:since AS TIMESTAMP)');
      } else return fail(res, 400, 'INVALID_PARAMETER_VALUE', `Invalid filter: ${clause}`);
    }
    const rows = await warehouse.query(
      `SELECT update_id, rowid AS seq, strftime(event_ts, '%Y-%m-%dT%H:%M:%S.%g') AS ts, level, event_type, flow_name, message, output_rows, dropped_records, expectation
       FROM ecomm_ops.dlt_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY event_ts ${q.order_by === 'timestamp asc' ? 'ASC' : 'DESC'}, rowid ${q.order_by === 'timestamp asc' ? 'ASC' : 'DESC'} LIMIT ${max + 1} OFFSET ${page.offset}`,
      binds,
    );
    let next: string | undefined;
    if (rows.length > max) {
      next = randomBytes(8).toString('hex');
      pageOffsets.set(next, { offset: page.offset + max, filter: page.filter });
    }
    res.json({ events: rows.slice(0, max).map(eventOf), ...(next ? { next_page_token: next } : {}) });
  }));
  router.post('/api/2.0/pipelines/:id/stop', wrap(async (req, res) => {
    if (!known(req, res)) return;
    const running = active();
    if (running) {
      running.stopRequested = true;
      running.state = 'STOPPING';
    }
    res.json({});
  }));

  function eventOf(r: Record<string, unknown>) {
    const updateId = dashed(String(r.update_id));
    const flow = r.flow_name === null ? null : String(r.flow_name);
    const rows = r.output_rows === null ? null : Number(r.output_rows);
    const dropped = r.dropped_records === null ? null : Number(r.dropped_records);
    return {
      id: `${updateId}:${String(r.seq)}`,
      timestamp: new Date(String(r.ts)).toISOString(),
      level: String(r.level),
      event_type: String(r.event_type),
      message: String(r.message),
      maturity_level: 'STABLE',
      origin: { pipeline_id: DEMO_PIPELINE.id, pipeline_name: DEMO_PIPELINE.name, update_id: updateId, ...(flow ? { flow_name: flow, dataset_name: flow } : {}) },
      ...(r.event_type === 'flow_progress'
        ? { details: { flow_progress: { status: 'COMPLETED', metrics: { num_output_rows: rows ?? 0 }, ...(r.expectation ? { data_quality: { dropped_records: dropped ?? 0, expectations: [{ name: String(r.expectation), dataset: flow, passed_records: rows ?? 0, failed_records: dropped ?? 0 }] } } : {}) } } }
        : {}),
      ...(r.level === 'ERROR' ? { error: { fatal: true, exceptions: [{ class_name: 'com.databricks.pipelines.UpdateFailedException', message: String(r.message) }] } } : {}),
    };
  }

  /** Runs the update on the warehouse; a stop takes effect before the next statement. */
  async function execute(update: DemoUpdate, selection: readonly string[]): Promise<void> {
    update.state = 'INITIALIZING';
    // The days S3 has extract files for: an update loads the latest, a full refresh every one.
    const days = await (await deps.extracts()).days();
    if (days.length === 0) {
      update.state = 'FAILED';
      return;
    }
    const bronze = selection.length === 0 || selection.some((t) => t.startsWith('bronze_'));
    const full = update.fullRefresh || (update.fullRefreshSelection?.some((t) => t.startsWith('bronze_')) ?? false);
    update.state = 'RUNNING';
    try {
      await runEcommerceDltUpdate(
        {
          sql: async (text, binds) => {
            if (update.stopRequested) throw new Error('The update was stopped.');
            return warehouse.query(text, binds);
          },
          log: (m) => deps.log(`demo Databricks ${update.id}: ${m}`),
          now: () => preciseWarehouseTime(now()),
          // The same fault the Airflow task meets: a drill's broken night stays broken until it is cleared.
          failIfFaulted: async () => deps.faults?.()?.check('batch_ecomm_pipeline', 'run_dlt_pipeline'),
          extracts: deps.extracts,
        },
        { days: full ? days : [days.at(-1)!], bronze, updateId: update.id, cause: `${update.fullRefresh ? 'full refresh ' : ''}started from the API` },
      );
      update.state = 'COMPLETED';
    } catch (error) {
      update.state = update.stopRequested ? 'CANCELED' : 'FAILED';
      if (!update.stopRequested) deps.log(`demo Databricks: update ${update.id} failed: ${(error as Error).message}`);
      // A stopped update's statements are refused, so its end is written here, as Databricks logs it.
      else {
        await warehouse.query(
          `INSERT INTO ecomm_ops.dlt_events (execution_date, update_id, event_ts, level, event_type, flow_name, message, output_rows, dropped_records, expectation)
           VALUES (CAST(:x AS DATE), :u, CAST(:now AS TIMESTAMP), 'INFO', 'update_progress', NULL, 'Update CANCELED', NULL, NULL, NULL)`,
          { x: days.at(-1)!, u: update.id, now: preciseWarehouseTime(now()) },
        );
      }
    }
  }

  return {
    router,
    endpoint(server) {
      const port = (server.address() as AddressInfo | null)?.port;
      if (!port) throw new Error('the server is not listening yet');
      return { host: `http://127.0.0.1:${port}/demo/databricks`, token };
    },
  };
}
