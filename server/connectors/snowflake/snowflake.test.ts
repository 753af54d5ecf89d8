/**
 * The real snowflake-sdk driver, through the connector, against the Snowflake contract fake on
 * loopback (real HTTP, real DuckDB behind it). Assertions on what Snowflake would have received are
 * made on the fake's request log.
 */
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoundValue } from '../../../plugins/remark-runbook/syntax/params';
import type { Cell, ColumnInfo } from '../../protocol';
import type { RowSink } from '../types';
import type { SnowflakeConnectionConfig } from './config';
import { loadSnowflakeSdk } from './driver';
import { RunFailed, runStatement } from './execute';
import { startSnowflakeFake, type SnowflakeFake } from './fake/index';
import { openSnowflake, snowflakeQueryTag, type SnowflakeConnector } from './index';
import type { StatementRequest as SnowflakeStatementRequest } from '../types';
import { openSession } from './sessions';
import { toSnowflakeSql } from './sql';

const ACCOUNT = 'xy12345';
const RO_PASSWORD = 'ro-secret-3f9a';
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const wrongKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PASSPHRASE = 'key-pass-77';
let tmp: string;
let fake: SnowflakeFake;
let sf: SnowflakeConnector;

function connection(over: Partial<SnowflakeConnectionConfig> = {}): SnowflakeConnectionConfig {
  return {
    kind: 'snowflake',
    account: ACCOUNT,
    warehouse: 'OPS_WH',
    database: 'CDM',
    accessUrl: fake.accessUrl,
    read: { user: 'OPS_RO', role: 'OPS_READONLY', password: RO_PASSWORD },
    // Key-pair, from an encrypted PKCS#8 file relative to baseDir.
    write: { user: 'OPS_RW', role: 'OPS_WRITE', privateKeyPath: 'rw.p8', privateKeyPassphrase: PASSPHRASE },
    ...over,
  };
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-sf-'));
  fs.writeFileSync(path.join(tmp, 'rw.p8'), keys.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }));
  fake = await startSnowflakeFake({
    account: ACCOUNT,
    users: [
      { name: 'OPS_RO', password: RO_PASSWORD, roles: ['OPS_READONLY'] },
      { name: 'OPS_RW', publicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(), roles: ['OPS_WRITE'] },
    ],
    readOnlyRoles: ['OPS_READONLY'],
    chunkRows: 500,
    inProgressAfterMs: 150,
    setup: [
      'create schema cdm',
      `create table cdm.orders as
         select i as order_id, date '2026-11-01' + (i % 23)::int as order_date, (i * 1.25)::decimal(12,2) as amount,
                (9007199254740993 + i)::decimal(38,0) as big, timestamp '2026-11-23 08:00:00.123456' as created_at,
                timestamptz '2026-11-23 08:00:00+00' as created_tz, ('{"sku":"A' || i || '"}')::json as payload, [i, i + 1] as pair,
                {'n': i, 'tag': 'x'} as attrs, '\\xBE\\xEF'::blob as raw, i % 2 = 0 as even, i / 4 as ratio, time '12:34:56' as at_time,
                case when i % 10 = 0 then null else 'c' || i end as note
         from range(1, 20001) t(i)`,
      'create table cdm.audit (id integer, note varchar)',
      'create schema etl_control',
      `create table etl_control.etl_date_control as
         select 'p' || i as pipeline_name, 'dag_' || i as dag_id, date '2026-11-22' as business_date, date '2026-11-21' as prev_business_date,
                date '2026-11-23' as next_business_date, timestamp '2026-11-22 00:30:00' as dates_set_at, 'READY' as load_status
         from range(8) t(i)`,
    ],
  });
  sf = await openSnowflake({ connection: connection(), baseDir: tmp });
});

afterAll(async () => {
  await sf?.close();
  await fake?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Ran {
  columns: readonly ColumnInfo[];
  rows: Cell[][];
  batches: number;
}

function request(text: string, binds: Record<string, BoundValue> = {}, over: Partial<SnowflakeStatementRequest> = {}): SnowflakeStatementRequest {
  return { text, binds, mode: 'read', signal: new AbortController().signal, timeoutMs: 10_000, maxRows: 100_000, ...over };
}

async function run(text: string, binds: Record<string, BoundValue> = {}, over: Partial<SnowflakeStatementRequest> = {}, connector: SnowflakeConnector = sf) {
  const ran: Ran = { columns: [], rows: [], batches: 0 };
  const outcome = await connector.stream(request(text, binds, over), {
    columns: (c) => void (ran.columns = c),
    rows: async (b) => void (ran.batches++, ran.rows.push(...(b as Cell[][]))),
  });
  return { outcome, ...ran };
}

/** A connector of its own, key files relative to the test's directory. */
const open = (over: Partial<SnowflakeConnectionConfig> = {}) => openSnowflake({ connection: connection(over), baseDir: tmp });

const chunkRequests = (since: number) => fake.requests.slice(since).filter((r) => r.kind === 'chunk').length;
const lastQuery = () => fake.queryRequests().at(-1)!;

describe('Snowflake connector against the contract fake', () => {
  it('logs in with a password on the read profile and runs as the read role', async () => {
    const r = await run('select current_role() as r, current_warehouse() as w, current_user() as u');
    expect(r.rows).toEqual([['OPS_READONLY', 'OPS_WH', 'OPS_RO']]);
    const login = fake.requests.find((q) => q.kind === 'login')!;
    expect(login.query).toMatchObject({ roleName: 'OPS_READONLY', warehouse: 'OPS_WH', databaseName: 'CDM' });
    expect(login.body).toMatchObject({ data: { ACCOUNT_NAME: ACCOUNT, LOGIN_NAME: 'OPS_RO', AUTHENTICATOR: 'SNOWFLAKE', CLIENT_ENVIRONMENT: { APPLICATION: 'Opsbook' } } });
    // The fake's log redacts it, and nothing else carries it.
    expect(JSON.stringify(fake.requests)).not.toContain(RO_PASSWORD);
  });

  it('logs in with a key pair (encrypted key file) on the write profile and writes as the write role', async () => {
    const r = await run('insert into cdm.audit values (:id, :note)', { id: { type: 'int', value: 1 }, note: { type: 'string', value: 'written' } }, { mode: 'write' });
    expect(r.columns).toEqual([{ name: 'number of rows inserted', type: 'NUMBER(38,0)' }]);
    expect(r.rows).toEqual([[1]]);
    expect(lastQuery().role).toBe('OPS_WRITE');
    const login = fake.requests.filter((q) => q.kind === 'login').at(-1)!;
    expect(login.body).toMatchObject({ data: { LOGIN_NAME: 'OPS_RW', AUTHENTICATOR: 'SNOWFLAKE_JWT', TOKEN: '[redacted]' } });
    expect((await run('select note from cdm.audit where id = 1')).rows).toEqual([['written']]);
  });

  it('accepts an inline PEM key, and reports a key the user does not have as a refused login', async () => {
    const inline = await open({ write: { user: 'OPS_RW', role: 'OPS_WRITE', privateKey: keys.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString() } });
    expect((await run('select current_role()', {}, { mode: 'write' }, inline)).rows).toEqual([['OPS_WRITE']]);
    await inline.close();
    const wrong = await open({ write: { user: 'OPS_RW', role: 'OPS_WRITE', privateKey: wrongKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() } });
    await expect(run('select 1', {}, { mode: 'write' }, wrong)).rejects.toMatchObject({ code: 'unavailable', engineCode: '390144', hint: expect.stringMatching(/RSA_PUBLIC_KEY/) });
    await wrong.close();
  });

  it('refuses a key file it cannot decrypt when the connection opens, without quoting the key', async () => {
    const error = await open({ write: { user: 'OPS_RW', role: 'OPS_WRITE', privateKeyPath: 'rw.p8', privateKeyPassphrase: 'wrong' } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/private key file of the write profile \(rw\.p8\) is not a usable PEM private key/) });
    expect(JSON.stringify(error)).not.toMatch(/BEGIN|PRIVATE KEY-----/);
  });

  it('streams a multi-chunk result in batches, fetching chunks only as the sink takes rows', async () => {
    const since = fake.requests.length;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let batches = 0;
    let rows = 0;
    const sink: RowSink = {
      columns: () => undefined,
      rows: (batch) => {
        batches++;
        rows += batch.length;
        return batches === 1 ? gate : Promise.resolve();
      },
    };
    const pending = sf.stream(request('select order_id, note from cdm.orders order by order_id'), sink);
    await expect.poll(() => batches).toBe(1);
    await new Promise((r) => setTimeout(r, 400));
    // 39 chunks exist past the first; while the sink is busy only the row stream's buffer
    // (2,048 rows ≈ 5 chunks) and the driver's prefetch (2) may have been fetched.
    const whilePaused = chunkRequests(since);
    expect(whilePaused).toBeLessThanOrEqual(8);
    release();
    const outcome = await pending;
    expect(outcome).toMatchObject({ rowCount: 20_000, truncated: false, firstValue: 1 });
    expect(rows).toBe(20_000);
    expect(batches).toBeGreaterThan(5);
    expect(chunkRequests(since)).toBe(39);
  });

  it('stops at the row cap without downloading the chunks past it', async () => {
    const since = fake.requests.length;
    const r = await run('select order_id from cdm.orders order by order_id', {}, { maxRows: 1234 });
    expect(r.outcome).toMatchObject({ rowCount: 1234, truncated: true });
    expect(r.rows.at(-1)).toEqual([1234]);
    expect(chunkRequests(since)).toBe(2); // rows 500–1,499 live in chunks 1 and 2
  });

  it('binds every parameter type by position, typed, never in the text', async () => {
    const r = await run('select :d as d, :dt as dt, :i as i, :n as n, :s as s, :d = date \'2026-11-22\' as same_day', {
      d: { type: 'date', value: '2026-11-22' },
      dt: { type: 'datetime', value: '2026-11-22 08:30:00' },
      i: { type: 'int', value: 42 },
      n: { type: 'number', value: 2.5 },
      s: { type: 'string', value: "it's" },
    });
    expect(r.columns.map((c) => c.type)).toEqual(['DATE', 'TIMESTAMP_NTZ', 'NUMBER(38,0)', 'FLOAT', 'VARCHAR', 'BOOLEAN']);
    expect(r.rows).toEqual([['2026-11-22', '2026-11-22T08:30:00', 42, 2.5, "it's", true]]);
    const q = lastQuery();
    expect(q.sqlText).toBe("select CAST(? AS DATE) as d, CAST(? AS TIMESTAMP_NTZ) as dt, ? as i, ? as n, ? as s, CAST(? AS DATE) = date '2026-11-22' as same_day");
    expect(Object.values(q.bindings)).toEqual([
      { type: 'TEXT', value: '2026-11-22' },
      { type: 'TEXT', value: '2026-11-22 08:30:00' },
      { type: 'FIXED', value: '42' },
      { type: 'REAL', value: '2.5' },
      { type: 'TEXT', value: "it's" },
      { type: 'TEXT', value: '2026-11-22' },
    ]);
    const repeated = await run('select count(*) from cdm.orders where order_date = :d or (order_date > :d and order_id < :n)', { d: { type: 'date', value: '2026-11-22' }, n: { type: 'int', value: 30 } });
    expect(repeated.rows).toEqual([[870]]); // 869 orders on the 22nd, plus order 22 (the 23rd) under 30
    const injection = await run('select count(*) from cdm.orders where note = :s', { s: { type: 'string', value: "c1' or '1'='1" } });
    expect(injection.rows).toEqual([[0]]);
    await expect(run('select :missing')).rejects.toMatchObject({ code: 'connector_error', message: expect.stringMatching(/:missing/) });
  });

  it('maps Snowflake types to JSON-safe cells and names the columns with Snowflake types', async () => {
    const r = await run('select order_id, order_date, amount, big, created_at, created_tz, payload, pair, attrs, raw, even, ratio, at_time, note from cdm.orders where order_id in (7, 10) order by order_id');
    expect(r.columns.map((c) => `${c.name} ${c.type}`)).toEqual([
      'ORDER_ID NUMBER(38,0)', 'ORDER_DATE DATE', 'AMOUNT NUMBER(12,2)', 'BIG NUMBER(38,0)', 'CREATED_AT TIMESTAMP_NTZ', 'CREATED_TZ TIMESTAMP_LTZ',
      'PAYLOAD VARIANT', 'PAIR ARRAY', 'ATTRS OBJECT', 'RAW BINARY', 'EVEN BOOLEAN', 'RATIO FLOAT', 'AT_TIME TIME', 'NOTE VARCHAR',
    ]);
    expect(r.rows[0]).toEqual([7, '2026-11-08', '8.75', '9007199254741000', '2026-11-23T08:00:00.123456', '2026-11-23T08:00:00Z', { sku: 'A7' }, [7, 8], { n: 7, tag: 'x' }, 'BEEF', false, 1.75, '12:34:56', 'c7']);
    expect(r.rows[1]![13]).toBeNull();
  });

  it('runs a runbook check written for Snowflake (DATEADD with a bare date part) on the fake', async () => {
    const check = `select
  sum(case when business_date = CAST(:business_date AS DATE)
            and prev_business_date = DATEADD(day, -1, CAST(:business_date AS DATE))
            and next_business_date = DATEADD(day, 1, CAST(:business_date AS DATE))
            and dates_set_at is not null then 0 else 1 end) over ()
  + (8 - count(*) over ()) as pipelines_not_set,
  pipeline_name, dag_id, business_date, prev_business_date, next_business_date, dates_set_at, load_status
from etl_control.etl_date_control
order by pipeline_name`;
    const ok = await run(check, { business_date: { type: 'date', value: '2026-11-22' } });
    expect(ok.outcome).toMatchObject({ rowCount: 8, firstValue: 0 });
    expect(ok.columns[0]).toEqual({ name: 'PIPELINES_NOT_SET', type: 'NUMBER(38,0)' });
    expect((await run(check, { business_date: { type: 'date', value: '2026-11-23' } })).outcome.firstValue).toBe(8);
  });

  it('sends the query tag, the statement timeout and one-statement-only with every statement', async () => {
    const who = { runbook: 'canonical-daily-batch', snippet: 'canonical-daily-batch/ldz-rows-today', user: 'dana.operator', env: 'prod', runId: 'r-1' };
    const tag = snowflakeQueryTag(who);
    await run('select 1', {}, { queryTag: who, timeoutMs: 2500 });
    expect(lastQuery().parameters).toEqual({ QUERY_TAG: tag, STATEMENT_TIMEOUT_IN_SECONDS: 3, STATEMENT_QUEUED_TIMEOUT_IN_SECONDS: 3, MULTI_STATEMENT_COUNT: 1 });
    expect(JSON.parse(tag)).toEqual({ app: 'opsbook', runbook: 'canonical-daily-batch', snippet: 'canonical-daily-batch/ldz-rows-today', user: 'dana.operator', env: 'prod', run: 'r-1' });
    await run('select 1');
    expect(JSON.parse(String(lastQuery().parameters.QUERY_TAG))).toEqual({ app: 'opsbook' });
  });

  it('cancels a running statement through the driver: abort-request, then 000604', async () => {
    // Before Snowflake's first answer the driver aborts by request id; after it, by query id.
    for (const [answered, path] of [[false, /^\/queries\/v1\/abort-request$/], [true, /^\/queries\/[\w-]+\/abort-request$/]] as const) {
      const since = fake.requests.length;
      const controller = new AbortController();
      const pending = run('select system$wait(10)', {}, { signal: controller.signal });
      // After the first answer: once the driver polls for the result, it knows the query id.
      if (answered) {
        await expect.poll(() => fake.requests.slice(since).some((q) => q.kind === 'result'), { timeout: 30_000 }).toBe(true);
        controller.abort();
      } else setTimeout(() => controller.abort(), 40);
      await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
      expect(fake.requests.slice(since).filter((q) => q.kind === 'abort').map((q) => q.path)).toEqual([expect.stringMatching(path)]);
    }
    // The session is still good for the next run.
    expect((await run('select 2')).rows).toEqual([[2]]);
  });

  it('maps the server-side statement timeout (000630) to timeout', async () => {
    await expect(run('select system$wait(5)', {}, { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'timeout', engineCode: '000630', message: expect.stringMatching(/1 s statement timeout/) });
  });

  it('maps Snowflake errors to connector_error with code, SQLSTATE and a hint', async () => {
    await expect(run('selec 1')).rejects.toMatchObject({ code: 'connector_error', engineCode: '001003', message: expect.stringMatching(/syntax error .*\[Snowflake 001003, SQLSTATE 42000, query /s) });
    await expect(run('select * from cdm.nope')).rejects.toMatchObject({ engineCode: '002003', message: expect.stringMatching(/'NOPE' does not exist or not authorized/), hint: expect.stringMatching(/OPS_READONLY/) });
    await expect(run('select nope from cdm.orders')).rejects.toMatchObject({ engineCode: '000904', message: expect.stringMatching(/invalid identifier 'NOPE'/) });
    await expect(run('select 1; select 2')).rejects.toMatchObject({ engineCode: '000008', hint: expect.stringMatching(/one statement/) });
  });

  it('keeps read snippets read-only through the read role: a write is refused and changes nothing', async () => {
    await expect(run('delete from cdm.orders where order_id < 10')).rejects.toMatchObject({
      code: 'connector_error',
      engineCode: '003001',
      message: expect.stringMatching(/Insufficient privileges to operate on table 'CDM.ORDERS'.*SQLSTATE 42501/s),
      hint: expect.stringMatching(/mode=read.*OPS_READONLY/),
    });
    expect((await run('select count(*) from cdm.orders')).rows).toEqual([[20_000]]);
  });

  it('refuses statements that would change a pooled session', async () => {
    for (const text of ['use role OPS_WRITE', '-- switch\nUSE WAREHOUSE BIG_WH', 'alter session set timezone = \'UTC\'', 'begin', 'commit', "set x = 1", "execute immediate 'select 1'"]) {
      await expect(run(text)).rejects.toMatchObject({ code: 'forbidden' });
    }
  });

  it('discards a session whose role, warehouse, database or schema a statement changed', async () => {
    const sdk = await loadSnowflakeSdk();
    const { driverOptions } = await import('./credentials');
    const session = await openSession(sdk, await driverOptions(connection(), connection().read, 'read', tmp), 'read', fake.accessUrl);
    const statement = (text: string) => ({ sql: toSnowflakeSql(text, {}), queryTag: '{}', mode: 'read' as const, role: 'OPS_READONLY', signal: new AbortController().signal, timeoutMs: 5000, maxRows: 10 });
    const sink: RowSink = { columns: () => undefined, rows: async () => undefined };
    expect((await runStatement(session, statement('select 1'), sink)).reusable).toBe(true);
    expect((await runStatement(session, statement('use warehouse OTHER_WH'), sink)).reusable).toBe(false);
    const failed = await runStatement(session, statement('select * from nowhere'), sink).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(RunFailed);
    expect((failed as RunFailed).reusable).toBe(true);
    await new Promise<void>((resolve) => session.connection.destroy(() => resolve()));
  });

  it('re-connects when the session is gone (expired or logged out on the server)', async () => {
    await run('select 1');
    const logins = fake.requests.filter((q) => q.kind === 'login').length;
    fake.expireSessions();
    expect((await run('select 3')).rows).toEqual([[3]]);
    expect(fake.requests.filter((q) => q.kind === 'login').length).toBe(logins + 1);
    // A write refused by a gone session never ran: it is sent again on a fresh one.
    await run('insert into cdm.audit values (2, :n)', { n: { type: 'string', value: 'after expiry' } }, { mode: 'write' });
    fake.expireSessions();
    expect((await run('insert into cdm.audit values (3, :n)', { n: { type: 'string', value: 'retried' } }, { mode: 'write' })).rows).toEqual([[1]]);
    expect((await run('select count(*) from cdm.audit where id = 3')).rows).toEqual([[1]]);
  });

  it('never sends a write again once Snowflake has accepted it, even when the session is lost', async () => {
    const since = fake.requests.length;
    const pending = run("insert into cdm.audit select 99, system$wait(600, 'milliseconds')", {}, { mode: 'write' });
    // Polling for its result: Snowflake has answered "in progress" with the query id.
    await expect.poll(() => fake.requests.slice(since).filter((q) => q.kind === 'result').length, { interval: 20 }).toBeGreaterThan(0);
    const theWrite = () => fake.queryRequests().filter((q) => q.sqlText.includes('select 99')).length;
    const sent = theWrite();
    fake.expireSessions();
    await expect(pending).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/session was lost/) });
    // The statement finishes in "Snowflake" regardless: wait for its row, then check it was sent once.
    await expect.poll(async () => (await run('select count(*) from cdm.audit where id = 99')).rows, { timeout: 30_000 }).toEqual([[1]]);
    expect(theWrite()).toBe(sent);
    await run('delete from cdm.audit where id in (2, 3, 99)', {}, { mode: 'write' });
  });

  it('reuses at most poolMax sessions per profile, queueing the runs beyond', async () => {
    const pooled = await open({ poolMax: 2 });
    const before = fake.requests.filter((q) => q.kind === 'login').length;
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => run(`select ${i} as i, system$wait(100, 'milliseconds')`, {}, {}, pooled)));
    expect(results.map((r) => r.rows[0]![0])).toEqual([0, 1, 2, 3, 4, 5]);
    expect(fake.requests.filter((q) => q.kind === 'login').length - before).toBe(2);
    const active = fake.activeSessions;
    await pooled.close();
    expect(fake.activeSessions).toBe(active - 2); // logged out on close
  });

  it('explains a statement for an approver without running it', async () => {
    const p = await sf.preview!({ text: 'delete from cdm.audit where id = :id', binds: { id: { type: 'int', value: 1 } }, mode: 'write', timeoutMs: 5000 });
    expect(p.plan).toMatch(/DELETE/i);
    expect((await run('select count(*) from cdm.audit')).rows).toEqual([[1]]);
  });

  it('checks both profiles for --check-config', async () => {
    expect(await sf.check()).toEqual([
      { profile: 'read', ok: true, detail: 'role OPS_READONLY, warehouse OPS_WH, database CDM' },
      { profile: 'write', ok: true, detail: 'role OPS_WRITE, warehouse OPS_WH, database CDM' },
    ]);
  });

  it('says forbidden when a write snippet meets a connection without a write profile', async () => {
    const readOnly = await open({ write: undefined });
    await expect(run('delete from cdm.audit', {}, { mode: 'write' }, readOnly)).rejects.toMatchObject({ code: 'forbidden', message: expect.stringMatching(/no write profile/), hint: expect.stringMatching(/write:/) });
    await readOnly.close();
  });

  it('reports a refused login as unavailable, naming the profile and never the password', async () => {
    const bad = await open({ read: { user: 'OPS_RO', role: 'OPS_READONLY', password: 'not-the-password' } });
    const error = await run('select 1', {}, {}, bad).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unavailable', engineCode: '390100', message: expect.stringMatching(/refused the login of the read profile.*Incorrect username or password/), hint: expect.stringMatching(/password/) });
    expect(JSON.stringify(error)).not.toContain('not-the-password');
    await bad.close();
    const noRole = await open({ read: { user: 'OPS_RO', role: 'SYSADMIN', password: RO_PASSWORD } });
    await expect(run('select 1', {}, {}, noRole)).rejects.toMatchObject({ code: 'unavailable', engineCode: '390189', hint: expect.stringMatching(/Grant the role/) });
    await noRole.close();
  });

  it('says clearly when nothing listens at the address', async () => {
    const dead = await open({ accessUrl: 'http://127.0.0.1:1' });
    const started = Date.now();
    await expect(run('select 1', {}, {}, dead)).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/Cannot reach Snowflake at http:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/) });
    expect(Date.now() - started).toBeLessThan(5000);
    await dead.close();
  });

  it('logs its sessions out on close', async () => {
    const own = await open();
    const before = fake.activeSessions;
    await run('select 1', {}, {}, own);
    expect(fake.activeSessions).toBe(before + 1);
    await own.close();
    expect(fake.activeSessions).toBe(before);
    await expect(run('select 1', {}, {}, own)).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/closing/) });
  });
});
