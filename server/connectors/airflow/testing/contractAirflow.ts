/**
 * A contract fake of Airflow (2 with /api/v1, or 3 with /api/v2) that keeps state: DAGs whose tasks may be
 * dynamically mapped (several map indexes of one task id), runs with their task instances and per-try logs,
 * backfills that create the runs their dates cover, and Airflow 3.1 human-in-the-loop details. Written from
 * the official specs in the shared reference folder; every request the client sends is checked against
 * the spec (`violations`), and every 2xx answer the fake gives is checked too, so the fake cannot drift.
 *
 * What it models beyond shapes, each as Airflow documents or behaves:
 * - Airflow 2 lists a run's task instances ordered by map_index only; rows that tie on it come back in
 *   whatever order the database picks, which differs between page requests (modelled by a permutation
 *   per request), and pages are capped at `pageCap` (maximum_page_limit). POST .../taskInstances/list has no
 *   paging in the 2.x spec and answers every match at once.
 * - Airflow 3 breaks ties by the primary key, so its pages are stable.
 * - Airflow 3 verifies each bearer JWT with its secret: a token signed with another secret (the api-server
 *   restarted with a rotated secret) is answered 403 {"detail": "Invalid JWT token"}.
 * - Logs are read per (task_id, map_index, try); a mapped task read without its map_index is not found.
 * - A backfill creates one run per scheduled logical date in [from_date, to_date] (the DAG's daily cron
 *   hour), so a to_date at midnight leaves out that day's run.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { fixture, startFakeAirflow, type FakeAirflow, type Recorded, type Reply } from './fakeAirflow';
import { requestProblems, responseProblems, type SpecFile } from './specRequests';

export interface ContractTask {
  readonly taskId: string;
  /** A dynamically mapped task: how many map indexes it expanded to. */
  readonly mapped?: number;
}

export interface ContractDag {
  readonly dagId: string;
  readonly tasks: readonly ContractTask[];
  /** The hour (UTC) of its daily cron schedule; logical dates are that hour of each day. */
  readonly hourUtc: number;
}

export interface FakeTi {
  readonly taskId: string;
  readonly mapIndex: number;
  state: string | null;
  tryNumber: number;
  /** Lines written per try (index 0 is try 1). */
  readonly logs: string[][];
}

export interface FakeRun {
  readonly dagId: string;
  readonly runId: string;
  readonly logicalDate: string;
  state: string;
  readonly runType: 'manual' | 'scheduled' | 'backfill';
  readonly tis: FakeTi[];
  /** Applied one per read of the run (GET of the run): how the run moves on, deterministically. */
  readonly steps: ((run: FakeRun) => void)[];
}

export interface FakeHitl {
  readonly runId: string;
  readonly taskId: string;
  readonly mapIndex: number;
  readonly subject: string;
  readonly body: string | null;
  readonly options: readonly string[];
  readonly multiple: boolean;
  chosen: string[] | null;
  userId: string | null;
  respondedAt: string | null;
}

export interface ContractOptions {
  readonly api: 'v1' | 'v2';
  readonly dags: readonly ContractDag[];
  /** The server's maximum_page_limit. */
  readonly pageCap?: number;
  readonly credentials?: { readonly username: string; readonly password: string };
}

export interface ContractAirflow {
  readonly url: string;
  readonly requests: Recorded[];
  /** Every way a request or an answer departed from the spec. A test expects this empty. */
  readonly violations: string[];
  readonly runs: FakeRun[];
  readonly hitl: FakeHitl[];
  readonly backfills: { id: number; dagId: string; fromDate: string; toDate: string; runIds: string[] }[];
  /** Adds a run with every task instance in `state` (mapped tasks expanded), one try of logs each when started. */
  addRun(dagId: string, runId: string, logicalDate: string, state: string, tiState: string | null): FakeRun;
  ti(runId: string, taskId: string, mapIndex?: number): FakeTi;
  /** The api-server restarts with a new JWT secret: every token issued before is invalid. */
  rotateSecret(): void;
  /** Refuse every bearer token, even fresh ones (a secret that differs between api-server replicas). */
  refuseAllTokens: boolean;
  readonly tokensIssued: number;
  close(): Promise<void>;
}

const CREDENTIALS = { username: 'ops', password: 's3cret-pw' };
const HOST = 'worker-1';

export async function startContractAirflow(options: ContractOptions): Promise<ContractAirflow> {
  const file: SpecFile = options.api === 'v1' ? 'v1.yaml' : 'v2-rest-api-generated.yaml';
  const credentials = options.credentials ?? CREDENTIALS;
  const pageCap = options.pageCap ?? (options.api === 'v1' ? 100 : 1000);
  const violations: string[] = [];
  const runs: FakeRun[] = [];
  const hitl: FakeHitl[] = [];
  const backfills: ContractAirflow['backfills'] = [];
  let secret = randomBytes(16);
  let tokensIssued = 0;
  let listRequests = 0;
  const state = { refuseAllTokens: false };

  const dagOf = (id: string) => options.dags.find((d) => d.dagId === id);
  const runOf = (dagId: string, runId: string) => runs.find((r) => r.dagId === dagId && r.runId === runId);
  const expand = (dag: ContractDag, tiState: string | null): FakeTi[] =>
    dag.tasks.flatMap((t) => (t.mapped ? Array.from({ length: t.mapped }, (_, i) => i) : [-1]).map((mapIndex) => newTi(t.taskId, mapIndex, tiState)));

  const addRun = (dagId: string, runId: string, logicalDate: string, runState: string, tiState: string | null): FakeRun => {
    const dag = dagOf(dagId);
    if (!dag) throw new Error(`no DAG ${dagId} in the fake`);
    const run: FakeRun = { dagId, runId, logicalDate, state: runState, runType: runId.startsWith('backfill__') ? 'backfill' : runId.startsWith('scheduled__') ? 'scheduled' : 'manual', tis: expand(dag, tiState), steps: [] };
    runs.push(run);
    return run;
  };

  // ------------------------------------------------------------------------------------------ auth

  const sign = (payload: object): string => {
    const b = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const head = `${b({ alg: 'HS512', typ: 'JWT' })}.${b(payload)}`;
    return `${head}.${createHmac('sha512', secret).update(head).digest('base64url')}`;
  };
  const verified = (token: string): boolean => {
    const [h, p, s] = token.split('.');
    if (!h || !p || !s || state.refuseAllTokens) return false;
    return createHmac('sha512', secret).update(`${h}.${p}`).digest('base64url') === s;
  };

  /** null when the request may proceed; else the reply Airflow gives an unauthenticated one. */
  const authProblem = (r: Recorded): Reply | null => {
    const header = r.headers.authorization ?? '';
    if (options.api === 'v1') {
      const expected = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
      return header === expected ? null : problem(401, 'Unauthorized', 'No credentials were provided or the credentials were not valid.');
    }
    if (!header.startsWith('Bearer ')) return { status: 401, body: { detail: 'Not authenticated' } };
    // security.py: InvalidTokenError → 403 "Invalid JWT token" (ExpiredSignatureError is the 401).
    return verified(header.slice(7)) ? null : { status: 403, body: { detail: 'Invalid JWT token' } };
  };

  // ------------------------------------------------------------------------------------------ shapes

  const v1Ti = (run: FakeRun, ti: FakeTi) => ({
    ...(fixture('v1/task_instances') as { task_instances: object[] }).task_instances[0], task_id: ti.taskId, task_display_name: ti.taskId, dag_id: run.dagId, dag_run_id: run.runId,
    execution_date: run.logicalDate, state: ti.state ?? 'none', try_number: ti.tryNumber, map_index: ti.mapIndex, start_date: ti.tryNumber > 0 ? run.logicalDate : null, end_date: null, duration: null,
  });
  const v2Ti = (run: FakeRun, ti: FakeTi) => ({
    ...(fixture('v2/task_instances') as { task_instances: object[] }).task_instances[0], id: `ti-${run.runId}-${ti.taskId}-${ti.mapIndex}`, task_id: ti.taskId, task_display_name: ti.taskId, dag_id: run.dagId,
    dag_display_name: run.dagId, dag_run_id: run.runId, logical_date: run.logicalDate, run_after: run.logicalDate, state: ti.state, try_number: ti.tryNumber, map_index: ti.mapIndex,
    start_date: ti.tryNumber > 0 ? run.logicalDate : null, end_date: null, duration: null,
  });
  const tiOut = (run: FakeRun, ti: FakeTi) => (options.api === 'v1' ? v1Ti(run, ti) : v2Ti(run, ti));
  const runOut = (run: FakeRun) =>
    options.api === 'v1'
      ? { ...(fixture('v1/dag_run') as object), dag_run_id: run.runId, dag_id: run.dagId, logical_date: run.logicalDate, execution_date: run.logicalDate, state: run.state, run_type: run.runType, conf: {} }
      : { ...(fixture('v2/dag_run') as object), dag_run_id: run.runId, dag_id: run.dagId, logical_date: run.logicalDate, run_after: run.logicalDate, state: run.state, run_type: run.runType, triggered_by: run.runType === 'backfill' ? 'backfill' : 'rest_api', conf: {} };
  const taskOut = (dag: ContractDag) => {
    const template = (fixture(options.api === 'v1' ? 'v1/tasks' : 'v2/tasks') as { tasks: object[] }).tasks[0];
    return { tasks: dag.tasks.map((t) => ({ ...template, task_id: t.taskId, task_display_name: t.taskId, is_mapped: Boolean(t.mapped), downstream_task_ids: [] })), total_entries: dag.tasks.length };
  };
  const hitlOut = (h: FakeHitl) => {
    const run = runs.find((r) => r.runId === h.runId)!;
    return {
      task_instance: v2Ti(run, run.tis.find((t) => t.taskId === h.taskId && t.mapIndex === h.mapIndex)!), options: h.options, subject: h.subject, body: h.body, defaults: null,
      multiple: h.multiple, params: {}, user_id: h.userId, response_at: h.respondedAt, chosen_options: h.chosen, params_input: {}, response_received: h.chosen !== null,
    };
  };

  // ------------------------------------------------------------------------------------------ routes

  const P = options.api === 'v1' ? '/api/v1' : '/api/v2';
  const notFound = (what: string): Reply => (options.api === 'v1' ? problem(404, 'Not Found', what) : { status: 404, body: { detail: what } });

  const route = (r: Recorded): Reply => {
    if (options.api === 'v2' && r.method === 'POST' && r.path === '/auth/token') {
      const b = r.body as { username?: string; password?: string } | undefined;
      if (b?.username !== credentials.username || b.password !== credentials.password) return { status: 401, body: { detail: 'Invalid credentials' } };
      tokensIssued++;
      return { status: 201, body: { access_token: sign({ sub: b.username, exp: Math.floor(Date.now() / 1000) + 86_400, n: tokensIssued }) } };
    }
    const denied = authProblem(r);
    if (denied) return denied;
    const problems = requestProblems(file, r.method, r.path, r.query, r.body);
    if (problems.length) {
      violations.push(...problems);
      return options.api === 'v1' ? problem(400, 'Bad Request', problems.join('; ')) : { status: 422, body: { detail: problems.map((msg) => ({ loc: ['body'], msg, type: 'value_error' })) } };
    }
    const seg = r.path.slice(P.length).split('/').slice(1);
    const q = (k: string) => r.query.get(k);
    // /dags/{dag}
    if (seg[0] === 'dags' && seg.length === 2 && r.method === 'GET') {
      const dag = dagOf(seg[1]!);
      if (!dag) return notFound(`DAG ${seg[1]} not found`);
      return { status: 200, body: { ...(fixture(options.api === 'v1' ? 'v1/dag' : 'v2/dag') as object), dag_id: dag.dagId, dag_display_name: dag.dagId, is_paused: false } };
    }
    if (seg[0] === 'dags' && seg[2] === 'tasks' && seg.length === 3) {
      const dag = dagOf(seg[1]!);
      return dag ? { status: 200, body: taskOut(dag) } : notFound(`DAG ${seg[1]} not found`);
    }
    if (seg[0] === 'dags' && seg[2] === 'dagRuns' && seg.length === 3 && r.method === 'GET') {
      const gte = q(options.api === 'v1' ? 'execution_date_gte' : 'logical_date_gte');
      const lte = q(options.api === 'v1' ? 'execution_date_lte' : 'logical_date_lte');
      const states = r.query.getAll('state');
      const all = runs
        .filter((x) => x.dagId === seg[1] && (!gte || x.logicalDate >= iso(gte)) && (!lte || x.logicalDate <= iso(lte)) && (states.length === 0 || states.includes(x.state)))
        .sort((a, b) => b.logicalDate.localeCompare(a.logicalDate));
      const { limit, offset } = paging(r, pageCap);
      return { status: 200, body: { dag_runs: all.slice(offset, offset + limit).map(runOut), total_entries: all.length } };
    }
    if (seg[0] === 'dags' && seg[2] === 'dagRuns' && seg.length === 4 && r.method === 'GET') {
      const run = runOf(seg[1]!, seg[3]!);
      if (!run) return notFound(`DAGRun ${seg[3]} not found`);
      run.steps.shift()?.(run);
      return { status: 200, body: runOut(run) };
    }
    if (seg[0] === 'dags' && seg[2] === 'dagRuns' && seg[4] === 'taskInstances' && seg.length === 5 && r.method === 'GET') {
      const run = runOf(seg[1]!, seg[3]!);
      if (!run) return notFound(`DAGRun ${seg[3]} not found`);
      listRequests++;
      const ordered = orderByMapIndex(run.tis, options.api === 'v1' ? listRequests : 0);
      const { limit, offset } = paging(r, pageCap);
      return { status: 200, body: { task_instances: ordered.slice(offset, offset + limit).map((t) => tiOut(run, t)), total_entries: ordered.length } };
    }
    if (options.api === 'v1' && r.path === '/api/v1/dags/~/dagRuns/~/taskInstances/list' && r.method === 'POST') {
      const b = (r.body ?? {}) as { dag_ids?: string[]; dag_run_ids?: string[]; task_ids?: string[] };
      const rows = runs
        .filter((x) => (!b.dag_ids || b.dag_ids.includes(x.dagId)) && (!b.dag_run_ids || b.dag_run_ids.includes(x.runId)))
        .flatMap((x) => x.tis.filter((t) => !b.task_ids || b.task_ids.includes(t.taskId)).map((t) => v1Ti(x, t)));
      return { status: 200, body: { task_instances: rows, total_entries: rows.length } };
    }
    if (seg[0] === 'dags' && seg[4] === 'taskInstances' && seg[6] === 'logs' && seg.length === 8) {
      const run = runOf(seg[1]!, seg[3]!);
      const mapIndex = Number(q('map_index') ?? -1);
      const ti = run?.tis.find((t) => t.taskId === seg[5] && t.mapIndex === mapIndex);
      if (!run || !ti) return notFound(`TaskInstance not found`);
      const tryNumber = Number(seg[7]);
      const lines = ti.logs[tryNumber - 1] ?? [];
      if (options.api === 'v2') return { status: 200, body: { content: lines.map((event) => ({ event, level: 'info', timestamp: run.logicalDate })), continuation_token: null } };
      const content = `[('${HOST}', '${lines.map((l) => `${l}\\n`).join('')}')]`;
      const token = `${Buffer.from(JSON.stringify({ end_of_log: true, log_pos: lines.length })).toString('base64url')}.sig`;
      return { status: 200, body: { continuation_token: token, content } };
    }
    if (seg[0] === 'dags' && seg[2] === 'clearTaskInstances' && r.method === 'POST') return clear(seg[1]!, r.body as ClearBody);
    if (options.api === 'v2' && r.path === '/api/v2/backfills' && r.method === 'POST') {
      const b = r.body as { dag_id: string; from_date: string; to_date: string };
      const dag = dagOf(b.dag_id);
      if (!dag) return notFound(`Could not find dag ${b.dag_id}`);
      const created: string[] = [];
      for (let day = new Date(`${b.from_date.slice(0, 10)}T00:00:00Z`); day.toISOString() <= iso(b.to_date); day = new Date(day.getTime() + 86_400_000)) {
        const logical = new Date(day.getTime() + dag.hourUtc * 3_600_000).toISOString();
        if (logical < iso(b.from_date) || logical > iso(b.to_date)) continue;
        const run = addRun(dag.dagId, `backfill__${logical}`, logical, 'queued', null);
        run.steps.push(progress('running'), progress('success'));
        created.push(run.runId);
      }
      const backfill = { id: backfills.length + 1, dagId: dag.dagId, fromDate: b.from_date, toDate: b.to_date, runIds: created };
      backfills.push(backfill);
      return { status: 200, body: { ...(fixture('v2/backfill') as object), id: backfill.id, dag_id: dag.dagId, dag_display_name: dag.dagId, from_date: b.from_date, to_date: b.to_date } };
    }
    if (options.api === 'v2' && r.path === '/api/v2/hitlDetails/' && r.method === 'GET') {
      const runId = q('dag_run_id');
      const pattern = q('dag_id_pattern');
      const rows = hitl.filter((h) => (!runId || h.runId === runId) && (!pattern || runs.some((x) => x.runId === h.runId && x.dagId === pattern)));
      const { limit, offset } = paging(r, pageCap);
      return { status: 200, body: { hitl_details: rows.slice(offset, offset + limit).map(hitlOut), total_entries: rows.length } };
    }
    if (options.api === 'v2' && seg[0] === 'hitlDetails' && (seg.length === 4 || seg.length === 5) && r.method === 'PATCH') {
      const mapIndex = seg.length === 5 ? Number(seg[4]) : -1;
      const h = hitl.find((x) => x.runId === seg[2] && x.taskId === seg[3] && x.mapIndex === mapIndex && runs.some((y) => y.runId === x.runId && y.dagId === seg[1]));
      if (!h) return notFound(`Human-in-the-loop detail does not exist for Task Instance with id ${seg[3]}`);
      if (h.chosen !== null) return { status: 409, body: { detail: `Human-in-the-loop detail has already been updated for Task Instance with id ${seg[3]} and is not allowed to write again.` } };
      const chosen = (r.body as { chosen_options: string[] }).chosen_options;
      h.chosen = chosen;
      h.userId = credentials.username;
      h.respondedAt = new Date('2031-01-01T00:00:00Z').toISOString();
      return { status: 200, body: { user_id: h.userId, response_at: h.respondedAt, chosen_options: chosen, params_input: {} } };
    }
    return notFound(`no route for ${r.method} ${r.path} in the contract fake`);
  };

  type ClearBody = { dry_run?: boolean; task_ids?: (string | [string, number])[]; only_failed?: boolean; start_date?: string | null; end_date?: string | null };
  const clear = (dagId: string, b: ClearBody): Reply => {
    const wanted = (t: FakeTi) => (b.task_ids ?? []).some((x) => (Array.isArray(x) ? x[0] === t.taskId && x[1] === t.mapIndex : x === t.taskId));
    const onlyFailed = b.only_failed ?? true;
    const hits = runs
      .filter((x) => x.dagId === dagId && (!b.start_date || x.logicalDate >= iso(b.start_date)) && (!b.end_date || x.logicalDate <= iso(b.end_date)))
      .flatMap((x) => x.tis.filter((t) => wanted(t) && (!onlyFailed || t.state === 'failed' || t.state === 'upstream_failed')).map((t) => ({ run: x, ti: t })));
    const out = hits.map(({ run, ti }) => (options.api === 'v1' ? { task_id: ti.taskId, dag_id: run.dagId, execution_date: run.logicalDate, dag_run_id: run.runId } : v2Ti(run, ti)));
    if (b.dry_run === false) {
      for (const { run, ti } of hits) {
        ti.state = null;
        run.state = 'queued';
      }
    }
    return { status: 200, body: options.api === 'v1' ? { task_instances: out } : { task_instances: out, total_entries: out.length } };
  };

  const fake: FakeAirflow = await startFakeAirflow([
    (r) => {
      const reply = route(r);
      if (r.path.startsWith(P)) violations.push(...responseProblems(file, r.method, r.path, reply.status, reply.body));
      return reply;
    },
  ]);

  return {
    url: fake.url,
    requests: fake.requests,
    violations,
    runs,
    hitl,
    backfills,
    addRun,
    ti(runId, taskId, mapIndex = -1) {
      const found = runs.find((r) => r.runId === runId)?.tis.find((t) => t.taskId === taskId && t.mapIndex === mapIndex);
      if (!found) throw new Error(`no task instance ${taskId}[${mapIndex}] in run ${runId}`);
      return found;
    },
    rotateSecret() {
      secret = randomBytes(16);
    },
    get refuseAllTokens() {
      return state.refuseAllTokens;
    },
    set refuseAllTokens(v: boolean) {
      state.refuseAllTokens = v;
    },
    get tokensIssued() {
      return tokensIssued;
    },
    close: () => fake.close(),
  };
}

function newTi(taskId: string, mapIndex: number, state: string | null): FakeTi {
  const started = state !== null && state !== 'scheduled' && state !== 'queued';
  return { taskId, mapIndex, state, tryNumber: started ? 1 : 0, logs: started ? [[`${taskId}${mapIndex >= 0 ? `[${mapIndex}]` : ''} try 1 ran`]] : [] };
}

/** A step that moves the run and all its task instances to `state`, starting a try with a log line where needed. */
export function progress(state: string, tiState: string = state): (run: FakeRun) => void {
  return (run) => {
    run.state = state;
    for (const ti of run.tis) {
      if (ti.tryNumber === 0 || ti.state === null) {
        ti.tryNumber++;
        ti.logs.push([`${ti.taskId}${ti.mapIndex >= 0 ? `[${ti.mapIndex}]` : ''} try ${ti.tryNumber} ran`]);
      }
      ti.state = tiState;
    }
  };
}

/**
 * map_index ascending; ties in an order that depends on the request (`salt`), as a database without a
 * tie-breaker is free to return them. salt 0: a stable tie-break (Airflow 3 adds the primary key).
 */
function orderByMapIndex(tis: readonly FakeTi[], salt: number): FakeTi[] {
  const key = (t: FakeTi, i: number) => (salt === 0 ? i : (i * 7919 + salt * 104_729) % 1_000_003);
  return tis.map((t, i) => ({ t, k: key(t, i) })).sort((a, b) => a.t.mapIndex - b.t.mapIndex || a.k - b.k).map((x) => x.t);
}

function paging(r: Recorded, cap: number): { limit: number; offset: number } {
  return { limit: Math.min(Number(r.query.get('limit') ?? 100), cap), offset: Number(r.query.get('offset') ?? 0) };
}

function problem(status: number, title: string, detail: string): Reply {
  return { status, body: { type: `https://airflow.apache.org/docs/apache-airflow/2.10.0/stable-rest-api-ref.html#section/Errors/${title.replace(/ /g, '')}`, title, status, detail } };
}

/** Normalises a date-time as sent (with +00:00 or Z, any fraction) for comparison with the fake's ISO strings. */
function iso(text: string): string {
  return new Date(text).toISOString();
}
