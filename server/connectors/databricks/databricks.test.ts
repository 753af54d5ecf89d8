/**
 * The Databricks connector against the Statement Execution API contract fake on loopback (real HTTP,
 * real DuckDB behind it). What Databricks would have received is asserted on the fake's request log;
 * polls and Retry-After waits go through an injected sleep, so nothing here waits on the clock.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BoundValue } from '../../../plugins/remark-runbook/syntax/params';
import type { Cell, ColumnInfo } from '../../protocol';
import { ConnectorError, type RowSink, type SqlConnector, type StatementRequest } from '../types';
import type { DatabricksConnectionConfig } from './config';
import type { Sleep } from './http';
import { openDatabricks } from './index';
import { startDatabricksFake, type DatabricksFake } from './testing/index';
import { misbehavingPorts } from '../../testing/loopbackPorts';

const WAREHOUSE = 'a1b2c3d4e5f60718';
const RO = 'dapi-ro-7f3a';
const RW = 'dapi-rw-19c2';
let fake: DatabricksFake;
let sleeps: number[];

/** Returns on the next turn of the event loop; records what was asked for. */
const sleep: Sleep = (ms, signal) => {
  sleeps.push(ms);
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    setImmediate(() => (signal.aborted ? reject(signal.reason) : resolve()));
  });
};

function connection(over: Partial<DatabricksConnectionConfig> = {}): DatabricksConnectionConfig {
  return { kind: 'databricks', host: fake.url, warehouseId: WAREHOUSE, read: { token: RO }, write: { token: RW }, waitTimeoutSeconds: 0, pollMs: 250, ...over };
}

function open(over: Partial<DatabricksConnectionConfig> = {}): Promise<SqlConnector> {
  return openDatabricks({ connection: connection(over), sleep });
}

function collect() {
  const state = { columns: [] as ColumnInfo[], batches: [] as Cell[][][] };
  const sink: RowSink = {
    columns: (c) => void (state.columns = [...c]),
    rows: async (b) => void state.batches.push(b.map((r) => [...r])),
  };
  return { state, sink, rows: () => state.batches.flat() };
}

function req(text: string, over: Partial<StatementRequest> = {}, binds: Record<string, BoundValue> = {}): StatementRequest {
  return { text, binds, mode: 'read', signal: new AbortController().signal, timeoutMs: 60_000, maxRows: 10_000, ...over };
}

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  const error = await p.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

beforeAll(async () => {
  fake = await startDatabricksFake({
    warehouseId: WAREHOUSE,
    principals: [
      { token: RO, name: 'sp-opsbook-read', readOnly: true },
      { token: RW, name: 'sp-opsbook-write', readOnly: false },
    ],
    chunkRows: 1000,
    pollsBeforeDone: 2,
    setup: [
      'create schema ops',
      `create table ops.orders as
         select i as order_id, date '2026-11-01' + (i % 23)::int as order_date, (i * 1.25)::decimal(12,2) as amount,
                (9007199254740993 + i)::hugeint as big, timestamp '2026-11-23 08:00:00.123456' as created_at,
                [i::int, (i + 1)::int] as pair, i % 2 = 0 as even, i / 4 as ratio, case when i % 10 = 0 then null else 'c' || i end as note
         from range(1, 2501) t(i)`,
      'create table ops.audit (id integer, note varchar)',
    ],
  });
});

afterAll(async () => {
  await fake?.close();
});

beforeEach(() => {
  sleeps = [];
  fake.release();
  fake.onPoll(null);
});

describe('the Databricks connector', () => {
  it('submits, polls PENDING → RUNNING → SUCCEEDED, and streams every chunk of the result', async () => {
    const db = await open();
    const from = fake.requests.length;
    const { state, sink, rows } = collect();
    const out = await db.stream(req('select order_id, amount, big, created_at, pair, even, ratio, note from ops.orders order by order_id'), sink);
    expect(out).toMatchObject({ rowCount: 2500, truncated: false, firstValue: 1, rowsAffected: null });
    expect(state.batches.map((b) => b.length)).toEqual([1000, 1000, 500]);
    expect(state.columns).toEqual([
      { name: 'order_id', type: 'BIGINT' },
      { name: 'amount', type: 'DECIMAL(12,2)' },
      { name: 'big', type: 'DECIMAL(38,0)' },
      { name: 'created_at', type: 'TIMESTAMP_NTZ' },
      { name: 'pair', type: 'ARRAY' },
      { name: 'even', type: 'BOOLEAN' },
      { name: 'ratio', type: 'DOUBLE' },
      { name: 'note', type: 'STRING' },
    ]);
    // Exact: decimals stay text, integers past 2^53 stay text, nested values are JSON.
    expect(rows()[0]).toEqual([1, '1.25', '9007199254740994', '2026-11-23T08:00:00.123456', [1, 2], false, 0.25, 'c1']);
    expect(rows()[9]![7]).toBeNull();
    const log = fake.requests.slice(from);
    expect(log.map((r) => `${r.method} ${r.path.replace(/01f0-fake-\d+/, 'ID')} ${r.status}`)).toEqual([
      'POST /api/2.0/sql/statements 200',
      'GET /api/2.0/sql/statements/ID 200',
      'GET /api/2.0/sql/statements/ID 200',
      'GET /api/2.0/sql/statements/ID/result/chunks/1 200',
      'GET /api/2.0/sql/statements/ID/result/chunks/2 200',
    ]);
    expect(log.every((r) => r.principal === 'sp-opsbook-read')).toBe(true);
    expect(log[0]!.body).toEqual({
      statement: 'select order_id, amount, big, created_at, pair, even, ratio, note from ops.orders order by order_id',
      warehouse_id: WAREHOUSE,
      row_limit: 10_000,
      disposition: 'INLINE',
      format: 'JSON_ARRAY',
      wait_timeout: '0s',
      on_wait_timeout: 'CONTINUE',
    });
    expect(sleeps).toEqual([250, 250]);
  });

  it('lets Databricks trim the result at maxRows and says truncated, without fetching chunks past the cap', async () => {
    const db = await open();
    const from = fake.requests.length;
    const { sink, rows } = collect();
    const out = await db.stream(req('select order_id from ops.orders order by order_id', { maxRows: 1200 }), sink);
    expect(out).toMatchObject({ rowCount: 1200, truncated: true });
    expect(rows().at(-1)).toEqual([1200]);
    expect(fake.requests.slice(from).filter((r) => r.path.includes('/chunks/')).map((r) => r.path.split('/').at(-1))).toEqual(['1']);
  });

  it('binds :name parameters as typed {name, value, type} and leaves the SQL text as written', async () => {
    const db = await open();
    const from = fake.requests.length;
    const { rows, sink } = collect();
    const text = "select count(*) as n, min(order_id) as first_id from ops.orders where order_date >= :since and order_id < :below and note <> :skip and created_at <= :at and amount > :min and order_date >= :since";
    const out = await db.stream(
      req(text, {}, {
        since: { type: 'date', value: '2026-11-20' },
        below: { type: 'int', value: 500 },
        skip: { type: 'string', value: "c19' or '1'='1" },
        at: { type: 'datetime', value: '2026-11-23 09:00:00' },
        min: { type: 'number', value: 2.5 },
      }),
      sink,
    );
    expect(out.rowCount).toBe(1);
    // The quoted text is one value compared with note, not SQL: only the NULL notes drop out, c19 stays.
    expect(rows()[0]).toEqual([75, 19]);
    const body = fake.requests[from]!.body as { statement: string; parameters: unknown };
    expect(body.statement).toBe(text);
    expect(body.parameters).toEqual([
      { name: 'since', value: '2026-11-20', type: 'DATE' },
      { name: 'below', value: '500', type: 'BIGINT' },
      { name: 'skip', value: "c19' or '1'='1", type: 'STRING' },
      { name: 'at', value: '2026-11-23 09:00:00', type: 'TIMESTAMP_NTZ' },
      { name: 'min', value: '2.5', type: 'DOUBLE' },
    ]);
    await expect(db.stream(req('select :nope as x'), collect().sink)).rejects.toThrow('The snippet uses :nope but no value was bound for it.');
  });

  it('cancels a running statement in Databricks when the run is cancelled mid-poll', async () => {
    const db = await open();
    fake.hold();
    const controller = new AbortController();
    const polled: string[] = [];
    fake.onPoll((id, state) => {
      polled.push(state);
      if (polled.length === 3) controller.abort();
    });
    const from = fake.requests.length;
    const error = await failure(db.stream(req('select count(*) from ops.orders', { signal: controller.signal }), collect().sink));
    expect(error.code).toBe('cancelled');
    expect(error.message).toBe('The run was cancelled; the statement was cancelled in Databricks.');
    const log = fake.requests.slice(from);
    const cancel = log.filter((r) => r.path.endsWith('/cancel'));
    expect(cancel).toHaveLength(1);
    expect(cancel[0]).toMatchObject({ method: 'POST', status: 200, principal: 'sp-opsbook-read', body: {} });
    expect(cancel[0]!.path).toBe(`/api/2.0/sql/statements/${(log[1]!.path.split('/').at(-1))}`+ '/cancel');
    expect(polled).toEqual(['RUNNING', 'RUNNING', 'RUNNING']);
    // The fake now reports the statement CANCELED.
    fake.onPoll(null);
    const id = log[1]!.path.split('/').at(-1)!;
    const res = await fetch(`${fake.url}/api/2.0/sql/statements/${id}`, { headers: { authorization: `Bearer ${RO}` } });
    expect(((await res.json()) as { status: { state: string } }).status.state).toBe('CANCELED');
  });

  it('cancels a statement whose submit was still on the wire when the run was cancelled', async () => {
    const db = await open();
    fake.hold();
    const controller = new AbortController();
    const from = fake.requests.length;
    const pending = db.stream(req('select 1', { signal: controller.signal }), collect().sink);
    controller.abort(); // the submit has been sent; its answer is still to come
    const error = await failure(pending);
    expect(error.code).toBe('cancelled');
    expect(fake.requests.slice(from).map((r) => `${r.method} ${r.path.replace(/01f0-fake-\d+/, 'ID')}`)).toEqual(['POST /api/2.0/sql/statements', 'POST /api/2.0/sql/statements/ID/cancel']);
  });

  it('says a write that finished before its cancel took effect is committed', async () => {
    const quick = await startDatabricksFake({ warehouseId: WAREHOUSE, principals: [{ token: RW, name: 'rw', readOnly: false }], pollsBeforeDone: 0, setup: ['create table t (id integer)'] });
    try {
      const db = await openDatabricks({ connection: { ...connection(), host: quick.url, read: { token: 'unused' }, write: { token: RW }, waitTimeoutSeconds: 10 }, sleep });
      const controller = new AbortController();
      const pending = db.stream(req('insert into t values (1)', { mode: 'write', signal: controller.signal }), collect().sink);
      controller.abort(); // the submit is on the wire and will answer SUCCEEDED
      const error = await failure(pending);
      expect(error.code).toBe('cancelled');
      expect(error.message).toMatch(/^The statement finished in Databricks before it could be stopped: its changes are committed/);
      expect(quick.requests.map((r) => r.method + ' ' + r.path)).toEqual(['POST /api/2.0/sql/statements']);
    } finally {
      await quick.close();
    }
  });

  it('says so when someone else cancels the statement in Databricks', async () => {
    const db = await open();
    fake.hold();
    fake.onPoll((id) => fake.cancelElsewhere(id));
    const from = fake.requests.length;
    const error = await failure(db.stream(req('select 1'), collect().sink));
    expect(error.code).toBe('cancelled');
    expect(error.message).toMatch(/^The statement was cancelled in Databricks \(statement 01f0-fake-\d+\)\.$/);
    expect(error.hint).toMatch(/cancelled it in the Databricks query history/);
    // Already over in Databricks: nothing to cancel.
    expect(fake.requests.slice(from).filter((r) => r.path.endsWith('/cancel'))).toEqual([]);
  });

  it('gives up on a call Databricks keeps throttling, and says why', async () => {
    const db = await open();
    fake.throttle(6, 1);
    const error = await failure(db.stream(req('select 1'), collect().sink));
    expect(error.code).toBe('unavailable');
    expect(error.message).toBe('Databricks kept throttling the requests: Too many requests. Please wait a moment and try again. [HTTP 429 REQUEST_LIMIT_EXCEEDED]');
    expect(sleeps).toEqual([1000, 1000, 1000, 1000, 1000]);
  });

  it('times a statement out, cancelling it in Databricks', async () => {
    const db = await open();
    fake.hold();
    const from = fake.requests.length;
    const error = await failure(db.stream(req('select 1', { timeoutMs: 30 }), collect().sink));
    expect(error.code).toBe('timeout');
    expect(error.message).toMatch(/statement timeout and was cancelled in Databricks/);
    expect(fake.requests.slice(from).filter((r) => r.path.endsWith('/cancel'))).toHaveLength(1);
  });

  it("reports a failed statement with Databricks' message, error class and SQLSTATE", async () => {
    const db = await open();
    const error = await failure(db.stream(req('select * from ops.no_such_table'), collect().sink));
    expect(error.code).toBe('connector_error');
    expect(error.message).toMatch(/^\[TABLE_OR_VIEW_NOT_FOUND\] The table or view cannot be found\..*\[BAD_REQUEST, SQLSTATE 42P01, statement 01f0-fake-\d+\]$/);
    expect(error.hint).toBe('Check the catalog, schema and table names (catalog.schema.table), or set catalog/schema on the connection.');
  });

  it("runs reads with the read token, whose principal may not write; writes go with the write token and count rows", async () => {
    const db = await open();
    const refused = await failure(db.stream(req("insert into ops.audit values (1, 'x')"), collect().sink));
    expect(refused.message).toMatch(/^\[INSUFFICIENT_PERMISSIONS\] Insufficient privileges: User does not have MODIFY/);
    expect(refused.hint).toMatch(/^This snippet is mode=read, so it runs with the read profile's token/);
    const from = fake.requests.length;
    const out = await db.stream(req("insert into ops.audit values (1, 'x'), (2, 'y')", { mode: 'write' }), collect().sink);
    expect(out.rowsAffected).toBe(2);
    expect(fake.requests.slice(from).every((r) => r.principal === 'sp-opsbook-write')).toBe(true);
    const count = collect();
    await db.stream(req('select count(*) from ops.audit'), count.sink);
    expect(count.rows()).toEqual([[2]]);
  });

  it('refuses a write snippet on a connection without a write profile', async () => {
    const db = await open({ write: undefined });
    const error = await failure(db.stream(req('delete from ops.audit', { mode: 'write' }), collect().sink));
    expect(error.code).toBe('forbidden');
    expect(error.hint).toMatch(/^Add write: \{token:/);
  });

  it('waits the Retry-After of a 429 and sends the call again', async () => {
    const db = await open();
    fake.throttle(2, 3);
    const from = fake.requests.length;
    const { rows, sink } = collect();
    await db.stream(req('select 41 + 1 as answer'), sink);
    expect(rows()).toEqual([[42]]);
    expect(fake.requests.slice(from).map((r) => `${r.method} ${r.status}`).slice(0, 3)).toEqual(['POST 429', 'POST 429', 'POST 200']);
    expect(sleeps.slice(0, 2)).toEqual([3000, 3000]);
  });

  it('reports a refused token with a hint, and never the token', async () => {
    const db = await open({ read: { token: 'dapi-expired-0000' } });
    const error = await failure(db.stream(req('select 1'), collect().sink));
    expect(error.code).toBe('unavailable');
    expect(error.message).toBe('Databricks refused the token of the read profile: Invalid access token. [HTTP 401 UNAUTHENTICATED]');
    expect(error.hint).toMatch(/^Check read\.token of this connection \(its \$\{ENV\} variable\)/);
    expect(`${error.message} ${error.hint}`).not.toContain('dapi-expired');
  });

  it('reports a host that hangs up or is not Databricks, and warns that a write may have run', async () => {
    const ports = misbehavingPorts();
    try {
      const hangUp = await ports.listener('hang-up');
      const db = await open({ host: `http://127.0.0.1:${hangUp}` });
      const error = await failure(db.stream(req('update ops.audit set note = 1', { mode: 'write' }), collect().sink));
      expect(error.code).toBe('unavailable');
      expect(error.message).toMatch(new RegExp(`^Cannot use Databricks at http://127\\.0\\.0\\.1:${hangUp}: `));
      expect(error.hint).toMatch(/The write may have run: check the query history in Databricks before running it again\.$/);
      const garbage = await ports.listener('garbage');
      const other = await failure((await open({ host: `http://127.0.0.1:${garbage}` })).stream(req('select 1'), collect().sink));
      expect(other.message).toMatch(/the answer to POST \/api\/2\.0\/sql\/statements was not JSON \(HTTP 400, text\/html\)/);
    } finally {
      await ports.closeAll();
    }
  });

  it('names the warehouse id when Databricks does not know it', async () => {
    const db = await open({ warehouseId: 'ffff0000ffff0000' });
    const error = await failure(db.stream(req('select 1'), collect().sink));
    expect(error.message).toBe('Warehouse ffff0000ffff0000 does not exist. [HTTP 404 RESOURCE_DOES_NOT_EXIST]');
    expect(error.hint).toMatch(/^Check warehouseId \(ffff0000ffff0000\)/);
  });

  it('takes the answer of the submit itself when the statement finishes within wait_timeout', async () => {
    const quick = await startDatabricksFake({ warehouseId: WAREHOUSE, principals: [{ token: RO, name: 'ro', readOnly: true }], pollsBeforeDone: 0 });
    try {
      const db = await openDatabricks({ connection: { ...connection(), host: quick.url, waitTimeoutSeconds: 10 }, sleep });
      const { rows, sink } = collect();
      await db.stream(req("select 'ok' as s, date '2026-12-01' as d"), sink);
      expect(rows()).toEqual([['ok', '2026-12-01']]);
      expect(quick.requests.map((r) => r.method)).toEqual(['POST']);
      expect((quick.requests[0]!.body as { wait_timeout: string }).wait_timeout).toBe('10s');
      expect(sleeps).toEqual([]);
    } finally {
      await quick.close();
    }
  });
});
