import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../api';
import { openDuckDBStore } from './duckdbStore';
import { openPostgresStore } from './postgresStore';
import type { NewApproval, StateStore } from './types';
import { dropSchema, postgresUnavailable, postgresUrl, scratchSchema } from '../testing/postgres';

const t0 = new Date('2026-11-23T08:00:00.000Z');
const minutes = (n: number) => new Date(t0.getTime() + n * 60_000);

function approval(id: string, requester = 'dana', expiresInMin = 60): NewApproval {
  return {
    id, snippet: 'rb/fix', sha256: 'a'.repeat(64), runbook: 'rb', step: 's', title: 'Fix', approverRole: 'implementation-manager', env: 'demo',
    params: { business_date: '2026-11-23' }, text: 'delete from t', reason: 'duplicate keys', requestedBy: { user: requester, displayName: requester },
    requestedAt: t0.toISOString(), expiresAt: minutes(expiresInMin).toISOString(), preview: { kind: 'none', note: 'n/a' },
  };
}

function record(i: number, over: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id: `rec-${String(i).padStart(3, '0')}`, at: minutes(i).toISOString(), kind: 'run', user: i % 2 ? 'dana' : 'oskar', roles: ['service-team'], snippet: 'rb/x',
    sha256: 'b'.repeat(64), runbook: i % 3 ? 'rb' : 'other', step: 's', env: 'demo', params: { n: i }, approval: null, runId: `run-${i}`,
    startedAt: minutes(i).toISOString(), endedAt: minutes(i).toISOString(), status: i % 4 ? 'succeeded' : 'failed', rowCount: i, check: i % 2 === 0, errorCode: null, detail: null,
    rowsAffected: null, dryRun: null, instance: null, ...over,
  };
}

function storeContract(name: string, open: () => Promise<StateStore>, cleanup: () => Promise<void>, skip: () => string | null) {
  describe(`${name} store`, () => {
    let store: StateStore;
    beforeAll(async () => {
      if (skip()) return;
      store = await open();
    });
    afterAll(async () => {
      if (skip()) return;
      await store.close();
      await cleanup();
    });

    it('appends audit records and filters them by runbook, user, status and date, newest first', async (ctx) => {
      if (skip()) return ctx.skip();
      for (let i = 1; i <= 12; i++) await store.appendAudit(record(i));
      const all = await store.queryAudit({ limit: 100, offset: 0 });
      expect(all.total).toBe(12);
      expect(all.records[0]!.id).toBe('rec-012');
      expect(all.records[0]).toEqual(record(12));
      expect((await store.queryAudit({ runbook: 'other', limit: 100, offset: 0 })).total).toBe(4);
      expect((await store.queryAudit({ user: 'dana', status: 'succeeded', limit: 100, offset: 0 })).total).toBe(6);
      expect((await store.queryAudit({ from: '2026-11-24', limit: 100, offset: 0 })).total).toBe(0);
      expect((await store.queryAudit({ from: '2026-11-23', to: '2026-11-23', limit: 5, offset: 5 })).records.map((r) => r.id)).toEqual(['rec-007', 'rec-006', 'rec-005', 'rec-004', 'rec-003']);
    });

    it('treats filter values as data, never SQL', async (ctx) => {
      if (skip()) return ctx.skip();
      expect((await store.queryAudit({ user: "x' or '1'='1", limit: 10, offset: 0 })).total).toBe(0);
    });

    it('lets one decision win and refuses a second', async (ctx) => {
      if (skip()) return ctx.skip();
      await store.createApproval(approval('ap-1'));
      const [a, b] = await Promise.all([
        store.decideApproval('ap-1', 'approved', { user: 'imani', displayName: 'Imani' }, 'ok', minutes(1)),
        store.decideApproval('ap-1', 'rejected', { user: 'oskar', displayName: 'Oskar' }, 'no', minutes(1)),
      ]);
      expect([a.ok, b.ok].sort()).toEqual([false, true]);
      expect((await store.getApproval('ap-1', minutes(2)))!.status).toMatch(/approved|rejected/);
    });

    it('consumes an approved approval exactly once', async (ctx) => {
      if (skip()) return ctx.skip();
      await store.createApproval(approval('ap-2'));
      await store.decideApproval('ap-2', 'approved', { user: 'imani', displayName: 'Imani' }, 'go', minutes(1));
      const results = await Promise.all([store.consumeApproval('ap-2', minutes(2)), store.consumeApproval('ap-2', minutes(2))]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await store.getApproval('ap-2', minutes(3)))).toMatchObject({ status: 'used', usedAt: minutes(2).toISOString(), decidedBy: { user: 'imani' }, comment: 'go' });
    });

    it('completes an open run record once: running, then its final status, and never again', async (ctx) => {
      if (skip()) return ctx.skip();
      await store.appendAudit(record(100, { id: 'open-1', status: 'running', endedAt: null, rowCount: null, check: null }));
      expect((await store.queryAudit({ status: 'running', limit: 10, offset: 0 })).records.map((r) => r.id)).toContain('open-1');
      expect(await store.completeAudit(record(100, { id: 'open-1', status: 'succeeded', rowCount: 7, rowsAffected: 3, dryRun: false }))).toBe(true);
      expect(await store.completeAudit(record(100, { id: 'open-1', status: 'failed' }))).toBe(false);
      const done = (await store.queryAudit({ runbook: 'rb', status: 'succeeded', limit: 1000, offset: 0 })).records.filter((r) => r.id === 'open-1');
      expect(done).toHaveLength(1);
      expect(done[0]).toMatchObject({ rowCount: 7, rowsAffected: 3, dryRun: false });
    });

    it("interrupts the open runs of its own previous life and of stale instances, never a live instance's", async (ctx) => {
      if (skip()) return ctx.skip();
      const open = (id: string, instance: string) => record(200, { id, status: 'running', endedAt: null, instance });
      await store.heartbeat('live', minutes(300));
      await store.heartbeat('stale', minutes(200));
      await store.appendAudit(open('of-me', 'me'));
      await store.appendAudit(open('of-live', 'live'));
      await store.appendAudit(open('of-stale', 'stale'));
      await store.appendAudit(open('of-gone', 'never-seen'));
      const ids = await store.interruptOpenRuns({ self: 'me', includeSelf: true, staleBefore: minutes(299), now: minutes(301) });
      expect(ids.sort()).toEqual(['of-gone', 'of-me', 'of-stale']);
      const after = (await store.queryAudit({ limit: 1000, offset: 0 })).records;
      expect(after.find((r) => r.id === 'of-live')!.status).toBe('running');
      expect(after.find((r) => r.id === 'of-me')).toMatchObject({ status: 'interrupted', endedAt: minutes(301).toISOString() });
      await store.leave('live');
      expect(await store.interruptOpenRuns({ self: 'me', includeSelf: false, staleBefore: minutes(299), now: minutes(302) })).toEqual(['of-live']);
    });

    it('shows on a used approval the run that spent it, and that the run was interrupted', async (ctx) => {
      if (skip()) return ctx.skip();
      await store.createApproval(approval('ap-run'));
      await store.decideApproval('ap-run', 'approved', { user: 'imani', displayName: 'Imani' }, 'go', minutes(1));
      expect((await store.getApproval('ap-run', minutes(2)))!.run).toBeNull();
      await store.appendAudit(record(400, { id: 'run-ap', runId: 'run-ap', approval: 'ap-run', status: 'running', endedAt: null, instance: 'crashed' }));
      await store.consumeApproval('ap-run', minutes(2));
      expect((await store.getApproval('ap-run', minutes(3)))!.run).toEqual({ id: 'run-ap', status: 'running' });
      await store.interruptOpenRuns({ self: 'crashed', includeSelf: true, staleBefore: minutes(2), now: minutes(4) });
      expect((await store.getApproval('ap-run', minutes(5)))).toMatchObject({ status: 'used', run: { id: 'run-ap', status: 'interrupted' } });
      expect((await store.listApprovals({ status: 'used', limit: 10 }, minutes(5))).find((a) => a.id === 'ap-run')!.run).toEqual({ id: 'run-ap', status: 'interrupted' });
    });

    it('expires approvals: no decision and no use after the deadline', async (ctx) => {
      if (skip()) return ctx.skip();
      await store.createApproval(approval('ap-3', 'dana', 10));
      expect(await store.decideApproval('ap-3', 'approved', { user: 'imani', displayName: 'Imani' }, 'late', minutes(11))).toEqual({ ok: false, reason: 'expired' });
      await store.createApproval(approval('ap-4', 'dana', 10));
      await store.decideApproval('ap-4', 'approved', { user: 'imani', displayName: 'Imani' }, 'ok', minutes(5));
      expect(await store.consumeApproval('ap-4', minutes(10))).toBeNull();
      expect((await store.getApproval('ap-4', minutes(10)))!.status).toBe('expired');
      const pending = await store.listApprovals({ status: 'expired', limit: 10 }, minutes(30));
      expect(pending.map((p) => p.id)).toEqual(expect.arrayContaining(['ap-3', 'ap-4']));
    });
  });
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-store-'));
storeContract('embedded DuckDB', () => openDuckDBStore(path.join(dir, 'state.duckdb')), async () => fs.rmSync(dir, { recursive: true, force: true }), () => null);

let pgSkip: string | null = null;
const schema = scratchSchema();
beforeAll(async () => {
  pgSkip = await postgresUnavailable();
});
storeContract('PostgreSQL', () => openPostgresStore(postgresUrl(), schema), () => dropSchema(schema), () => pgSkip);

describe('two server instances on one PostgreSQL', () => {
  it('see the same approvals and audit, and an approval consumed by one is spent for the other', async (ctx) => {
    if (pgSkip) return ctx.skip();
    const shared = scratchSchema();
    const [a, b] = await Promise.all([openPostgresStore(postgresUrl(), shared), openPostgresStore(postgresUrl(), shared)]);
    try {
      await a.createApproval(approval('shared-1'));
      expect((await b.getApproval('shared-1', minutes(1)))!.status).toBe('pending');
      await b.decideApproval('shared-1', 'approved', { user: 'imani', displayName: 'Imani' }, 'ok', minutes(1));
      expect(await a.consumeApproval('shared-1', minutes(2))).not.toBeNull();
      expect(await b.consumeApproval('shared-1', minutes(2))).toBeNull();
      await a.appendAudit(record(1));
      expect((await b.queryAudit({ limit: 10, offset: 0 })).total).toBe(1);
    } finally {
      await a.close();
      await b.close();
      await dropSchema(shared);
    }
  });
});

describe('an audit table from before the write-ahead audit', () => {
  it('gains the new columns in place and keeps its records (PostgreSQL)', async (ctx) => {
    if (pgSkip) return ctx.skip();
    const old = scratchSchema('opsbook_test_migrate');
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: postgresUrl() });
    await client.connect();
    try {
      await client.query(`create schema "${old}"`);
      await client.query(`create table "${old}".audit_log (
        id varchar primary key, occurred_at varchar not null, kind varchar not null, user_name varchar not null, roles varchar not null,
        snippet varchar, sha256 varchar, runbook varchar, step varchar, env varchar, params varchar not null, approval varchar,
        run_id varchar, started_at varchar, ended_at varchar, status varchar not null, row_count bigint, check_passed boolean,
        error_code varchar, detail varchar)`);
      await client.query(`insert into "${old}".audit_log values ('old-1', '2026-11-01T00:00:00.000Z', 'run', 'dana', '[]', null, null, null, null, 'demo', '{}', null, null, null, null, 'succeeded', 1, null, null, null)`);
      const store = await openPostgresStore(postgresUrl(), old);
      try {
        const page = await store.queryAudit({ limit: 10, offset: 0 });
        expect(page.records[0]).toMatchObject({ id: 'old-1', status: 'succeeded', rowsAffected: null, dryRun: null, instance: null });
      } finally {
        await store.close();
      }
    } finally {
      await client.end();
      await dropSchema(old);
    }
  });
});
