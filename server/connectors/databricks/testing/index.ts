/**
 * Contract fake of the Databricks SQL Statement Execution API 2.0, for tests: an HTTP server on
 * loopback, written from the API reference (docs.databricks.com/api/workspace/statementexecution), that
 * validates every request — bearer token, JSON body schema, parameter types, warehouse id — and runs
 * statements on an embedded DuckDB (engine.ts), so results are real rows.
 *
 * Statement lifecycle is driven by the client's own polls, not by time: a submitted statement answers
 * PENDING, then RUNNING, and reports its end after `pollsBeforeDone` polls (0: the submit answers the
 * end at once, as when it finishes within wait_timeout). `hold()` keeps new statements RUNNING until
 * `release()` or a cancel. `throttle(n, s)` answers the next n requests 429 with Retry-After: s.
 * Every request is logged (`requests`) for assertions on what Databricks would have received.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeEngine, FakeFailure, type FakeResult } from './engine';
import { cancelSchema, executeSchema, type ExecuteBody } from './requests';

export interface FakePrincipal {
  readonly token: string;
  readonly name: string;
  /** Granted only SELECT: its statements run in a READ ONLY transaction. */
  readonly readOnly: boolean;
}

export interface DatabricksFakeOptions {
  readonly warehouseId: string;
  readonly principals: readonly FakePrincipal[];
  readonly setup?: readonly string[];
  /** Rows per result chunk (Databricks splits larger results; small here so tests see several). */
  readonly chunkRows?: number;
  readonly pollsBeforeDone?: number;
}

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly principal: string | null;
  readonly body: unknown;
  readonly status: number;
}

type State = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED';

interface FakeStatement {
  readonly id: string;
  readonly principal: string;
  readonly body: ExecuteBody;
  readonly outcome: { readonly result: FakeResult } | { readonly failure: FakeFailure };
  polls: number;
  held: boolean;
  cancelled: boolean;
}

export interface DatabricksFake {
  readonly url: string;
  readonly requests: readonly LoggedRequest[];
  hold(): void;
  release(): void;
  throttle(count: number, retryAfterSeconds: number): void;
  /** Cancels a statement as someone in the Databricks UI would (not through the client). */
  cancelElsewhere(statementId: string): void;
  /** Called after each poll of a statement is answered (for tests that act mid-poll). */
  onPoll(listener: ((statementId: string, state: State) => void) | null): void;
  close(): Promise<void>;
}

const BASE = '/api/2.0/sql/statements';

export async function startDatabricksFake(options: DatabricksFakeOptions): Promise<DatabricksFake> {
  const engine = await FakeEngine.create(options.setup ?? []);
  const chunkRows = options.chunkRows ?? 1000;
  const pollsBeforeDone = options.pollsBeforeDone ?? 2;
  const statements = new Map<string, FakeStatement>();
  const requests: LoggedRequest[] = [];
  let holding = false;
  let throttled = { count: 0, seconds: 0 };
  let pollListener: ((id: string, state: State) => void) | null = null;
  let nextId = 1;

  const stateOf = (s: FakeStatement): State => {
    if (s.cancelled) return 'CANCELED';
    if (s.held) return 'RUNNING';
    if (s.polls < pollsBeforeDone) return s.polls === 0 ? 'PENDING' : 'RUNNING';
    return 'result' in s.outcome ? 'SUCCEEDED' : 'FAILED';
  };

  const chunk = (s: FakeStatement, index: number) => {
    const rows = rowsOf(s);
    const data = rows.slice(index * chunkRows, (index + 1) * chunkRows);
    const last = (index + 1) * chunkRows >= rows.length;
    return {
      chunk_index: index,
      row_offset: index * chunkRows,
      row_count: data.length,
      ...(data.length ? { data_array: data } : {}),
      ...(last ? {} : { next_chunk_index: index + 1, next_chunk_internal_link: `${BASE}/${s.id}/result/chunks/${index + 1}` }),
    };
  };

  const rowsOf = (s: FakeStatement) => ('result' in s.outcome ? s.outcome.result.rows.slice(0, s.body.row_limit ?? Number.MAX_SAFE_INTEGER) : []);

  const describe = (s: FakeStatement) => {
    const state = stateOf(s);
    const base = { statement_id: s.id, status: { state } };
    if (state === 'FAILED' && 'failure' in s.outcome) {
      return { ...base, status: { state, error: { error_code: s.outcome.failure.errorCode, message: s.outcome.failure.message }, sql_state: s.outcome.failure.sqlState } };
    }
    if (state !== 'SUCCEEDED' || !('result' in s.outcome)) return base;
    const { columns, rows: all } = s.outcome.result;
    const rows = rowsOf(s);
    const chunks = Math.max(1, Math.ceil(rows.length / chunkRows));
    return {
      ...base,
      manifest: {
        format: 'JSON_ARRAY',
        schema: { column_count: columns.length, columns },
        total_chunk_count: chunks,
        chunks: Array.from({ length: chunks }, (_, i) => ({ chunk_index: i, row_offset: i * chunkRows, row_count: Math.min(chunkRows, rows.length - i * chunkRows) })),
        total_row_count: rows.length,
        truncated: all.length > rows.length,
      },
      result: chunk(s, 0),
    };
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '').split('?')[0]!;
      let principal: FakePrincipal | undefined;
      let parsedBody: unknown = raw;
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        requests.push({ method: req.method ?? '', path, principal: principal?.name ?? null, body: parsedBody, status });
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(payload));
      };
      const fail = (status: number, error_code: string, message: string) => send(status, { error_code, message });
      void (async () => {
        const auth = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
        principal = auth ? options.principals.find((p) => p.token === auth[1]) : undefined;
        if (raw !== '') {
          try {
            parsedBody = JSON.parse(raw);
          } catch {
            return fail(400, 'MALFORMED_REQUEST', 'Request body is not valid JSON.');
          }
        }
        if (throttled.count > 0) {
          throttled = { ...throttled, count: throttled.count - 1 };
          return send(429, { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'Too many requests. Please wait a moment and try again.' }, { 'retry-after': String(throttled.seconds) });
        }
        if (!principal) return fail(401, 'UNAUTHENTICATED', auth ? 'Invalid access token.' : 'Credential was not sent or was of an unsupported type for this API.');
        if (req.method === 'POST' && raw !== '' && !/^application\/json\b/.test(req.headers['content-type'] ?? '')) return fail(400, 'MALFORMED_REQUEST', 'Content-Type must be application/json.');

        if (req.method === 'POST' && path === BASE) {
          const parsed = executeSchema.safeParse(parsedBody);
          if (!parsed.success) {
            const issue = parsed.error.issues[0]!;
            return fail(400, 'INVALID_PARAMETER_VALUE', `${issue.path.join('.') || 'request'}: ${issue.message}`);
          }
          const body = parsed.data;
          if (body.warehouse_id !== options.warehouseId) return fail(404, 'RESOURCE_DOES_NOT_EXIST', `Warehouse ${body.warehouse_id} does not exist.`);
          let outcome: FakeStatement['outcome'];
          try {
            outcome = { result: await engine.execute(body, principal.readOnly) };
          } catch (error) {
            outcome = { failure: error instanceof FakeFailure ? error : new FakeFailure(String(error), 'XX000') };
          }
          const s: FakeStatement = { id: `01f0-fake-${String(nextId++).padStart(6, '0')}`, principal: principal.name, body, outcome, polls: 0, held: holding, cancelled: false };
          statements.set(s.id, s);
          // Within wait_timeout: a statement with nothing left to wait for answers its end at once.
          if (body.wait_timeout !== '0s' && pollsBeforeDone === 0 && !s.held) s.polls = pollsBeforeDone;
          else if (body.wait_timeout !== '0s' && body.on_wait_timeout === 'CANCEL') s.cancelled = true;
          return send(200, describe(s));
        }
        const m = /^\/api\/2\.0\/sql\/statements\/([^/]+)(\/cancel|\/result\/chunks\/(\d+))?$/.exec(path);
        const s = m ? statements.get(decodeURIComponent(m[1]!)) : undefined;
        if (!m) return fail(404, 'ENDPOINT_NOT_FOUND', `No API found for '${req.method} ${path}'`);
        if (!s) return fail(404, 'RESOURCE_DOES_NOT_EXIST', `Statement ${m[1]} does not exist.`);
        if (s.principal !== principal.name) return fail(403, 'PERMISSION_DENIED', `User ${principal.name} does not have permission to access statement ${s.id}.`);
        if (req.method === 'POST' && m[2] === '/cancel') {
          if (!cancelSchema.safeParse(parsedBody === '' ? {} : parsedBody).success) return fail(400, 'INVALID_PARAMETER_VALUE', 'cancel takes no fields');
          const state = stateOf(s);
          if (state === 'PENDING' || state === 'RUNNING') s.cancelled = true;
          return send(200, {});
        }
        if (req.method === 'GET' && m[3] !== undefined) {
          if (stateOf(s) !== 'SUCCEEDED') return fail(400, 'INVALID_PARAMETER_VALUE', `Statement ${s.id} has no result to fetch (state ${stateOf(s)}).`);
          const index = Number(m[3]);
          if (index * chunkRows >= Math.max(1, rowsOf(s).length)) return fail(400, 'INVALID_PARAMETER_VALUE', `chunk_index ${index} is out of range.`);
          return send(200, chunk(s, index));
        }
        if (req.method === 'GET' && m[2] === undefined) {
          s.polls += 1;
          const answer = describe(s);
          send(200, answer);
          pollListener?.(s.id, answer.status.state);
          return;
        }
        return fail(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}`);
      })().catch((error: unknown) => fail(500, 'INTERNAL_ERROR', (error as Error).message));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    hold: () => void (holding = true),
    release: () => {
      holding = false;
      for (const s of statements.values()) s.held = false;
    },
    throttle: (count, seconds) => void (throttled = { count, seconds }),
    onPoll: (listener) => void (pollListener = listener),
    cancelElsewhere: (id) => {
      const s = statements.get(id);
      if (s && (stateOf(s) === 'PENDING' || stateOf(s) === 'RUNNING')) s.cancelled = true;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      engine.close();
    },
  };
}
