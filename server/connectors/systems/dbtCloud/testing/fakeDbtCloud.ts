/**
 * A contract fake of the dbt Cloud Administrative API v2 — the endpoints runbooks use — written from dbt's
 * API reference and dbt Labs' own client (dbt-mcp): the {status, data, extra} envelope, limit/offset pages
 * with extra.pagination.total_count (limit at most 100), run statuses 1/2/3/10/20/30, run_steps under
 * include_related, run_results.json as a raw artifact, and 429 with Retry-After. Every request is checked
 * against that contract (path with its trailing slash, account, token, query parameters, body fields and
 * types); a request that breaks it is answered 400 and kept in `violations`, which tests assert is empty.
 * A run moves one step forward each time it is read, so following it depends on no clock.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeJob {
  readonly id: number;
  readonly name: string;
  readonly executeSteps: readonly string[];
  /** The model that fails when its step runs (`model.<project>.<name>`); none when the job succeeds. */
  readonly failing?: string | null;
  /** The run results a successful step reports: unique ids (models and tests). */
  readonly nodes: readonly string[];
  /** A chatty job (the bench's terminal figure): a finished dbt step's log has about this many bytes of model lines. */
  readonly logBytes?: number;
}

/** dbt's per-model lines, repeated to about `bytes`: what a large project's step log looks like. */
export function chattyLog(bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 1; size < bytes; i++) {
    const l = `12:00:${String(i % 60).padStart(2, '0')}  ${i} of many OK created sql table model analytics.model_${i} ............ [SELECT 1000 in 0.42s]\n`;
    lines.push(l);
    size += l.length;
  }
  return lines.join('');
}

export interface FakeDbtCloud {
  readonly url: string;
  readonly accountId: number;
  readonly token: string;
  /** Requests that broke the API's contract (empty when the client behaved). */
  readonly violations: string[];
  /** Every request, as `METHOD path?query`, with its JSON body when any. */
  readonly requests: { readonly line: string; readonly body: unknown }[];
  /** The next `count` requests are answered 429 with `Retry-After: seconds`. */
  rateLimit(count: number, seconds: number): void;
  /** Makes a job fail at a model (or succeed again with null). */
  setFailing(jobId: number, model: string | null): void;
  close(): Promise<void>;
}

const STATUS_TEXT: Record<number, string> = { 1: 'Queued', 2: 'Starting', 3: 'Running', 10: 'Success', 20: 'Error', 30: 'Cancelled' };
const INCLUDE_RELATED = new Set(['trigger', 'job', 'environment', 'repository', 'run_steps', 'run_retries', 'used_repo_cache', 'audit', 'debug_logs']);
const TRIGGER_FIELDS: Record<string, 'string' | 'integer' | 'boolean' | 'strings'> = {
  cause: 'string', git_sha: 'string', git_branch: 'string', azure_pull_request_id: 'integer', github_pull_request_id: 'integer',
  gitlab_merge_request_id: 'integer', schema_override: 'string', dbt_version_override: 'string', threads_override: 'integer',
  target_name_override: 'string', generate_docs_override: 'boolean', timeout_seconds_override: 'integer', steps_override: 'strings',
};
const SETUP_STEPS = ['Clone git repository', 'Create profile from connection', 'Invoke dbt deps'];

interface FakeRun {
  readonly id: number;
  readonly job: FakeJob;
  readonly steps: readonly string[];
  readonly cause: string;
  readonly failing: string | null;
  readonly createdAt: string;
  /** How many times the run was read: how far it has got. */
  reads: number;
}

export async function startFakeDbtCloud(options: { readonly jobs: readonly FakeJob[]; readonly accountId?: number; readonly token?: string; readonly firstRunId?: number }): Promise<FakeDbtCloud> {
  const accountId = options.accountId ?? 70471823;
  const token = options.token ?? 'dbtc_fake_service_token';
  const jobs = new Map(options.jobs.map((j) => [j.id, { ...j }]));
  const runs = new Map<number, FakeRun>();
  const violations: string[] = [];
  const requests: { line: string; body: unknown }[] = [];
  let nextRunId = options.firstRunId ?? 310_000;
  let limited = 0;
  let retryAfter = 1;
  // A fixed instant: the fake's answers do not depend on when the test runs.
  const at = (n: number) => new Date(Date.UTC(2026, 11, 1, 22, 0, n)).toISOString();

  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const envelope = (code: number, data: unknown, extra?: unknown) => ({
    status: { code, is_success: code < 400, user_message: code < 400 ? 'Success!' : USER_MESSAGE[code] ?? 'Error', developer_message: '' },
    data,
    ...(extra ? { extra } : {}),
  });
  const USER_MESSAGE: Record<number, string> = { 400: 'The request was invalid.', 401: 'Invalid token.', 404: 'The requested resource was not found.', 429: 'Too many requests.' };
  const refuse = (res: http.ServerResponse, problem: string) => {
    violations.push(problem);
    send(res, 400, { ...envelope(400, null), status: { code: 400, is_success: false, user_message: 'The request was invalid.', developer_message: problem } });
  };

  const jobData = (j: FakeJob) => ({ id: j.id, account_id: accountId, project_id: 1, environment_id: 2, name: j.name, execute_steps: j.executeSteps, state: 1, job_type: 'scheduled' });
  const runData = (r: FakeRun, related: ReadonlySet<string>) => {
    const p = progress(r);
    return {
      id: r.id, trigger_id: r.id + 1, account_id: accountId, environment_id: 2, project_id: 1, job_definition_id: r.job.id,
      status: p.status, status_humanized: STATUS_TEXT[p.status], status_message: p.status === 20 ? `Database Error in ${r.failing}` : null,
      git_sha: 'c0ffee1', created_at: r.createdAt, started_at: p.status >= 3 ? r.createdAt : null, finished_at: p.status >= 10 ? at(r.reads) : null,
      is_complete: p.status >= 10, is_success: p.status === 10, is_error: p.status === 20, is_cancelled: p.status === 30,
      duration_humanized: `${r.reads} seconds`, href: `https://cloud.getdbt.com/deploy/${accountId}/projects/1/runs/${r.id}/`,
      ...(related.has('job') ? { job: jobData(r.job) } : {}),
      ...(related.has('run_steps') ? { run_steps: p.steps } : {}),
    };
  };
  /** Where a run is after `reads` reads: read 1 queued, then one step per read; a failing model stops it. */
  function progress(r: FakeRun): { status: number; steps: object[]; results: object[] | null } {
    const all = [...SETUP_STEPS, ...r.steps.map((s) => `Invoke ${s}`)];
    if (r.reads <= 1) return { status: 1, steps: [], results: null };
    const done = r.reads - 1;
    const steps: object[] = [];
    let failedAt = -1;
    for (let i = 0; i < Math.min(done, all.length); i++) {
      const isDbt = i >= SETUP_STEPS.length;
      const fails = isDbt && r.failing !== null && failedAt < 0 && i === SETUP_STEPS.length;
      const running = i === done - 1 && i < all.length && done <= all.length;
      const status = fails && !running ? 20 : running ? 3 : 10;
      if (fails && !running) failedAt = i;
      steps.push({ id: r.id * 100 + i, run_id: r.id, account_id: accountId, index: i + 1, name: all[i], status, status_humanized: STATUS_TEXT[status], logs: logOf(all[i]!, r, running, fails && !running), started_at: at(i), finished_at: running ? null : at(i + 1) });
      if (failedAt >= 0) break;
    }
    if (failedAt >= 0) return { status: 20, steps, results: resultsOf(r) };
    if (done > all.length) return { status: 10, steps, results: resultsOf(r) };
    return { status: 3, steps, results: null };
  }
  const logOf = (name: string, r: FakeRun, running: boolean, failed: boolean) => {
    if (!name.startsWith('Invoke dbt')) return `${name}: ok\n`;
    const head = `Running with dbt=1.9.0\nFound ${r.job.nodes.length} nodes\n`;
    if (running) return head;
    if (failed) return `${head}Database Error in ${r.failing}\nFailure in ${r.failing}\n`;
    return `${head}${r.job.logBytes ? chattyLog(r.job.logBytes) : ''}Completed successfully\n`;
  };
  const resultsOf = (r: FakeRun) => r.job.nodes.map((id) => ({
    unique_id: id, status: id === r.failing ? 'error' : r.failing ? 'skipped' : id.startsWith('test.') ? 'pass' : 'success',
    execution_time: 1.5, failures: id.startsWith('test.') ? 0 : null, message: id === r.failing ? 'Database Error' : 'OK', thread_id: 'Thread-1', adapter_response: {},
  }));

  /** Checks query parameters against the endpoint's documented ones. */
  const checkQuery = (q: URLSearchParams, allowed: readonly string[], where: string): string | null => {
    for (const key of q.keys()) if (!allowed.includes(key)) return `${where}: unknown query parameter "${key}" (documented: ${allowed.join(', ')})`;
    const limit = q.get('limit');
    if (limit !== null && (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > 100)) return `${where}: limit must be an integer from 1 to 100, got "${limit}"`;
    const offset = q.get('offset');
    if (offset !== null && !/^\d+$/.test(offset)) return `${where}: offset must be a non-negative integer, got "${offset}"`;
    const related = q.get('include_related');
    if (related !== null) {
      const names = related.replace(/^\[|\]$/g, '').split(',').map((s) => s.trim().replace(/^["']|["']$/g, '')).filter(Boolean);
      const bad = names.find((n) => !INCLUDE_RELATED.has(n));
      if (bad) return `${where}: include_related has unknown "${bad}"`;
    }
    return null;
  };
  const relatedOf = (q: URLSearchParams) => new Set((q.get('include_related') ?? '').replace(/^\[|\]$/g, '').split(',').map((s) => s.trim().replace(/^["']|["']$/g, '')));

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const raw = Buffer.concat(chunks).toString();
      let body: unknown = undefined;
      if (raw) {
        try {
          body = JSON.parse(raw);
        } catch {
          return refuse(res, `${req.method} ${url.pathname}: body is not JSON`);
        }
      }
      requests.push({ line: `${req.method} ${url.pathname}${url.search}`, body });
      if (limited > 0) {
        limited--;
        return send(res, 429, envelope(429, null), { 'Retry-After': String(retryAfter) });
      }
      const auth = req.headers.authorization ?? '';
      if (auth !== `Bearer ${token}` && auth !== `Token ${token}`) return send(res, 401, envelope(401, null));
      const prefix = `/api/v2/accounts/${accountId}/`;
      if (!url.pathname.startsWith('/api/v2/accounts/')) return refuse(res, `${url.pathname}: not an API v2 path`);
      if (!url.pathname.startsWith(prefix)) return send(res, 404, envelope(404, null));
      const path = url.pathname.slice(prefix.length);
      const q = url.searchParams;
      const m = (re: RegExp) => re.exec(path);
      let match: RegExpExecArray | null;
      if (req.method === 'GET' && path === 'jobs/') {
        const problem = checkQuery(q, ['limit', 'offset', 'order_by', 'project_id', 'environment_id', 'state', 'include_related', 'name__icontains'], 'GET jobs');
        if (problem) return refuse(res, problem);
        const all = [...jobs.values()].sort((a, b) => a.id - b.id);
        const offset = Number(q.get('offset') ?? 0);
        const page = all.slice(offset, offset + Number(q.get('limit') ?? 100));
        return send(res, 200, envelope(200, page.map(jobData), { filters: { account_id: accountId, limit: Number(q.get('limit') ?? 100), offset }, order_by: q.get('order_by') ?? 'id', pagination: { count: page.length, total_count: all.length } }));
      }
      if (req.method === 'GET' && (match = m(/^jobs\/(\d+)\/$/))) {
        const problem = checkQuery(q, ['include_related'], 'GET jobs/{id}');
        if (problem) return refuse(res, problem);
        const job = jobs.get(Number(match[1]));
        return job ? send(res, 200, envelope(200, jobData(job))) : send(res, 404, envelope(404, null));
      }
      if (req.method === 'POST' && (match = m(/^jobs\/(\d+)\/run\/$/))) {
        if (!/^application\/json/.test(req.headers['content-type'] ?? '')) return refuse(res, 'POST jobs/{id}/run: Content-Type must be application/json');
        if (typeof body !== 'object' || body === null || Array.isArray(body)) return refuse(res, 'POST jobs/{id}/run: body must be a JSON object');
        const b = body as Record<string, unknown>;
        for (const [key, value] of Object.entries(b)) {
          const type = TRIGGER_FIELDS[key];
          if (!type) return refuse(res, `POST jobs/{id}/run: unknown field "${key}"`);
          const ok = type === 'string' ? typeof value === 'string' : type === 'integer' ? Number.isInteger(value) : type === 'boolean' ? typeof value === 'boolean' : Array.isArray(value) && value.length > 0 && value.every((s) => typeof s === 'string');
          if (!ok) return refuse(res, `POST jobs/{id}/run: ${key} must be ${type === 'strings' ? 'a non-empty list of strings' : `a ${type}`}`);
        }
        if (typeof b.cause !== 'string' || b.cause.length === 0 || b.cause.length > 255) return refuse(res, 'POST jobs/{id}/run: cause is required (1 to 255 characters)');
        const steps = b.steps_override as string[] | undefined;
        if (steps?.some((s) => !/^dbt\s/.test(s))) return refuse(res, 'POST jobs/{id}/run: every steps_override entry must be a dbt command');
        const job = jobs.get(Number(match[1]));
        if (!job) return send(res, 404, envelope(404, null));
        const run: FakeRun = { id: nextRunId++, job, steps: steps ?? job.executeSteps, cause: b.cause, failing: job.failing ?? null, createdAt: at(0), reads: 0 };
        runs.set(run.id, run);
        return send(res, 200, envelope(200, runData(run, new Set())));
      }
      if (req.method === 'GET' && path === 'runs/') {
        const problem = checkQuery(q, ['job_definition_id', 'environment_id', 'project_id', 'status', 'order_by', 'limit', 'offset', 'include_related'], 'GET runs');
        if (problem) return refuse(res, problem);
        const orderBy = q.get('order_by');
        if (orderBy !== null && !['id', '-id', 'created_at', '-created_at', 'finished_at', '-finished_at'].includes(orderBy)) return refuse(res, `GET runs: order_by "${orderBy}" is not a run field`);
        let all = [...runs.values()].filter((r) => q.get('job_definition_id') === null || r.job.id === Number(q.get('job_definition_id')));
        all = all.sort((a, b) => (orderBy === '-id' ? b.id - a.id : a.id - b.id));
        const offset = Number(q.get('offset') ?? 0);
        const page = all.slice(offset, offset + Number(q.get('limit') ?? 100));
        return send(res, 200, envelope(200, page.map((r) => runData(r, relatedOf(q))), { pagination: { count: page.length, total_count: all.length } }));
      }
      if (req.method === 'GET' && (match = m(/^runs\/(\d+)\/$/))) {
        const problem = checkQuery(q, ['include_related'], 'GET runs/{id}');
        if (problem) return refuse(res, problem);
        const run = runs.get(Number(match[1]));
        if (!run) return send(res, 404, envelope(404, null));
        run.reads++;
        return send(res, 200, envelope(200, runData(run, relatedOf(q))));
      }
      if (req.method === 'GET' && (match = m(/^runs\/(\d+)\/artifacts\/(.+)$/))) {
        const problem = checkQuery(q, ['step'], 'GET runs/{id}/artifacts/{path}');
        if (problem) return refuse(res, problem);
        const run = runs.get(Number(match[1]));
        const results = run ? progress(run).results : null;
        if (!run || match[2] !== 'run_results.json' || !results) return send(res, 404, envelope(404, null));
        return send(res, 200, { metadata: { dbt_schema_version: 'https://schemas.getdbt.com/dbt/run-results/v6.json' }, results, elapsed_time: 4.2, args: {} });
      }
      return refuse(res, `${req.method} ${url.pathname}: not an endpoint of the Administrative API v2 this fake knows (check the trailing slash)`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    accountId,
    token,
    violations,
    requests,
    rateLimit(count, seconds) {
      limited = count;
      retryAfter = seconds;
    },
    setFailing(jobId, model) {
      const job = jobs.get(jobId);
      if (job) jobs.set(jobId, { ...job, failing: model });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
