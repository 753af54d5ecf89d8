/**
 * Contract fake of the Tableau REST API, written from Tableau's REST API reference, for the calls tableau
 * blocks make: Sign In with a personal access token, Query Data Sources / Query Workbooks for Site (with a
 * `name:eq:` filter and pageSize/pageNumber paging), Update Data Source Now / Update Workbook Now
 * (POST …/refresh, answered with a job), Query Job, Cancel Job (PUT), Query Jobs (backgroundJobs, filtered)
 * and Sign Out, and the VizQL Data Service's Query Data Source (POST /api/v1/vizql-data-service/query-datasource,
 * body checked against the published schema; answers `{data: [...]}` aggregated from the data source's `rows`,
 * errors as `{errorCode, message}`). It validates every request: the API version in the path, the X-Tableau-Auth header of a live
 * session on every call but Sign In, the site id of that session, the shape of the sign-in body and of each
 * filter, ids that exist; answers JSON when the request accepts application/json and XML (tsResponse)
 * otherwise, as Tableau does; and errors in the documented `error {summary, detail, code}` shape (401001 a
 * refused sign-in, 401002 a token that is no longer valid, 404 for unknown items, 400 for a malformed
 * filter). Tests can expire every session (expireSessions), rate limit the next requests (429 with
 * Retry-After), and decide how the next refresh job ends. A job moves one step each time it is read, so
 * following it depends on no clock.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerKey, readVdsRequest, type VdsRequestField } from '../vdsRequest';

export interface FakeItem {
  readonly id: string;
  readonly name: string;
  readonly project: string;
  updatedAt: string;
  readonly hasExtracts?: boolean;
  /** What the data source holds, for the VizQL Data Service: one object per row, keyed by field caption. */
  readonly rows?: readonly Readonly<Record<string, unknown>>[];
}

interface FakeJob {
  readonly id: string;
  readonly kind: 'datasource' | 'workbook';
  readonly item: FakeItem;
  readonly createdAt: string;
  /** Reads so far; the job starts on the first and ends on the third. */
  reads: number;
  startedAt: string | null;
  completedAt: string | null;
  finishCode: number | null;
  readonly ending: { finishCode: number; note?: string };
}

export interface FakeTableauOptions {
  readonly apiVersion?: string;
  readonly site?: string;
  readonly tokenName?: string;
  readonly tokenSecret?: string;
  readonly datasources?: readonly Omit<FakeItem, 'id'>[];
  readonly workbooks?: readonly Omit<FakeItem, 'id'>[];
  /** Query Jobs is for site administrators: false answers it 403. */
  readonly admin?: boolean;
}

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly status: number;
}

type Json = Record<string, unknown>;
interface Answer {
  readonly status: number;
  /** The tsResponse's content: one root element's name and value. */
  readonly body?: Json;
  readonly headers?: Readonly<Record<string, string>>;
}

export class FakeTableau {
  readonly apiVersion: string;
  readonly site: string;
  readonly siteId = randomUUID();
  readonly tokenName: string;
  readonly tokenSecret: string;
  readonly datasources: FakeItem[];
  readonly workbooks: FakeItem[];
  readonly jobs = new Map<string, FakeJob>();
  readonly requests: ReceivedRequest[] = [];
  readonly sessions = new Set<string>();
  signIns = 0;
  private admin: boolean;
  private server: http.Server | null = null;
  private readonly forced: Answer[] = [];
  private readonly endings: { finishCode: number; note?: string }[] = [];
  private clock = Date.parse('2026-12-02T00:00:00Z');

  constructor(o: FakeTableauOptions = {}) {
    this.apiVersion = o.apiVersion ?? '3.24';
    this.site = o.site ?? 'ecommerce';
    this.tokenName = o.tokenName ?? 'opsbook-runbooks';
    this.tokenSecret = o.tokenSecret ?? 'pat-secret-0123456789';
    this.admin = o.admin ?? true;
    this.datasources = (o.datasources ?? []).map((d) => ({ ...d, id: randomUUID() }));
    this.workbooks = (o.workbooks ?? []).map((w) => ({ ...w, id: randomUUID() }));
  }

  /** Every session token stops working, as when they expire (240 minutes on Server) or are revoked. */
  expireSessions(): void {
    this.sessions.clear();
  }

  rateLimitNext(times: number, retryAfterSeconds: number): void {
    for (let i = 0; i < times; i++) this.forced.push({ status: 429, body: err('Too Many Requests', 'Too many requests in the allotted amount of time.', '429000'), headers: { 'Retry-After': String(retryAfterSeconds) } });
  }

  /** How the next refresh job ends: finishCode 1 (failed) with a note, or 2 (cancelled). */
  endNextRefresh(finishCode: number, note?: string): void {
    this.endings.push({ finishCode, ...(note ? { note } : {}) });
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const answer = this.forced.shift() ?? this.handle(req.method ?? 'GET', req.url ?? '/', req.headers, body);
        this.requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body, status: answer.status });
        // The VizQL Data Service speaks JSON only; the REST API answers XML unless asked for JSON.
        const json = String(req.headers.accept ?? '').includes('application/json') || (req.url ?? '').startsWith('/api/v1/vizql-data-service/');
        res.writeHead(answer.status, { 'Content-Type': json ? 'application/json' : 'application/xml;charset=UTF-8', ...(answer.headers ?? {}) });
        res.end(answer.body === undefined ? '' : json ? JSON.stringify(answer.body) : toXml(answer.body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private now(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  private handle(method: string, rawUrl: string, headers: http.IncomingHttpHeaders, body: string): Answer {
    const url = new URL(rawUrl, 'http://fake');
    if (url.pathname.startsWith('/api/v1/vizql-data-service/')) return this.vds(method, url.pathname, headers, body);
    const prefix = `/api/${this.apiVersion}`;
    if (!url.pathname.startsWith(`${prefix}/`)) return { status: 404, body: err('Resource Not Found', `No API version ${url.pathname.split('/')[2] ?? ''} here; this server speaks ${this.apiVersion}.`, '404000') };
    const path = url.pathname.slice(prefix.length);
    const contentType = String(headers['content-type'] ?? '');
    if (method === 'POST' && path === '/auth/signin') return this.signIn(contentType, body);
    const token = headers['x-tableau-auth'];
    if (typeof token !== 'string' || token === '') return { status: 401, body: err('Unauthorized Access', 'No authentication credentials were provided', '401000') };
    if (!this.sessions.has(token)) return { status: 401, body: err('Unauthorized Access', 'Invalid authentication credentials were provided.', '401002') };
    if (method === 'POST' && path === '/auth/signout') {
      this.sessions.delete(token);
      return { status: 204 };
    }
    const m = /^\/sites\/([^/]+)(\/.*)$/.exec(path);
    if (!m) return { status: 404, body: err('Resource Not Found', `Unknown resource ${path}.`, '404000') };
    if (m[1] !== this.siteId) return { status: 403, body: err('Forbidden', `The session is signed in to site '${this.siteId}', not '${m[1]}'.`, '403000') };
    const rest = m[2]!;
    const list = /^\/(datasources|workbooks)$/.exec(rest);
    if (list && method === 'GET') return this.query(list[1] as 'datasources' | 'workbooks', url.searchParams);
    const refresh = /^\/(datasources|workbooks)\/([^/]+)\/refresh$/.exec(rest);
    if (refresh && method === 'POST') return this.refresh(refresh[1] as 'datasources' | 'workbooks', refresh[2]!, contentType, body);
    const job = /^\/jobs\/([^/]+)$/.exec(rest);
    if (job && method === 'GET') return this.readJob(job[1]!);
    if (job && method === 'PUT') return this.cancelJob(job[1]!);
    if (rest === '/jobs' && method === 'GET') return this.queryJobs(url.searchParams);
    return { status: 405, body: err('Method Not Allowed', `${method} ${rest} is not an operation of the REST API.`, '405000') };
  }

  /** The VizQL Data Service: the same session token, its own error shape. */
  private vds(method: string, path: string, headers: http.IncomingHttpHeaders, body: string): Answer {
    const vdsErr = (status: number, errorCode: string, message: string): Answer => ({ status, body: { errorCode, message, datetime: new Date(this.clock).toISOString() } });
    if (method !== 'POST' || path !== '/api/v1/vizql-data-service/query-datasource') return vdsErr(404, '404000', `${method} ${path} is not a VizQL Data Service method.`);
    const token = headers['x-tableau-auth'];
    if (typeof token !== 'string' || !this.sessions.has(token)) return vdsErr(401, '401002', 'Invalid authentication credentials were provided.');
    if (!String(headers['content-type'] ?? '').startsWith('application/json')) return vdsErr(400, '400000', 'The request body must be JSON (Content-Type: application/json).');
    const read = readVdsRequest(parse(body));
    if (!read.ok) return { status: 400, body: read.error };
    const ds = this.datasources.find((d) => d.id === read.request.datasource.datasourceLuid);
    if (!ds) return vdsErr(404, '404934', `Unknown datasource LUID '${read.request.datasource.datasourceLuid}'.`);
    const rows = ds.rows ?? [];
    const fields = read.request.query.fields;
    for (const f of fields) {
      if ('calculation' in f) return vdsErr(400, '400000', 'This fake answers fields with or without a function, not calculations.');
      if (rows.length > 0 && !(f.fieldCaption in rows[0]!)) return vdsErr(400, '400802', `Unknown field: ${f.fieldCaption}.`);
    }
    return { status: 200, body: { data: aggregate(rows, fields) } };
  }

  private signIn(contentType: string, body: string): Answer {
    if (!contentType.startsWith('application/json')) return { status: 400, body: err('Bad Request', 'The request body is XML unless Content-Type says application/json.', '400000') };
    const parsed = parse(body);
    const c = (parsed?.credentials ?? null) as Json | null;
    const site = (c?.site ?? null) as Json | null;
    if (!c || !site || typeof site.contentUrl !== 'string') return { status: 400, body: err('Bad Request', 'credentials with a site {contentUrl} are required.', '400000') };
    if (typeof c.personalAccessTokenName !== 'string' || typeof c.personalAccessTokenSecret !== 'string') return { status: 400, body: err('Bad Request', 'credentials need personalAccessTokenName and personalAccessTokenSecret (or name and password).', '400000') };
    this.signIns++;
    if (c.personalAccessTokenName !== this.tokenName || c.personalAccessTokenSecret !== this.tokenSecret || site.contentUrl !== this.site) {
      return { status: 401, body: err('Signin Error', 'Error signing in to Tableau Server', '401001') };
    }
    const token = randomUUID().replace(/-/g, '');
    this.sessions.add(token);
    return { status: 200, body: { credentials: { token, site: { id: this.siteId, contentUrl: this.site }, user: { id: 'u-opsbook' }, estimatedTimeToExpiration: '239:59:59' } } };
  }

  private query(kind: 'datasources' | 'workbooks', q: URLSearchParams): Answer {
    const paging = pagingOf(q);
    if ('error' in paging) return { status: 400, body: paging.error };
    const filter = q.has('filter') ? parseFilter(q.get('filter')!, ['name', 'projectName', 'updatedAt']) : [];
    if ('error' in filter) return { status: 400, body: filter.error };
    const all = (kind === 'datasources' ? this.datasources : this.workbooks).filter((i) => filter.every((f) => f.field !== 'name' || i.name === f.value));
    const page = all.slice((paging.number - 1) * paging.size, paging.number * paging.size);
    const one = kind === 'datasources' ? 'datasource' : 'workbook';
    return {
      status: 200,
      body: {
        pagination: { pageNumber: String(paging.number), pageSize: String(paging.size), totalAvailable: String(all.length) },
        [kind]: { [one]: page.map((i) => ({ id: i.id, name: i.name, ...(kind === 'datasources' ? { type: 'hyper', hasExtracts: i.hasExtracts ?? true } : {}), createdAt: '2026-01-05T08:00:00Z', updatedAt: i.updatedAt, project: { id: `p-${i.project}`, name: i.project }, owner: { id: 'u-owner' }, webpageUrl: `https://tableau.example/#/site/${this.site}/${kind}/${i.id}` })) },
      },
    };
  }

  private refresh(kind: 'datasources' | 'workbooks', id: string, contentType: string, body: string): Answer {
    // Update Now takes an empty request body: <tsRequest/> in XML, {} in JSON.
    if (body.trim() !== '' && !(contentType.startsWith('application/json') && body.trim() === '{}')) return { status: 400, body: err('Bad Request', 'The refresh request takes an empty body.', '400000') };
    const item = (kind === 'datasources' ? this.datasources : this.workbooks).find((i) => i.id === id);
    if (!item) return { status: 404, body: err('Resource Not Found', `${kind === 'datasources' ? 'Datasource' : 'Workbook'} '${id}' could not be found.`, kind === 'datasources' ? '404011' : '404006') };
    const job: FakeJob = { id: randomUUID(), kind: kind === 'datasources' ? 'datasource' : 'workbook', item, createdAt: this.now(), reads: 0, startedAt: null, completedAt: null, finishCode: null, ending: this.endings.shift() ?? { finishCode: 0 } };
    this.jobs.set(job.id, job);
    return { status: 202, body: { job: { id: job.id, mode: 'Asynchronous', type: 'RefreshExtract', createdAt: job.createdAt } } };
  }

  private readJob(id: string): Answer {
    const job = this.jobs.get(id);
    if (!job) return { status: 404, body: err('Resource Not Found', `Job '${id}' could not be found.`, '404031') };
    job.reads++;
    if (job.reads >= 1 && !job.startedAt) job.startedAt = this.now();
    if (job.reads >= 3 && job.finishCode === null) {
      job.finishCode = job.ending.finishCode;
      job.completedAt = this.now();
      if (job.finishCode === 0) job.item.updatedAt = job.completedAt;
    }
    return { status: 200, body: { job: this.jobBody(job) } };
  }

  private cancelJob(id: string): Answer {
    const job = this.jobs.get(id);
    if (!job) return { status: 404, body: err('Resource Not Found', `Job '${id}' could not be found.`, '404031') };
    if (job.finishCode === null) {
      job.finishCode = 2;
      job.completedAt = this.now();
    }
    return { status: 200, body: { job: this.jobBody(job) } };
  }

  private jobBody(job: FakeJob): Json {
    const progress = job.finishCode !== null ? 100 : job.startedAt ? 50 : 0;
    return {
      id: job.id, mode: 'Asynchronous', type: 'RefreshExtract', progress: String(progress), createdAt: job.createdAt,
      ...(job.startedAt ? { startedAt: job.startedAt } : {}),
      ...(job.completedAt ? { completedAt: job.completedAt } : {}),
      ...(job.finishCode !== null ? { finishCode: String(job.finishCode) } : {}),
      extractRefreshJob: { [job.kind]: { id: job.item.id, name: job.item.name }, ...(job.finishCode === 1 && job.ending.note ? { notes: job.ending.note } : {}) },
    };
  }

  private queryJobs(q: URLSearchParams): Answer {
    if (!this.admin) return { status: 403, body: err('Forbidden', 'Only site administrators can query background jobs.', '403144') };
    const paging = pagingOf(q);
    if ('error' in paging) return { status: 400, body: paging.error };
    const filter = q.has('filter') ? parseFilter(q.get('filter')!, ['jobType', 'status', 'title', 'subtitle', 'createdAt', 'startedAt', 'endedAt', 'notes', 'priority', 'progress', 'args', 'completedAt']) : [];
    if ('error' in filter) return { status: 400, body: filter.error };
    const rows = [...this.jobs.values()].map((j) => ({
      id: j.id, status: j.finishCode === null ? (j.startedAt ? 'InProgress' : 'Pending') : (['Success', 'Failed', 'Cancelled'][j.finishCode] ?? 'Failed'), createdAt: j.createdAt,
      ...(j.startedAt ? { startedAt: j.startedAt } : {}), ...(j.completedAt ? { endedAt: j.completedAt } : {}),
      priority: '50', jobType: 'refresh_extracts', title: j.item.name, subtitle: j.kind === 'datasource' ? 'Data Source' : 'Workbook',
    }));
    const kept = rows.filter((r) => filter.every((f) => String((r as Json)[f.field] ?? '') === f.value));
    const page = kept.slice((paging.number - 1) * paging.size, paging.number * paging.size);
    return { status: 200, body: { pagination: { pageNumber: String(paging.number), pageSize: String(paging.size), totalAvailable: String(kept.length) }, backgroundJobs: { backgroundJob: page } } };
  }
}

const err = (summary: string, detail: string, code: string): Json => ({ error: { summary, detail, code } });

/** Fields with a function aggregate over the rows grouped by the fields without one (dimensions), as a viz does. */
function aggregate(rows: readonly Readonly<Record<string, unknown>>[], fields: readonly VdsRequestField[]): Json[] {
  const dims = fields.filter((f) => !('function' in f) || !f.function);
  const groups = new Map<string, Readonly<Record<string, unknown>>[]>();
  for (const r of rows) {
    const key = JSON.stringify(dims.map((d) => r[d.fieldCaption] ?? null));
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  if (groups.size === 0 && dims.length === 0) groups.set('[]', []);
  return [...groups.values()].map((g) => Object.fromEntries(fields.map((f) => {
    const values = g.map((r) => r[f.fieldCaption]).filter((v) => v !== null && v !== undefined);
    const fn = 'function' in f ? f.function : undefined;
    const cmp = (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b)));
    const nums = values.map(Number);
    const v = !fn ? (g[0]?.[f.fieldCaption] ?? null)
      : fn === 'MAX' ? ([...values].sort(cmp).at(-1) ?? null)
      : fn === 'MIN' ? ([...values].sort(cmp)[0] ?? null)
      : fn === 'SUM' ? (values.length ? nums.reduce((a, b) => a + b, 0) : null)
      : fn === 'AVG' ? (values.length ? nums.reduce((a, b) => a + b, 0) / values.length : null)
      : fn === 'COUNT' ? values.length
      : fn === 'COUNTD' ? new Set(values.map((x) => JSON.stringify(x))).size
      : null;
    return [answerKey(f), v];
  })));
}

function parse(body: string): Json | null {
  try {
    const v = JSON.parse(body) as unknown;
    return v && typeof v === 'object' ? (v as Json) : null;
  } catch {
    return null;
  }
}

function pagingOf(q: URLSearchParams): { size: number; number: number } | { error: Json } {
  const size = Number(q.get('pageSize') ?? 100);
  const number = Number(q.get('pageNumber') ?? 1);
  if (!Number.isInteger(size) || size < 1 || size > 1000) return { error: err('Bad Request', `pageSize '${q.get('pageSize')}' must be 1 to 1000.`, '400006') };
  if (!Number.isInteger(number) || number < 1) return { error: err('Bad Request', `pageNumber '${q.get('pageNumber')}' must be a positive whole number.`, '400006') };
  return { size, number };
}

/** `field:operator:value` expressions joined by commas; a backslash escapes a comma or colon in a value. */
export function parseFilter(text: string, fields: readonly string[]): { field: string; op: string; value: string }[] | { error: Json } {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && i + 1 < text.length) cur += text[i] + text[++i]!;
    else if (text[i] === ',') (parts.push(cur), (cur = ''));
    else cur += text[i];
  }
  parts.push(cur);
  const out: { field: string; op: string; value: string }[] = [];
  for (const p of parts) {
    const m = /^([A-Za-z]+):(eq|in|gt|gte|lt|lte|has):(.+)$/s.exec(p);
    if (!m) return { error: err('Bad Request', `Filter expression '${p}' is not field:operator:value.`, '400065') };
    if (!fields.includes(m[1]!)) return { error: err('Bad Request', `'${m[1]}' is not a field this resource can be filtered by.`, '400065') };
    if (/(^|[^\\])[,:]/.test(m[3]!)) return { error: err('Bad Request', `The value in '${p}' has an unescaped , or :.`, '400065') };
    out.push({ field: m[1]!, op: m[2]!, value: m[3]!.replace(/\\(.)/g, '$1') });
  }
  return out;
}

/** Tableau's XML form: primitives as attributes, objects as child elements, lists as repeated elements. */
export function toXml(body: Json): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const element = (name: string, v: Json): string => {
    const attrs = Object.entries(v).filter(([k, x]) => typeof x !== 'object' && k !== 'summary' && k !== 'detail').map(([k, x]) => ` ${k}="${esc(String(x))}"`).join('');
    const texts = ['summary', 'detail'].filter((k) => name === 'error' && typeof v[k] === 'string').map((k) => `<${k}>${esc(String(v[k]))}</${k}>`).join('');
    const children = Object.entries(v).filter(([, x]) => x && typeof x === 'object').map(([k, x]) => (Array.isArray(x) ? (x as Json[]).map((i) => element(k, i)).join('') : element(k, x as Json))).join('');
    return `<${name}${attrs}${texts || children ? `>${texts}${children}</${name}>` : '/>'}`;
  };
  return `<?xml version='1.0' encoding='UTF-8'?><tsResponse xmlns="http://tableau.com/api">${Object.entries(body).map(([k, v]) => element(k, v as Json)).join('')}</tsResponse>`;
}
