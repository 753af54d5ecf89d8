/**
 * Contract fake of the Databricks Pipelines API 2.0 (Delta Live Tables), for tests: an HTTP server on loopback
 * written from the API reference (docs.databricks.com/api/workspace/pipelines) and the SDKs' generated models.
 * It validates every request the client sends — bearer token, query parameters (max_results ≤ 100, a page_token
 * never beside filter or order_by, the documented filter forms), JSON bodies field by field — and refuses the
 * rest the way Databricks does (HTTP 400 INVALID_PARAMETER_VALUE, 404 RESOURCE_DOES_NOT_EXIST, 403
 * PERMISSION_DENIED, 409 RESOURCE_CONFLICT, 429 REQUEST_LIMIT_EXCEEDED with Retry-After).
 *
 * An update's life is driven by the client's polls, not by time: each GET of the update moves it one state along
 * its script (QUEUED … RUNNING, then COMPLETED or FAILED), writing the events Databricks writes on the way
 * (create_update, update_progress, flow_progress with data-quality expectations, an ERROR event with its
 * exception when it fails). `stop` cancels the active update. Every request is logged in `requests`.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as z from 'zod';

export interface PipelinePrincipal {
  readonly token: string;
  readonly name: string;
  /** CAN RUN on every pipeline (start and stop updates); otherwise CAN VIEW only. */
  readonly canRun: boolean;
}

export interface FakeFlow {
  readonly name: string;
  readonly outputRows: number;
  readonly expectations?: readonly { readonly name: string; readonly passed: number; readonly failed: number }[];
}

export interface UpdateScript {
  /** States the update passes through before its end, one per poll. */
  readonly states?: readonly string[];
  readonly outcome: 'COMPLETED' | 'FAILED';
  readonly flows?: readonly FakeFlow[];
  /** The exception of the ERROR event when the outcome is FAILED. */
  readonly error?: { readonly className: string; readonly message: string; readonly flow?: string };
  readonly warnings?: readonly { readonly flow: string; readonly message: string }[];
}

export interface FakePipeline {
  readonly id: string;
  readonly name: string;
  readonly tables?: readonly string[];
}

export interface PipelinesFakeOptions {
  readonly principals: readonly PipelinePrincipal[];
  readonly pipelines: readonly FakePipeline[];
}

export interface LoggedPipelinesRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly principal: string | null;
  readonly body: unknown;
  readonly status: number;
}

export interface FakeUpdate {
  readonly updateId: string;
  readonly pipelineId: string;
  readonly body: StartUpdateBody;
  readonly creationTime: number;
  state: string;
  polls: number;
}

interface StoredEvent {
  readonly id: string;
  readonly timestamp: string;
  readonly level: string;
  readonly event_type: string;
  readonly message: string;
  readonly origin: Record<string, string>;
  readonly details?: Record<string, unknown>;
  readonly error?: Record<string, unknown>;
}

export interface PipelinesFake {
  readonly url: string;
  readonly requests: readonly LoggedPipelinesRequest[];
  readonly updates: readonly FakeUpdate[];
  /** How the next update of the pipeline goes (default: completes after three polls, no flows). */
  script(pipelineId: string, script: UpdateScript): void;
  /** Adds `count` INFO/WARN events to the pipeline's log (for paging), oldest first. */
  addEvents(pipelineId: string, count: number): void;
  throttle(count: number, retryAfterSeconds: number): void;
  close(): Promise<void>;
}

const DEFAULT_STATES = ['QUEUED', 'CREATED', 'WAITING_FOR_RESOURCES', 'INITIALIZING', 'SETTING_UP_TABLES', 'RUNNING'];
const CAUSES = ['API_CALL', 'JOB_TASK', 'RETRY_ON_FAILURE', 'SCHEMA_CHANGE', 'SERVICE_UPGRADE', 'USER_ACTION'] as const;

/** StartUpdate as the reference has it: Databricks refuses fields it does not know. */
const startUpdateSchema = z.strictObject({
  full_refresh: z.boolean().optional(),
  refresh_selection: z.array(z.string().min(1)).optional(),
  full_refresh_selection: z.array(z.string().min(1)).optional(),
  cause: z.enum(CAUSES).optional(),
  validate_only: z.boolean().optional(),
});
type StartUpdateBody = z.infer<typeof startUpdateSchema>;
const stopSchema = z.strictObject({});

class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly retryAfter?: number) {
    super(message);
  }
}
const invalid = (message: string) => new ApiError(400, 'INVALID_PARAMETER_VALUE', message);

/** The documented filter forms of list-pipeline-events: level = / level in (…) / timestamp comparisons, joined by AND. */
function eventFilter(filter: string): (e: StoredEvent) => boolean {
  const tests = filter.split(/\s+AND\s+/i).map((clause): ((e: StoredEvent) => boolean) => {
    const c = clause.trim();
    let m = /^level\s*=\s*'(INFO|WARN|ERROR|METRICS)'$/i.exec(c);
    if (m) return (e) => e.level === m![1]!.toUpperCase();
    m = /^level\s+in\s*\(\s*('(?:INFO|WARN|ERROR|METRICS)'(?:\s*,\s*'(?:INFO|WARN|ERROR|METRICS)')*)\s*\)$/i.exec(c);
    if (m) {
      const levels = m[1]!.split(',').map((l) => l.trim().slice(1, -1).toUpperCase());
      return (e) => levels.includes(e.level);
    }
    m = /^timestamp\s*(>=|<=|>|<|=)\s*'([^']+)'$/i.exec(c);
    if (m && !Number.isNaN(Date.parse(m[2]!))) {
      const at = Date.parse(m[2]!);
      const op = m[1]!;
      return (e) => {
        const t = Date.parse(e.timestamp);
        return op === '>=' ? t >= at : op === '<=' ? t <= at : op === '>' ? t > at : op === '<' ? t < at : t === at;
      };
    }
    throw invalid(`Invalid filter: ${c}`);
  });
  return (e) => tests.every((t) => t(e));
}

function pipelineFilter(filter: string): (p: FakePipeline) => boolean {
  const m = /^name\s+LIKE\s+'((?:[^']|'')*)'$/i.exec(filter.trim());
  if (!m) throw invalid(`Invalid filter: ${filter}. Supported: name LIKE '<pattern>'`);
  const pattern = m[1]!.replace(/''/g, "'");
  const re = new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.')}$`, 'i');
  return (p) => re.test(p.name);
}

export async function startPipelinesFake(options: PipelinesFakeOptions): Promise<PipelinesFake> {
  const requests: LoggedPipelinesRequest[] = [];
  const updates: FakeUpdate[] = [];
  const scripts = new Map<string, UpdateScript>();
  const events = new Map<string, StoredEvent[]>(options.pipelines.map((p) => [p.id, []]));
  const runningScript = new Map<string, UpdateScript>();
  let throttled = { count: 0, seconds: 0 };
  // A monotonic clock of its own: events are ordered by it, never by the machine's speed.
  let clock = Date.parse('2026-12-01T18:00:00Z');
  const tick = () => new Date((clock += 1000)).toISOString();
  const pageTokens = new Map<string, { kind: string; offset: number; filter: string | null; desc: boolean; pipelineId?: string }>();

  const emit = (pipelineId: string, e: Omit<StoredEvent, 'id' | 'timestamp' | 'origin'> & { origin?: Record<string, string> }) => {
    const p = options.pipelines.find((x) => x.id === pipelineId)!;
    events.get(pipelineId)!.push({ id: randomUUID(), timestamp: tick(), ...e, origin: { pipeline_id: pipelineId, pipeline_name: p.name, ...e.origin } });
  };

  const pipelineOf = (id: string) => {
    const p = options.pipelines.find((x) => x.id === id);
    if (!p) throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `The specified pipeline ${id} was not found.`);
    return p;
  };
  const activeUpdate = (pipelineId: string) => updates.find((u) => u.pipelineId === pipelineId && !['COMPLETED', 'FAILED', 'CANCELED'].includes(u.state));
  const stateInfo = (p: FakePipeline) => {
    const latest = updates.filter((u) => u.pipelineId === p.id).reverse().slice(0, 5);
    return {
      pipeline_id: p.id, name: p.name, state: activeUpdate(p.id) ? 'RUNNING' : 'IDLE', creator_user_name: 'owner@example.com',
      latest_updates: latest.map((u) => ({ update_id: u.updateId, state: u.state, creation_time: new Date(u.creationTime).toISOString() })),
    };
  };
  const updateInfo = (u: FakeUpdate) => ({
    pipeline_id: u.pipelineId, update_id: u.updateId, state: u.state, cause: u.body.cause ?? 'API_CALL', creation_time: u.creationTime,
    full_refresh: u.body.full_refresh ?? false, ...(u.body.refresh_selection ? { refresh_selection: u.body.refresh_selection } : {}),
    ...(u.body.full_refresh_selection ? { full_refresh_selection: u.body.full_refresh_selection } : {}), validate_only: false,
  });

  /** One poll's worth of progress: the next state, and the events Databricks writes reaching it. */
  function advance(u: FakeUpdate): void {
    const script = runningScript.get(u.updateId)!;
    const states = script.states ?? DEFAULT_STATES;
    const origin = { update_id: u.updateId };
    if (u.state === 'STOPPING') {
      u.state = 'CANCELED';
      emit(u.pipelineId, { level: 'INFO', event_type: 'update_progress', message: `Update ${u.updateId.slice(0, 6)} is CANCELED.`, origin, details: { update_progress: { state: 'CANCELED' } } });
      return;
    }
    if (['COMPLETED', 'FAILED', 'CANCELED'].includes(u.state)) return;
    u.polls++;
    const next = u.polls < states.length ? states[u.polls]! : script.outcome;
    if (next === u.state) return;
    if (next === 'RUNNING' || (u.polls >= states.length && !states.includes('RUNNING'))) {
      for (const w of script.warnings ?? []) emit(u.pipelineId, { level: 'WARN', event_type: 'schema_evolution', message: w.message, origin: { ...origin, flow_name: w.flow } });
    }
    if (next === 'COMPLETED' || next === 'FAILED') {
      for (const f of script.flows ?? []) {
        const failedHere = next === 'FAILED' && script.error?.flow === f.name;
        const dq = f.expectations ? { data_quality: { dropped_records: f.expectations.reduce((n, x) => n + x.failed, 0), expectations: f.expectations.map((x) => ({ name: x.name, dataset: f.name, passed_records: x.passed, failed_records: x.failed })) } } : {};
        emit(u.pipelineId, {
          level: failedHere ? 'ERROR' : 'INFO', event_type: 'flow_progress', message: `Flow '${f.name}' has ${failedHere ? 'FAILED' : 'COMPLETED'}.`, origin: { ...origin, flow_name: f.name },
          details: { flow_progress: { status: failedHere ? 'FAILED' : 'COMPLETED', metrics: { num_output_rows: failedHere ? 0 : f.outputRows }, ...(failedHere ? {} : dq) } },
          ...(failedHere && script.error ? { error: { fatal: true, exceptions: [{ class_name: script.error.className, message: script.error.message }] } } : {}),
        });
      }
      if (next === 'FAILED' && script.error && !script.error.flow) {
        emit(u.pipelineId, { level: 'ERROR', event_type: 'update_progress', message: `Update ${u.updateId.slice(0, 6)} is FAILED.`, origin, error: { fatal: true, exceptions: [{ class_name: script.error.className, message: script.error.message }] }, details: { update_progress: { state: 'FAILED' } } });
      }
    }
    u.state = next;
    if (!(next === 'FAILED' && script.error && !script.error.flow)) {
      emit(u.pipelineId, { level: next === 'FAILED' ? 'ERROR' : 'INFO', event_type: 'update_progress', message: `Update ${u.updateId.slice(0, 6)} is ${next}.`, origin, details: { update_progress: { state: next } } });
    }
  }

  function checkQuery(query: URLSearchParams, allowed: readonly string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of query) {
      if (!allowed.includes(k)) throw invalid(`Unknown query parameter: ${k}`);
      if (k in out) throw invalid(`Query parameter ${k} given twice`);
      out[k] = v;
    }
    if (out.max_results !== undefined && !(/^\d+$/.test(out.max_results) && Number(out.max_results) >= 1 && Number(out.max_results) <= 100)) {
      throw invalid(`max_results must be between 1 and 100; got ${out.max_results}`);
    }
    if (out.page_token !== undefined && (out.filter !== undefined || out.order_by !== undefined)) {
      throw invalid('page_token cannot be combined with filter or order_by: the token carries them');
    }
    return out;
  }

  function page<T>(kind: string, all: readonly T[], q: Record<string, string>, pipelineId?: string): { items: T[]; next?: string } {
    let offset = 0;
    if (q.page_token !== undefined) {
      const t = pageTokens.get(q.page_token);
      if (!t || t.kind !== kind || t.pipelineId !== pipelineId) throw invalid(`Invalid page token: ${q.page_token}`);
      offset = t.offset;
    }
    const size = Number(q.max_results ?? 25);
    const items = all.slice(offset, offset + size);
    if (offset + size >= all.length) return { items };
    const token = randomUUID().replace(/-/g, '');
    pageTokens.set(token, { kind, offset: offset + size, filter: q.filter ?? null, desc: true, ...(pipelineId ? { pipelineId } : {}) });
    return { items, next: token };
  }
  /** What a page token remembers of the first request (filter and order apply to every page). */
  const remembered = (q: Record<string, string>) => (q.page_token ? pageTokens.get(q.page_token) : undefined);

  function handle(method: string, url: URL, body: unknown, principal: PipelinePrincipal): unknown {
    const path = url.pathname;
    if (method === 'GET' && path === '/api/2.0/pipelines') {
      const q = checkQuery(url.searchParams, ['filter', 'max_results', 'page_token', 'order_by']);
      const filter = q.filter ?? remembered(q)?.filter ?? null;
      const all = options.pipelines.filter(filter ? pipelineFilter(filter) : () => true);
      const { items, next } = page('pipelines', all, q);
      return { statuses: items.map(stateInfo), ...(next ? { next_page_token: next } : {}) };
    }
    let m = /^\/api\/2\.0\/pipelines\/([^/]+)$/.exec(path);
    if (m && method === 'GET') {
      checkQuery(url.searchParams, []);
      const p = pipelineOf(m[1]!);
      return { ...stateInfo(p), spec: { id: p.id, name: p.name } };
    }
    m = /^\/api\/2\.0\/pipelines\/([^/]+)\/updates$/.exec(path);
    if (m && method === 'POST') {
      const p = pipelineOf(m[1]!);
      const parsed = startUpdateSchema.safeParse(body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw invalid(issue.code === 'unrecognized_keys' ? `Unknown field(s) in StartUpdate: ${issue.keys.join(', ')}` : `Invalid value for ${issue.path.join('.') || 'the body'}: ${issue.message}`);
      }
      const b = parsed.data;
      if (b.full_refresh && (b.refresh_selection?.length || b.full_refresh_selection?.length)) throw invalid('full_refresh cannot be combined with refresh_selection or full_refresh_selection');
      const unknown = [...(b.refresh_selection ?? []), ...(b.full_refresh_selection ?? [])].find((t) => p.tables && !p.tables.includes(t));
      if (unknown) throw invalid(`Table '${unknown}' is not defined in pipeline ${p.id}`);
      if (!principal.canRun) throw new ApiError(403, 'PERMISSION_DENIED', `User ${principal.name} does not have Run permissions on pipeline ${p.id}.`);
      const running = activeUpdate(p.id);
      if (running) throw new ApiError(409, 'RESOURCE_CONFLICT', `An active update ${running.updateId} already exists for pipeline ${p.id}.`);
      const u: FakeUpdate = { updateId: randomUUID(), pipelineId: p.id, body: b, creationTime: Date.parse(tick()), state: 'QUEUED', polls: 0 };
      clock -= 1000; // create_update is written at the update's creation
      updates.push(u);
      runningScript.set(u.updateId, scripts.get(p.id) ?? { outcome: 'COMPLETED', states: ['QUEUED', 'RUNNING'] });
      emit(p.id, { level: 'INFO', event_type: 'create_update', message: `Update ${u.updateId.slice(0, 6)} started by API_CALL.`, origin: { update_id: u.updateId } });
      return { update_id: u.updateId };
    }
    m = /^\/api\/2\.0\/pipelines\/([^/]+)\/updates\/([^/]+)$/.exec(path);
    if (m && method === 'GET') {
      checkQuery(url.searchParams, []);
      pipelineOf(m[1]!);
      const u = updates.find((x) => x.updateId === m![2] && x.pipelineId === m![1]);
      if (!u) throw new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', `Update ${m[2]} of pipeline ${m[1]} does not exist.`);
      const shown = updateInfo(u);
      advance(u);
      return { update: shown };
    }
    m = /^\/api\/2\.0\/pipelines\/([^/]+)\/events$/.exec(path);
    if (m && method === 'GET') {
      const q = checkQuery(url.searchParams, ['filter', 'max_results', 'page_token', 'order_by']);
      const p = pipelineOf(m[1]!);
      const order = q.order_by ?? 'timestamp desc';
      if (!['timestamp desc', 'timestamp asc'].includes(order)) throw invalid(`Invalid order_by: ${order}`);
      const filter = q.filter ?? remembered(q)?.filter ?? null;
      const desc = q.page_token ? remembered(q)?.desc ?? true : order === 'timestamp desc';
      const all = events.get(p.id)!.filter(filter ? eventFilter(filter) : () => true);
      const sorted = desc ? [...all].reverse() : all;
      const { items, next } = page('events', sorted, q, p.id);
      if (next) pageTokens.get(next)!.desc = desc;
      return { events: items, ...(next ? { next_page_token: next } : {}) };
    }
    m = /^\/api\/2\.0\/pipelines\/([^/]+)\/stop$/.exec(path);
    if (m && method === 'POST') {
      const p = pipelineOf(m[1]!);
      if (!stopSchema.safeParse(body ?? {}).success) throw invalid('Stop takes no fields');
      if (!principal.canRun) throw new ApiError(403, 'PERMISSION_DENIED', `User ${principal.name} does not have Run permissions on pipeline ${p.id}.`);
      const u = activeUpdate(p.id);
      if (u) u.state = 'STOPPING';
      return {};
    }
    throw new ApiError(404, 'ENDPOINT_NOT_FOUND', `No API found for '${method} ${path}'`);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const text = Buffer.concat(chunks).toString('utf8');
      const auth = req.headers.authorization ?? '';
      const principal = options.principals.find((p) => auth === `Bearer ${p.token}`) ?? null;
      let status = 200;
      let answer: unknown;
      let body: unknown;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      try {
        if (throttled.count > 0) {
          throttled.count--;
          throw new ApiError(429, 'REQUEST_LIMIT_EXCEEDED', 'Too many requests. Please wait a moment and try again.', throttled.seconds);
        }
        if (!principal) throw new ApiError(401, 'UNAUTHENTICATED', 'Invalid access token.');
        if (req.method === 'POST') {
          if (!/^application\/json/.test(req.headers['content-type'] ?? '')) throw invalid('The request body must be JSON (Content-Type: application/json)');
          try {
            body = text === '' ? {} : JSON.parse(text);
          } catch {
            throw new ApiError(400, 'MALFORMED_REQUEST', 'Invalid JSON given in the body of the request');
          }
        } else if (text !== '') throw invalid(`${req.method} takes no body`);
        answer = handle(req.method ?? 'GET', url, body, principal);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        status = error.status;
        answer = { error_code: error.code, message: error.message };
        if (error.retryAfter !== undefined) headers['retry-after'] = String(error.retryAfter);
      }
      requests.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), principal: principal?.name ?? null, body, status });
      res.writeHead(status, headers).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    updates,
    script(pipelineId, script) {
      scripts.set(pipelineId, script);
    },
    addEvents(pipelineId, count) {
      for (let i = 0; i < count; i++) emit(pipelineId, { level: i % 5 === 4 ? 'WARN' : 'INFO', event_type: i % 5 === 4 ? 'schema_evolution' : 'flow_progress', message: `event ${i + 1}`, origin: { update_id: 'old-update', flow_name: `flow_${i % 3}` } });
    },
    throttle(count, seconds) {
      throttled = { count, seconds };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
