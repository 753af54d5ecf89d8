import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDBStore } from '../audit/duckdbStore';
import { openPostgresStore } from '../audit/postgresStore';
import type { StateStore } from '../audit/types';
import { dropSchema, postgresUnavailable, postgresUrl, scratchSchema } from '../testing/postgres';
import { openOperationStore, type OperationStore } from './store';

const t0 = new Date('2026-12-01T22:00:00.000Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
const dana = { user: 'dana.operator', displayName: 'Dana Operator' };
const oskar = { user: 'oskar.oncall', displayName: 'Oskar On-call' };

interface Opened {
  readonly state: StateStore;
  readonly ops: OperationStore;
}

async function withOperations(state: StateStore): Promise<Opened> {
  return { state, ops: await openOperationStore(state.sql!) };
}

/**
 * The same behaviour on every engine. `open` opens one more store on the same database: several at once on
 * PostgreSQL (server instances); one at a time on the DuckDB file, which one process owns.
 */
function contract(name: string, open: () => Promise<Opened>, cleanup: () => Promise<void>, skip: () => string | null, shared: boolean) {
  describe(`operations on ${name}`, () => {
    const opened: Opened[] = [];
    const another = async () => {
      if (!shared && opened.length) return opened[opened.length - 1]!;
      const o = await open();
      opened.push(o);
      return o;
    };
    afterAll(async () => {
      if (skip()) return;
      for (const o of opened) await o.state.close().catch(() => undefined);
      await cleanup();
    });

    it('starts an operation owned by its starter, lists it by status, environment, severity, owner and title words', async (ctx) => {
      if (skip()) return ctx.skip();
      const { ops } = await another();
      const a = await ops.create({ title: 'LDZ late for Marketing', severity: 'sev2', env: 'demo', origin: 'health', runbook: null, params: { business_date: '2026-12-01' }, by: dana, at: at(0) });
      const b = await ops.create({ title: 'Nightly checks', severity: 'routine', env: 'prod', origin: 'canonical-daily-batch', runbook: 'canonical-daily-batch', params: {}, by: oskar, at: at(1) });
      expect(a).toMatchObject({ status: 'open', owner: dana, participants: [dana], createdBy: dana, params: { business_date: '2026-12-01' }, eventCount: 0, closedAt: null });
      expect((await ops.list({ limit: 50 })).map((o) => o.id).slice(0, 2)).toEqual([b.id, a.id]);
      expect((await ops.list({ env: 'prod', limit: 50 })).map((o) => o.id)).toEqual([b.id]);
      expect((await ops.list({ severity: 'sev2', limit: 50 })).map((o) => o.id)).toContain(a.id);
      expect((await ops.list({ owner: 'oskar.oncall', limit: 50 })).map((o) => o.id)).toEqual([b.id]);
      expect((await ops.list({ q: 'marketing', limit: 50 })).map((o) => o.id)).toEqual([a.id]);
      // Wildcards in the search are text, not patterns.
      expect(await ops.list({ q: '%', limit: 50 })).toEqual([]);
    });

    it('numbers the timeline 1, 2, 3 …, adds whoever records to the participants, and returns the events after a seq', async (ctx) => {
      if (skip()) return ctx.skip();
      const { ops } = await another();
      const op = await ops.create({ title: 'Timeline', severity: 'sev3', env: 'demo', origin: 'link', runbook: null, params: {}, by: dana, at: at(0) });
      const first = await ops.append(op.id, dana, { kind: 'note', text: 'Looking at LDZ.' }, at(1));
      const second = await ops.append(op.id, oskar, { kind: 'step', runbook: 'rb', step: 'verify-ldz', title: 'Verify LDZ', done: true }, at(2));
      expect(first!.event.seq).toBe(1);
      expect(second!.event).toMatchObject({ seq: 2, actor: oskar, data: { kind: 'step', done: true } });
      expect(second!.operation.participants).toEqual([dana, oskar]);
      expect(second!.operation.eventCount).toBe(2);
      expect((await ops.events(op.id, 1)).map((e) => e.seq)).toEqual([2]);
      expect(await ops.append('op-nope', dana, { kind: 'note', text: 'x' }, at(3))).toBeNull();
    });

    it('changes owner and status only while the expected state holds: of two handovers at once, one wins', async (ctx) => {
      if (skip()) return ctx.skip();
      const { ops } = await another();
      const op = await ops.create({ title: 'Handover', severity: 'sev2', env: 'demo', origin: 'link', runbook: null, params: {}, by: dana, at: at(0) });
      const [x, y] = await Promise.all([
        ops.change(op.id, { status: 'handed-over', owner: oskar, fromStatus: ['open'], fromOwner: dana.user, at: at(1) }),
        ops.change(op.id, { status: 'handed-over', owner: { user: 'imani.manager', displayName: 'Imani' }, fromStatus: ['open'], fromOwner: dana.user, at: at(1) }),
      ]);
      expect([x, y].filter(Boolean)).toHaveLength(1);
      const closed = await ops.change(op.id, { status: 'closed', fromStatus: ['open', 'handed-over'], at: at(2) });
      expect(closed).toMatchObject({ status: 'closed', closedAt: at(2).toISOString() });
      expect(await ops.change(op.id, { status: 'closed', fromStatus: ['open', 'handed-over'], at: at(3) })).toBeNull();
    });

    it('keeps everything across a restart: the operation, its timeline and its approval links', async (ctx) => {
      if (skip()) return ctx.skip();
      const first = await another();
      const op = await first.ops.create({ title: 'Survives restarts', severity: 'sev1', env: 'demo', origin: 'link', runbook: null, params: {}, by: dana, at: at(0) });
      await first.ops.append(op.id, dana, { kind: 'note', text: 'before the restart' }, at(1));
      await first.ops.linkApproval('appr-1', op.id);
      await first.state.close();
      opened.splice(opened.indexOf(first), 1);
      const second = shared ? await another() : await open().then((o) => (opened.push(o), o));
      expect(await second.ops.get(op.id)).toMatchObject({ title: 'Survives restarts', eventCount: 1 });
      expect((await second.ops.events(op.id, 0)).map((e) => e.data)).toEqual([{ kind: 'note', text: 'before the restart' }]);
      expect(await second.ops.operationOfApproval('appr-1')).toBe(op.id);
      await second.ops.append(op.id, oskar, { kind: 'note', text: 'after it' }, at(2));
      expect((await second.ops.events(op.id, 0)).map((e) => e.seq)).toEqual([1, 2]);
    });

    it('gives events from concurrent writers distinct, gapless numbers', async (ctx) => {
      if (skip()) return ctx.skip();
      const a = await another();
      const b = shared ? await open().then((o) => (opened.push(o), o)) : a;
      const op = await a.ops.create({ title: 'Busy', severity: 'sev3', env: 'demo', origin: 'link', runbook: null, params: {}, by: dana, at: at(0) });
      const writes = Array.from({ length: 16 }, (_, i) => (i % 2 ? a : b).ops.append(op.id, i % 2 ? dana : oskar, { kind: 'note', text: `n${i}` }, at(i)));
      const events = await Promise.all(writes);
      expect(events.map((e) => e!.event.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
      expect((await b.ops.events(op.id, 0)).map((e) => (e.data.kind === 'note' ? e.data.text : '')).sort()).toEqual(Array.from({ length: 16 }, (_, i) => `n${i}`).sort());
      expect((await a.ops.get(op.id))!.eventCount).toBe(16);
      expect((await a.ops.get(op.id))!.participants.map((u) => u.user).sort()).toEqual(['dana.operator', 'oskar.oncall']);
    });
  });
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'operations-store-'));
const duckFile = path.join(dir, 'state.duckdb');
contract(
  'DuckDB',
  async () => withOperations(await openDuckDBStore(duckFile)),
  async () => fs.rmSync(dir, { recursive: true, force: true }),
  () => null,
  false,
);

let pgSkip: string | null = 'not checked yet';
const schema = scratchSchema('operations_test');
beforeAll(async () => {
  pgSkip = await postgresUnavailable();
});
contract(
  'PostgreSQL',
  async () => withOperations(await openPostgresStore(postgresUrl(), schema, () => undefined)),
  async () => dropSchema(schema),
  () => pgSkip,
  true,
);
