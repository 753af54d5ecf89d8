/**
 * A SQL run's engine may get ready (connect, open its transaction, prepare) while the run's audit record is
 * written, but runs nothing before that record is durable — and nothing at all when it could not be written.
 * The runner against a gated audit sink and a recording connector; then the real DuckDB connector holding a
 * write at `ready`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config';
import { openDuckDB } from '../connectors/duckdb/index';
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
