/**
 * A SQL run's engine may get ready (connect, open its transaction, prepare) while the run's audit record is
 * written, but runs nothing before that record is durable — and nothing at all when it could not be written.
 * The runner against a gated audit sink and a recording connector; then the real DuckDB and PostgreSQL connectors
 * holding a write at `ready`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config';
import { openDuckDB } from '../connectors/duckdb/index';
import { openPostgres } from '../connectors/postgres/index';
import { dropSchema, postgresUnavailable, postgresUrl, postgresUrlFor, scratchSchema } from '../testing/postgres';
import type { ConnectorRegistry } from '../connectors/registry';
import type { SqlConnector, StatementRequest } from '../connectors/types';
import type { Identity } from '../identity';
import type { ServerMessage } from '../protocol';
import { makeManifest } from '../testing/harness';
import type { AuditEntry, AuditSink } from './audit';
import { staticManifestStore } from './manifestStore';
import { executeRun } from './runner';

const identity: Identity = { user: 'dana.operator', displayName: 'Dana', roles: ['service-team'], groups: ['ops'] };
const manifest = makeManifest({ 'r/one': { text: 'select 1 as one' } });
const config = parseConfig('environments:\n  demo:\n    connections:\n      warehouse: {kind: duckdb, path: unused.duckdb}\n', 'admission.yaml');

/** An audit sink whose opening write stays pending until the test settles it. */
function gatedAudit() {
  let settle: (ok: boolean) => void = () => undefined;
  const opening = new Promise<boolean>((resolve) => (settle = resolve));
  const entries: AuditEntry[] = [];
  const sink: AuditSink = {
    record: (entry) => {
      entries.push(entry);
      return entry.status === 'running' ? opening : Promise.resolve(true);
    },
    flush: async () => undefined,
  };
  return { sink, entries, settle };
}

/** A connector that says it waits for `ready`, and records when it was handed the statement and what `ready` said. */
function recordingConnector(waitsForReady: boolean) {
  const seen: string[] = [];
  const connector: SqlConnector = {
    kind: 'duckdb',
    dialect: 'duckdb',
    waitsForReady,
    async stream(request, sink) {
      seen.push('handed');
      if (request.ready && !(await request.ready)) {
        seen.push('not admitted');
        throw new Error('not admitted');
      }
      seen.push('ran');
      sink.columns([{ name: 'one', type: 'INTEGER' }]);
      await sink.rows([[1]]);
      return { rowCount: 1, truncated: false, firstValue: 1 };
    },
    close: async () => undefined,
  };
  const registry: ConnectorRegistry = { get: async () => connector, closeAll: async () => undefined };
  return { seen, registry };
}

function start(audit: AuditSink, connectors: ConnectorRegistry) {
  const sent: ServerMessage[] = [];
  const channel = { send: (m: ServerMessage) => void sent.push(m), rows: async () => undefined };
  const msg = { type: 'run' as const, id: 'r1', snippet: 'r/one', sha256: manifest.snippets['r/one']!.sha256, env: 'demo', params: {} };
  const done = executeRun({ config, manifest: staticManifestStore(manifest), connectors, audit, approvals: null }, identity, msg, channel, new AbortController().signal);
  return { sent, done };
}

/** Lets pending promise callbacks run (the runner's early start is a few awaits deep). */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('a SQL run while its audit record is written', () => {
  it('hands the statement to an engine that waits for ready before the record is durable, and it runs once it is', async () => {
    const audit = gatedAudit();
    const c = recordingConnector(true);
    const { sent, done } = start(audit.sink, c.registry);
    for (let i = 0; i < 5; i++) await settled();
    expect(c.seen).toEqual(['handed']);
    expect(sent).toEqual([]);
    audit.settle(true);
    const d = await done;
    expect(d.status).toBe('succeeded');
    expect(c.seen).toEqual(['handed', 'ran']);
    expect(sent[0]?.type).toBe('accepted');
  });

  it('runs nothing when the record could not be written, and says so', async () => {
    const audit = gatedAudit();
    const c = recordingConnector(true);
    const { done } = start(audit.sink, c.registry);
    for (let i = 0; i < 5; i++) await settled();
    audit.settle(false);
    const d = await done;
    expect(d.status).toBe('rejected');
    expect(d.error?.code).toBe('unavailable');
    await settled();
    expect(c.seen).toEqual(['handed', 'not admitted']);
  });

  it('hands an engine that does not wait for ready nothing before the record is durable', async () => {
    const audit = gatedAudit();
    const c = recordingConnector(false);
    const { done } = start(audit.sink, c.registry);
    for (let i = 0; i < 5; i++) await settled();
    expect(c.seen).toEqual([]);
    audit.settle(true);
    expect((await done).status).toBe('succeeded');
    expect(c.seen).toEqual(['handed', 'ran']);
  });
});

describe('the DuckDB connector holding a statement at ready', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-admission-'));
  let duck: SqlConnector | null = null;
  afterAll(async () => {
    await duck?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const request = (text: string, over: Partial<StatementRequest>): StatementRequest => ({ text, binds: {}, mode: 'write', signal: new AbortController().signal, timeoutMs: 30_000, maxRows: 100, ...over });
  const sink = { columns: () => undefined, rows: async () => undefined };
  const count = async () => (await duck!.stream(request('select count(*) from t', { mode: 'read' }), sink)).firstValue;

  it('does not run a write whose run was not admitted, and runs it once admitted', async () => {
    duck = await openDuckDB({ file: path.join(dir, 'w.duckdb') });
    await duck.stream(request('create table t (i integer)', {}), sink);
    let admit: (ok: boolean) => void = () => undefined;
    const refused = duck.stream(request('insert into t values (1)', { ready: Promise.resolve(false) }), sink);
    await expect(refused).rejects.toMatchObject({ code: 'cancelled' });
    expect(await count()).toBe('0');
    const held = duck.stream(request('insert into t values (2)', { ready: new Promise<boolean>((resolve) => (admit = resolve)) }), sink);
    for (let i = 0; i < 5; i++) await settled();
    expect(await count()).toBe('0');
    admit(true);
    expect((await held).rowsAffected).toBe(1);
    expect(await count()).toBe('1');
  });
});

describe('the PostgreSQL connector holding a statement at ready', () => {
  const schema = scratchSchema('opsbook_admission');
  // Our own application_name, so the test looks only at the sessions it opened.
  const app = schema;
  let skip: string | null = null;
  let admin: pg.Client;
  beforeAll(async () => {
    skip = await postgresUnavailable();
    if (skip) return;
    admin = new pg.Client({ connectionString: postgresUrl() });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    // A sequence is not transactional: a statement that ran leaves its mark even when its transaction rolls back.
    await admin.query(`create sequence ${schema}.probe`);
  });
  afterAll(async () => {
    if (skip) return;
    await admin.end();
    await dropSchema(schema);
  });
  const request = (over: Partial<StatementRequest>): StatementRequest => ({ text: `select nextval('${schema}.probe') as n`, binds: {}, mode: 'write', signal: new AbortController().signal, timeoutMs: 30_000, maxRows: 100, ...over });
  const sink = { columns: () => undefined, rows: async () => undefined };
  const probeCalled = async () => (await admin.query(`select is_called from ${schema}.probe`)).rows[0]?.is_called as boolean;
  /** What this test's sessions are doing: the server's own view, not a timer. */
  const sessions = async () => (await admin.query(`select state, query from pg_stat_activity where application_name = $1`, [app])).rows as { state: string; query: string }[];

  it('begins its transaction with its statement timeout while the record is written, and runs the statement only once admitted', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const connector = await openPostgres({ read: postgresUrlFor(app), write: postgresUrlFor(app), poolMax: 2, label: 'demo/pg' });
    try {
      await expect(connector.stream(request({ ready: Promise.resolve(false) }), sink)).rejects.toMatchObject({ code: 'cancelled', message: expect.stringMatching(/not admitted/) });
      expect(await probeCalled()).toBe(false);

      let admit: (ok: boolean) => void = () => undefined;
      const held = connector.stream(request({ ready: new Promise<boolean>((resolve) => (admit = resolve)) }), sink);
      // Held at `ready`: its session sits in the open transaction, the timeout already set, the statement not sent.
      await expect
        .poll(async () => (await sessions()).filter((s) => s.state === 'idle in transaction').map((s) => s.query), { timeout: 20_000 })
        .toEqual(['BEGIN; SET LOCAL statement_timeout = 30000']);
      expect(await probeCalled()).toBe(false);
      admit(true);
      expect((await held).firstValue).toBe('1');
      expect(await probeCalled()).toBe(true);
    } finally {
      await connector.close();
    }
  });
});
