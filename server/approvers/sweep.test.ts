/**
 * The escalation sweep keeps its state in the store, on DuckDB and PostgreSQL: two instances sweeping one
 * store at the same moment, and a restarted instance sweeping again, record (and announce) each step once.
 * The clock is injected; nothing waits on time.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDBStore } from '../audit/duckdbStore';
import { openPostgresStore } from '../audit/postgresStore';
import type { StateStore } from '../audit/types';
import { parseConfig } from '../config';
import { memoryAuditSink } from '../execution/audit';
import { staticManifestStore } from '../execution/manifestStore';
import type { NewNotification } from '../notifications/types';
import { makeManifest } from '../testing/harness';
import { dropSchema, postgresUnavailable, postgresUrl, scratchSchema } from '../testing/postgres';
import { createApprovalRouting, type ServerOpsData } from './routing';

// Secrets reach the configuration only as ${ENV} references; nothing listens at this one.
process.env.SWEEP_TEST_SLACK_URL = 'http://127.0.0.1:9/hook';
const config = parseConfig(
  'environments: {demo: {connections: {warehouse: {kind: duckdb, path: x.duckdb}}}}\nauth: {mode: proxy, trustedProxies: [127.0.0.1/32], roleMap: {}}\n' +
    'approvals: {ttlMinutes: 300, roles: {pipeline-owner: {groups: [owners], channels: [ops]}}}\nalerts: {channels: {ops: {kind: slack, url: "${SWEEP_TEST_SLACK_URL}"}}, default: [ops]}\n',
  'sweep.yaml',
);
const manifest = { ...makeManifest({ 'rb/fix': { text: 'delete from t', mode: 'write', role: 'escalation', approver: 'pipeline-owner' } }), runbooks: { rb: { title: 'RB', system: 's', owner: null, file: 'f', docPath: '/rb', timezone: 'UTC', escalation: 'l' } } };
const data: ServerOpsData = {
  escalation: { l: { title: 'Ladder', levels: [{ name: 'Owner', who: 'Engineer A', after: '0m' }, { name: 'Manager', who: 'Data Engineering Manager', after: '1h' }, { name: 'Director', who: 'Director', after: '3h' }] } },
  oncall: {}, ownership: {},
};
const T0 = Date.parse('2026-12-01T08:00:00.000Z');

function sweepContract(name: string, open: () => Promise<StateStore>, cleanup: () => Promise<void>, skip: () => string | null) {
  describe(`the escalation sweep on ${name}`, () => {
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

    it('records each step once across two instances and a restart, and announces each once', async (ctx) => {
      if (skip()) return ctx.skip();
      let now = new Date(T0);
      const sent: NewNotification[] = [];
      const instance = () => createApprovalRouting({
        config, manifest: staticManifestStore(manifest), store, data: () => data, audit: memoryAuditSink(), now: () => now, log: () => undefined, push: () => undefined,
        outbox: { enqueue: async (items) => (sent.push(...items), true) },
      });
      const a = instance();
      const b = instance();
      const approval = await store.createApproval({
        id: randomUUID(), snippet: 'rb/fix', sha256: manifest.snippets['rb/fix']!.sha256, runbook: 'rb', step: 'fix', title: 'Fix', approverRole: 'pipeline-owner', env: 'demo',
        params: {}, text: 'delete from t', reason: 'stray row', requestedBy: { user: 'dana', displayName: 'Dana' }, requestedAt: now.toISOString(),
        expiresAt: new Date(T0 + 300 * 60_000).toISOString(), preview: { kind: 'none', note: 'x' },
      });
      await a.requested(approval, 'write');
      now = new Date(T0 + 61 * 60_000);
      await Promise.all([a.sweep(), b.sweep(), a.sweep(), b.sweep()]);
      const restarted = instance();
      await restarted.sweep();
      const steps = (await restarted.enrich(approval)).steps!;
      expect(steps.map((s) => s.title)).toEqual(['Sent to pipeline-owner via ops', 'Ladder level 1 engaged — Owner: Engineer A', 'Escalated after 1h undecided — Manager: Data Engineering Manager']);
      // One request in this store's life: everything sent is about it.
      expect(sent.map((n) => `${n.channel}:${n.event}`)).toEqual(['ops:approval.requested', 'ops:approval.escalated']);
      now = new Date(T0 + 301 * 60_000);
      await Promise.all([a.sweep(), b.sweep()]);
      expect((await restarted.enrich({ ...approval, status: 'expired' })).steps!.map((s) => s.kind)).toEqual(['notified', 'escalated', 'escalated', 'expired']);
      // The 3 h level was never reached before expiry: a request past its expiry does not climb further.
      expect(sent.map((n) => n.event)).toEqual(['approval.requested', 'approval.escalated', 'approval.expired']);
      await Promise.all([a.close(), b.close(), restarted.close()]);
    });
  });
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-sweep-'));
sweepContract('DuckDB', () => openDuckDBStore(path.join(dir, 'state.duckdb')), async () => fs.rmSync(dir, { recursive: true, force: true }), () => null);

let pgSkip: string | null = null;
const schema = scratchSchema('approvers_sweep');
beforeAll(async () => {
  pgSkip = await postgresUnavailable();
});
sweepContract('PostgreSQL', () => openPostgresStore(postgresUrl(), schema), () => dropSchema(schema), () => pgSkip);
