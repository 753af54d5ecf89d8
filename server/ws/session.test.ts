import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness, type TestClient } from '../testing/harness';
import type { DoneMessage, ServerMessage } from '../protocol';

const LONG = 'select count(*) from range(100000000000) a'; // runs for minutes unless interrupted

let h: Harness;
let client: TestClient;
let n = 0;
const nextId = () => `r${++n}`;

beforeAll(async () => {
  h = await startHarness({
    setupSql: `
      create schema ldz;
      create table ldz.load_audit as
        select 'table_' || (i % 7) as source_table, date '2026-11-20' + (i % 3)::int as business_date, i as row_count
        from range(12000) t(i);
      create table typed as select 9007199254740993::bigint as big, 12.34::decimal(10,2) as dec, date '2026-11-23' as d,
        timestamp '2026-11-23 08:00:00' as ts, [1, 2, 3] as list, {'a': 1, 'b': 'x'} as rec, null::int as nothing;`,
    limits: { rowsPerRun: 5000, statementTimeoutMs: 1500, runsPerSocket: 2 },
    snippets: {
      'rb/rows': { text: 'select source_table, count(*) as n from ldz.load_audit group by 1 order by 1', expect: 'rows = 7' },
      'rb/by-date': {
        text: 'select count(*) as n from ldz.load_audit where business_date = :business_date',
        params: [{ name: 'business_date', type: 'date', default: 'today' }],
        expect: 'value > 0',
      },
      'rb/by-name': {
        text: 'select count(*) as n from ldz.load_audit where source_table = :name',
        params: [{ name: 'name', type: 'string', default: null }],
      },
      'rb/limit': { text: 'select * from ldz.load_audit order by row_count limit :n', params: [{ name: 'n', type: 'int', default: '10' }] },
      'rb/all': { text: 'select * from ldz.load_audit' },
      'rb/failing-check': { text: 'select count(*) from ldz.load_audit', expect: 'value = 0' },
      'rb/typed': { text: 'select * from typed' },
      'rb/long': { text: LONG },
      'rb/missing-table': { text: 'select * from ldz.no_such_table' },
      'rb/sneaky-write': { text: "delete from ldz.load_audit where source_table = 'table_1'" },
      'rb/escape-tx': { text: "commit; delete from ldz.load_audit where source_table = 'table_2'" },
      'rb/ddl': { text: 'create table ldz.scratch as select 1 as x', mode: 'write' },
      'rb/escalation': { text: 'select 1', role: 'escalation', approver: 'implementation-manager' },
      'rb/prod-write': { text: 'select 1', mode: 'write', envs: ['prod'] },
      'rb/demo-only': { text: 'select 1', envs: ['demo'] },
      // Not read_csv(): the SQL policy refuses that before the engine; this checks the engine's own setting.
      'rb/external': { text: "select * from parquet_schema('/etc/passwd')" },
    },
  });
  client = await h.connect();
});

afterAll(async () => {
  client?.close();
  await h?.close();
});

function run(snippet: string, extra: Record<string, unknown> = {}, c = client): string {
  const id = nextId();
  c.send({ type: 'run', id, snippet, sha256: h.manifest.snippets[snippet]?.sha256 ?? '0'.repeat(64), env: 'demo', params: {}, ...extra });
  return id;
}

async function runToDone(snippet: string, extra: Record<string, unknown> = {}): Promise<{ done: DoneMessage; messages: ServerMessage[] }> {
  const id = run(snippet, extra);
  const done = await client.done(id);
  return { done, messages: client.of(id) };
}

describe('a read snippet', () => {
  it('streams accepted, columns, rows and exactly one done, last', async () => {
    const { done, messages } = await runToDone('rb/rows');
    expect(messages.map((m) => m.type)).toEqual(['accepted', 'columns', 'rows', 'done']);
    expect(messages.filter((m) => m.type === 'done')).toHaveLength(1);
    expect(done).toMatchObject({ status: 'succeeded', rowCount: 7, truncated: false, check: { passed: true } });
    const columns = messages.find((m) => m.type === 'columns');
    expect(columns).toMatchObject({ columns: [{ name: 'source_table', type: 'VARCHAR' }, { name: 'n', type: 'BIGINT' }] });
  });

  it('sends JSON-safe values: bigint and decimal as strings, dates and timestamps as text, lists and structs as JSON', async () => {
    const { messages } = await runToDone('rb/typed');
    const rows = messages.find((m) => m.type === 'rows');
    expect(rows).toMatchObject({ rows: [['9007199254740993', '12.34', '2026-11-23', '2026-11-23 08:00:00', [1, 2, 3], { a: 1, b: 'x' }, null]] });
  });

  it('binds a date parameter through the driver and evaluates value checks', async () => {
    const { done } = await runToDone('rb/by-date', { params: { business_date: '2026-11-21' } });
    expect(done).toMatchObject({ status: 'succeeded', rowCount: 1, check: { passed: true, detail: 'value 4000; expected value > 0' } });
  });

  it('never splices parameter text into SQL: an injection attempt is just a string that matches nothing', async () => {
    const { done, messages } = await runToDone('rb/by-name', { params: { name: "x' or 1=1 --" } });
    expect(done.status).toBe('succeeded');
    expect(messages.find((m) => m.type === 'rows')).toMatchObject({ rows: [['0']] });
  });

  it('reports a failed check as a failed run with the check detail', async () => {
    const { done } = await runToDone('rb/failing-check');
    expect(done).toMatchObject({ status: 'failed', check: { passed: false, detail: 'value 12000; expected value = 0' } });
    expect(done.error).toBeUndefined();
  });

  it('stops at the row cap and says truncated', async () => {
    const { done, messages } = await runToDone('rb/all');
    expect(done).toMatchObject({ status: 'succeeded', rowCount: 5000, truncated: true });
    const streamed = messages.filter((m) => m.type === 'rows').reduce((s, m) => s + (m.type === 'rows' ? m.rows.length : 0), 0);
    expect(streamed).toBe(5000);
    expect(messages.filter((m) => m.type === 'rows').length).toBeGreaterThan(1); // batches, not one buffered blob
  });
});

describe('run failures', () => {
  it('cancels a running query on the server', async () => {
    const id = run('rb/long');
    await client.waitFor((m): m is ServerMessage => m.type === 'accepted' && m.id === id);
    client.send({ type: 'cancel', id });
    const done = await client.done(id, 5000);
    expect(done).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
    expect(done.elapsedMs).toBeLessThan(1400); // well before the statement timeout would have stopped it
  });

  it('stops a statement at the timeout', async () => {
    const { done } = await runToDone('rb/long');
    expect(done).toMatchObject({ status: 'failed', error: { code: 'timeout' } });
  });

  it('reports a database error with its message and where it came from', async () => {
    const { done } = await runToDone('rb/missing-table');
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('connector_error');
    expect(done.error?.message).toMatch(/Catalog Error: Table with name no_such_table does not exist/);
    expect(done.error?.hint).toMatch(/Source: demo \/ warehouse \(duckdb\)/);
  });

  it('keeps external access off for snippets', async () => {
    const { done } = await runToDone('rb/external');
    expect(done.status).toBe('failed');
    expect(done.error?.message).toMatch(/disabled|Permission|external/i);
  });
});

describe('read snippets cannot write', () => {
  it('a DELETE in a read snippet fails in the read-only transaction and changes nothing', async () => {
    const { done } = await runToDone('rb/sneaky-write');
    expect(done).toMatchObject({ status: 'failed', error: { code: 'connector_error' } });
    expect(done.error?.message).toMatch(/read-only/);
    expect(done.error?.hint).toMatch(/mode=read/);
    const after = await runToDone('rb/by-name', { params: { name: 'table_1' } });
    expect(after.messages.find((m) => m.type === 'rows')).toMatchObject({ rows: [['1715']] });
  });

  it('refuses transaction control, so COMMIT cannot end the read-only transaction', async () => {
    const { done } = await runToDone('rb/escape-tx');
    expect(done).toMatchObject({ status: 'rejected', error: { code: 'forbidden' } });
    const after = await runToDone('rb/by-name', { params: { name: 'table_2' } });
    expect(after.messages.find((m) => m.type === 'rows')).toMatchObject({ rows: [['1714']] });
  });
});

describe('rejections carry the protocol error codes', () => {
  const cases: [string, string, Record<string, unknown>, string][] = [
    ['an unknown snippet', 'rb/nope', {}, 'unknown_snippet'],
    ['a wrong hash', 'rb/rows', { sha256: 'f'.repeat(64) }, 'stale_snippet'],
    ['an unknown environment', 'rb/rows', { env: 'qa' }, 'unknown_env'],
    ['an environment the snippet excludes', 'rb/prod-write', { env: 'demo' }, 'env_not_allowed'],
    ['an unknown parameter', 'rb/rows', { params: { x: '1' } }, 'invalid_params'],
    ['a missing required parameter', 'rb/by-name', {}, 'invalid_params'],
    ['a parameter of the wrong type', 'rb/limit', { params: { n: '10; drop table t' } }, 'invalid_params'],
    ['an impossible date', 'rb/by-date', { params: { business_date: '2026-02-30' } }, 'invalid_params'],
    ['an escalation step without approval', 'rb/escalation', {}, 'approval_required'],
    ['a production write without confirm', 'rb/prod-write', { env: 'prod' }, 'confirm_required'],
    ['DDL from a service-team step', 'rb/ddl', {}, 'forbidden'],
  ];
  for (const [what, snippet, extra, code] of cases) {
    it(`rejects ${what} with ${code}`, async () => {
      const { done, messages } = await runToDone(snippet, extra);
      expect(done).toMatchObject({ status: 'rejected', error: { code } });
      expect(messages.map((m) => m.type)).toEqual(['done']);
    });
  }

  it('audits every attempt, rejected ones included', () => {
    const codes = h.audit.events.map((e) => e.errorCode);
    for (const [, , , code] of cases) expect(codes).toContain(code);
    expect(h.audit.events.some((e) => e.status === 'succeeded' && e.snippet === 'rb/rows' && e.user)).toBe(true);
  });

  it('says busy when the socket already has its maximum of runs', async () => {
    const a = run('rb/long');
    const b = run('rb/long');
    const c = run('rb/rows');
    expect(await client.done(c)).toMatchObject({ status: 'rejected', error: { code: 'busy' } });
    client.send({ type: 'cancel', id: a });
    client.send({ type: 'cancel', id: b });
    await client.done(a);
    await client.done(b);
  });
});

describe('bad input never breaks the socket or the server', () => {
  const bad: [string, string | Record<string, unknown>][] = [
    ['text that is not JSON', '{not json'],
    ['a message of an unknown type', { type: 'explode', id: 'x' }],
    ['a run without a snippet', { type: 'run', id: 'x', sha256: '0'.repeat(64), env: 'demo' }],
    ['a run with an extra field (e.g. SQL text)', { type: 'run', id: 'x', snippet: 'rb/rows', sha256: '0'.repeat(64), env: 'demo', sql: 'drop table t' }],
    ['a cancel for a run that does not exist', { type: 'cancel', id: 'ghost' }],
    ['a message over the size limit', { type: 'run', id: 'x', snippet: 'x'.repeat(70 * 1024) }],
  ];
  for (const [what, message] of bad) {
    it(`answers ${what} with bad_message and keeps serving`, async () => {
      const before = client.messages.length;
      client.send(message);
      const error = await client.waitFor((m): m is ServerMessage => m.type === 'error' && client.messages.indexOf(m) >= before);
      expect(error).toMatchObject({ type: 'error', code: 'bad_message' });
      expect((error as { message: string }).message.length).toBeGreaterThan(10);
      expect((await runToDone('rb/rows')).done.status).toBe('succeeded');
    });
  }

  it('answers binary frames with bad_message', async () => {
    const before = client.messages.length;
    client.socket.send(Buffer.from([1, 2, 3]));
    await client.waitFor((m): m is ServerMessage => m.type === 'error' && client.messages.indexOf(m) >= before);
    expect((await runToDone('rb/rows')).done.status).toBe('succeeded');
  });

  it('cancels the runs of a socket that closes', async () => {
    const other = await h.connect();
    const id = `close-${nextId()}`;
    other.send({ type: 'run', id, snippet: 'rb/long', sha256: h.manifest.snippets['rb/long']!.sha256, env: 'demo', params: {} });
    await other.waitFor((m): m is ServerMessage => m.type === 'accepted');
    other.close();
    await expect.poll(() => h.audit.events.find((e) => e.status === 'cancelled' && e.startedAt && e.snippet === 'rb/long' && e.runId && h.audit.events.indexOf(e) >= 0 && e.endedAt), { timeout: 30_000 }).toBeTruthy();
  });
});

describe('the upgrade', () => {
  it('refuses a cross-origin socket', async () => {
    await expect(h.connect({ origin: 'http://evil.example' })).rejects.toThrow(/HTTP 403/);
  });
  it('refuses a socket without an Origin', async () => {
    await expect(h.connect({ origin: null })).rejects.toThrow(/HTTP 403/);
  });
});
