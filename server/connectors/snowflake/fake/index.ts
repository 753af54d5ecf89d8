/**
 * CONTRACT FAKE of Snowflake's HTTP API, on loopback — for tests and e2e only, never a product
 * feature. Written from what snowflake-sdk 3.3 was observed to send (its requests logged against a
 * stub) and what it accepts back, so the real driver runs unchanged against it with
 * `accessUrl: fake.accessUrl`:
 *
 *   POST /session/v1/login-request      password or key-pair (SNOWFLAKE_JWT) login → session + master token
 *   POST /session/token-request         session token renewal (master token)
 *   POST /session?delete=true           logout
 *   POST /queries/v1/query-request      run SQL (typed `bindings`, statement `parameters`); answers with the
 *                                       result, or 333334 "in progress" + getResultUrl when it runs long
 *   GET  /queries/<id>/result           the result of a query still running at the first answer
 *   POST /queries/v1/abort-request      cancel by request id (before the query id is known)
 *   POST /queries/<id>/abort-request    cancel by query id
 *   GET  /monitoring/queries/<id>       query status
 *   GET  /__fake/chunks/<id>/<n>        result chunks past the first (what S3 serves for real), gzipped
 *   POST /telemetry/send, /session/heartbeat   accepted and ignored
 *   GET  /__fake/health, /__fake/requests       readiness and the request log, for tests in another process
 *
 * Queries run on an embedded DuckDB, so real SQL returns real rows in Snowflake's result format; the
 * Snowflake-only statements the connector and tests use are handled in commands.ts. Failures carry
 * Snowflake's codes (errors.ts). Every request is recorded, secrets redacted, for tests to assert on.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { FakeSessions, type FakeSession, type FakeUser, type LoginBody } from './auth';
import { FakeEngine, type FakeQuery, type QueryBody } from './engine';
import { failures, type SfFailure } from './errors';
import { loginData, redact, resultBody, type Json } from './responses';

export type { FakeUser } from './auth';

export type FakeFault = 'cut-after-headers' | 'cut-mid-body' | 'garbage';

export interface SnowflakeFakeOptions {
  /** The account identifier logins must name. Default 'opsbookfake'. */
  readonly account?: string;
  readonly users: readonly FakeUser[];
  /** Roles whose statements run in a READ ONLY transaction: writes fail with 003001. */
  readonly readOnlyRoles?: readonly string[];
  /** A DuckDB database file to query. Default: a fresh in-memory database. */
  readonly file?: string;
  /** DuckDB SQL run once at start, to seed the data. */
  readonly setup?: readonly string[];
  /** Rows inline in the first answer and per chunk after it. Default 1,000. */
  readonly chunkRows?: number;
  /** How long a query may run before the answer is "in progress" (333334). Default 1,000 ms. */
  readonly inProgressAfterMs?: number;
  /** Default 0: any free port. */
  readonly port?: number;
}

export interface FakeRequest {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly kind: 'login' | 'query' | 'result' | 'chunk' | 'abort' | 'logout' | 'renew' | 'monitoring' | 'telemetry' | 'heartbeat' | 'other';
  /** The JSON body, PASSWORD and TOKEN redacted. */
  readonly body: unknown;
  readonly session?: { readonly user: string; readonly role: string };
}

/** A query-request as the fake received it. */
export interface FakeQueryRequest {
  readonly sqlText: string;
  readonly bindings: Readonly<Record<string, { readonly type: string; readonly value: string | null }>>;
  readonly parameters: Readonly<Record<string, string | number | boolean>>;
  readonly user: string;
  readonly role: string;
}

export interface SnowflakeFake {
  readonly accessUrl: string;
  readonly account: string;
  /** Every request so far, in order (a live array). */
  readonly requests: readonly FakeRequest[];
  /** The query-requests so far, parsed. */
  queryRequests(): FakeQueryRequest[];
  /** Ends every session as a server-side logout or idle expiry would. */
  expireSessions(): void;
  /**
   * Makes the next `times` answers to `kind` requests misbehave, as a proxy or a dying front end does:
   * the connection cut right after the headers or halfway through the body, or a body that is not JSON.
   */
  breakNext(kind: 'login' | 'query' | 'result', how: FakeFault, times?: number): void;
  /** Answers normally again. */
  heal(): void;
  readonly activeSessions: number;
  close(): Promise<void>;
}

export async function startSnowflakeFake(options: SnowflakeFakeOptions): Promise<SnowflakeFake> {
  const account = options.account ?? 'opsbookfake';
  const chunkRows = options.chunkRows ?? 1000;
  const inProgressAfterMs = options.inProgressAfterMs ?? 1000;
  const sessions = new FakeSessions(account, options.users);
  const engine = await FakeEngine.create(options.file ?? ':memory:', options.setup ?? [], options.users, options.readOnlyRoles ?? []);
  const requests: FakeRequest[] = [];
  const chunkKeys = new Map<string, string>();
  let accessUrl = '';
  let fault: { kind: FakeRequest['kind']; how: FakeFault; left: number } | null = null;
  /** The fault this request meets, if any (spent as it is taken). */
  const faultFor = (kind: FakeRequest['kind']): FakeFault | null => {
    if (!fault || fault.kind !== kind || fault.left <= 0) return null;
    fault.left--;
    return fault.how;
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: Json = {};
      try {
        body = raw ? (JSON.parse(raw) as Json) : {};
      } catch {
        body = {};
      }
      let broken: FakeFault | null = null;
      const send = (payload: unknown) => {
        const text = JSON.stringify(payload);
        if (broken === 'garbage') {
          res.writeHead(200, { 'content-type': 'application/json' });
          return void res.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
        }
        if (broken) {
          // The declared length promises more than arrives: the driver must see the answer as cut.
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
          res.flushHeaders();
          return void res.write(broken === 'cut-mid-body' ? text.slice(0, Math.floor(text.length / 2)) : '', () => setImmediate(() => req.socket.destroy()));
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(text);
      };
      const fail = (f: SfFailure, data: Json = {}) => send({ success: false, code: f.code, message: f.message, data: { ...data, errorCode: f.code, sqlState: f.sqlState ?? null, internalError: false, age: 0 } });
      const record = (kind: FakeRequest['kind'], session?: FakeSession) => {
        broken = faultFor(kind);
        return requests.push({ at: Date.now(), method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), kind, body: redact(body), ...(session ? { session: { user: session.user, role: session.role } } : {}) });
      };
      void route(url, body, req.headers, { send, fail, record, res }).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`fake error: ${(error as Error).message}`);
      });
    });
  });

  interface Reply {
    send(payload: unknown): void;
    fail(f: SfFailure, data?: Json): void;
    record(kind: FakeRequest['kind'], session?: FakeSession): void;
    res: http.ServerResponse;
  }

  async function route(url: URL, body: Json, headers: http.IncomingHttpHeaders, r: Reply): Promise<void> {
    const path = url.pathname;
    let m: RegExpExecArray | null;
    if (path === '/session/v1/login-request') {
      r.record('login');
      const outcome = sessions.login(body as LoginBody, url.searchParams);
      if ('code' in outcome) return r.fail(outcome, { nextAction: null });
      return r.send({ success: true, code: null, message: null, data: loginData(outcome) });
    }
    if (path === '/session/token-request') {
      r.record('renew');
      const session = sessions.renew(headers.authorization);
      if (!session) return r.fail({ code: '390114', message: 'Authentication token has expired.  The user must authenticate again.' });
      return r.send({ success: true, data: { sessionToken: session.token, validityInSecondsST: 3600, masterToken: session.masterToken, validityInSecondsMT: 14400 } });
    }
    if (path.startsWith('/__fake/chunks/')) return chunk(path, headers, r);
    // For tests in another process (e2e): readiness, and the request log to assert on.
    if (path === '/__fake/health') return r.send({ success: true, data: { account, sessions: sessions.active } });
    if (path === '/__fake/requests') return r.send({ success: true, data: requests });
    const session = sessions.fromHeader(headers.authorization);
    if (path === '/telemetry/send' || path === '/session/heartbeat') {
      r.record(path === '/telemetry/send' ? 'telemetry' : 'heartbeat', session ?? undefined);
      return r.send({ success: true, code: null, message: null, data: null });
    }
    if (path === '/session') {
      r.record('logout', session ?? undefined);
      if (!session) return r.fail(failures.sessionGone());
      sessions.logout(session);
      return r.send({ success: true, code: null, message: null, data: null });
    }
    if (!session) {
      r.record('other');
      return r.fail(failures.sessionGone());
    }
    if (path === '/queries/v1/query-request') {
      r.record('query', session);
      const requestId = url.searchParams.get('requestId') ?? randomBytes(8).toString('hex');
      // A retried request (same request id) attaches to the query already running, as Snowflake's does.
      const query = engine.findByRequest(requestId) ?? engine.start(session, body as QueryBody, requestId);
      return answer(query, body as QueryBody, r);
    }
    if ((m = /^\/queries\/([\w-]+)\/result$/.exec(path))) {
      r.record('result', session);
      const query = engine.find(m[1]!);
      if (!query) return r.fail(failures.notRunning());
      return answer(query, {}, r);
    }
    if (path === '/queries/v1/abort-request' || (m = /^\/queries\/([\w-]+)\/abort-request$/.exec(path))) {
      r.record('abort', session);
      const query = m ? engine.find(m[1]!) : engine.findByRequest(String(body.requestId ?? ''));
      if (!query || !query.stop('cancel')) return r.fail(failures.notRunning());
      return r.send({ success: true, code: null, message: null, data: null });
    }
    if ((m = /^\/monitoring\/queries\/([\w-]+)$/.exec(path))) {
      r.record('monitoring', session);
      const query = engine.find(m[1]!);
      return r.send({ success: true, data: { queries: query ? [{ id: query.id, status: query.status, errorCode: query.failure?.code ?? null, errorMessage: query.failure?.message ?? null }] : [] } });
    }
    r.record('other', session);
    r.res.writeHead(404, { 'content-type': 'application/json' });
    r.res.end(JSON.stringify({ success: false, code: '404', message: `The contract fake does not implement ${path}.`, data: null }));
  }

  /** Waits for the query up to inProgressAfterMs, then answers with its outcome or "still running". */
  async function answer(query: FakeQuery, body: QueryBody, r: Reply): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const ready = await Promise.race([query.finished.then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), inProgressAfterMs)))]);
    clearTimeout(timer);
    if (!ready) {
      return r.send({
        success: true,
        code: '333334',
        message: 'Asynchronous execution in progress. Use provided query id to perform query monitoring and management.',
        data: { queryId: query.id, getResultUrl: `/queries/${query.id}/result` },
      });
    }
    if (query.failure) return r.fail(query.failure, { queryId: query.id });
    r.send({ success: true, code: null, message: null, data: resultData(query, body) });
  }

  function resultData(query: FakeQuery, body: QueryBody): Json {
    const rows = query.result!.rows.length;
    if (rows <= chunkRows) return resultBody(query, body, chunkRows, null);
    // Past the first chunk, rows are fetched from chunk URLs (S3 for real), keyed by the result's qrmk.
    const qrmk = randomBytes(32).toString('base64');
    chunkKeys.set(query.id, qrmk);
    const chunks = [];
    for (let start = chunkRows; start < rows; start += chunkRows) {
      const rowCount = Math.min(chunkRows, rows - start);
      chunks.push({ url: `${accessUrl}/__fake/chunks/${query.id}/${start / chunkRows}`, rowCount, uncompressedSize: rowCount * 64, compressedSize: rowCount * 16 });
    }
    return resultBody(query, body, chunkRows, { chunks, qrmk });
  }

  function chunk(path: string, headers: http.IncomingHttpHeaders, r: Reply): void {
    r.record('chunk');
    const [, , , id, n] = path.split('/');
    const query = engine.find(id ?? '');
    const key = chunkKeys.get(id ?? '');
    // The driver sends the query result master key back as S3's SSE-C header: check it like S3 would.
    if (!query?.result || !key || headers['x-amz-server-side-encryption-customer-key'] !== key) {
      r.res.writeHead(400, { 'content-type': 'text/plain' });
      return void r.res.end('no such chunk, or wrong key');
    }
    const start = Number(n) * chunkRows;
    const rows = query.result.rows.slice(start, start + chunkRows);
    // Chunks are the rowset without its outer brackets; the driver adds them back before parsing.
    r.res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' });
    r.res.end(gzipSync(JSON.stringify(rows).slice(1, -1)));
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  accessUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    accessUrl,
    account,
    requests,
    queryRequests: () =>
      requests
        .filter((q) => q.kind === 'query')
        .map((q) => {
          const b = q.body as QueryBody;
          return { sqlText: b.sqlText ?? '', bindings: b.bindings ?? {}, parameters: b.parameters ?? {}, user: q.session?.user ?? '', role: q.session?.role ?? '' };
        }),
    expireSessions: () => sessions.expireAll(),
    breakNext(kind, how, times = Number.POSITIVE_INFINITY) {
      fault = { kind, how, left: times };
    },
    heal() {
      fault = null;
    },
    get activeSessions() {
      return sessions.active;
    },
    async close() {
      engine.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
