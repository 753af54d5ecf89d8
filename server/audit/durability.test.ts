/**
 * The audit survives the process (DESIGN.md §7a), against the real server in a child process: every run
 * that got its `done` is in the audit after SIGKILL, an approved run killed mid-write is `interrupted`
 * (and its approval says so), and SIGTERM cancels and records running work and exits.
 */
import fs from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoneMessage, ServerMessage } from '../protocol';

type AcceptedMessage = Extract<ServerMessage, { type: 'accepted' }>;
import type { AuditRecord } from '../api';
import { ADMIN, APPROVER, OPERATOR, type TestClient } from '../testing/harness';
import { prepareServerDir, ServerProcess, type ServerDir } from '../testing/serverProcess';
import { dropSchema, postgresUnavailable, postgresUrl, scratchSchema } from '../testing/postgres';

const RUNS = 400;
const SNIPPETS = {
  'rb/one': { text: 'select 1 as one' },
  // Long enough to be running when the signal lands; the test waits for `accepted`, never for time.
  'rb/long': { text: 'select sum(i % 7) as s from range(100000000000) t(i)' },
  'rb/fix': { text: 'insert into fixes select sum(i % 7) from range(100000000000) t(i)', role: 'escalation' as const, mode: 'write' as const, approver: 'approver' },
};
const SETUP = 'create table fixes (n bigint)';

let pgSkip: string | null = null;
beforeAll(async () => {
  pgSkip = await postgresUnavailable();
});

const isDone = (id: string) => (m: ServerMessage): m is DoneMessage => m.type === 'done' && m.id === id;
const isAccepted = (id: string) => (m: ServerMessage): m is AcceptedMessage => m.type === 'accepted' && m.id === id;

async function auditRuns(server: ServerProcess): Promise<AuditRecord[]> {
  const res = await server.api('GET', '/api/audit?kind=run&limit=1000', ADMIN);
  expect(res.status).toBe(200);
  return res.body.records as AuditRecord[];
}

/** Drives `count` runs, four at a time (the per-socket limit), and returns the run ids of those that got `done`. */
async function driveRuns(client: TestClient, key: string, sha256: string, count: number, onLastDone: () => void): Promise<string[]> {
  const runIds: string[] = [];
  let next = 0;
  let finished = 0;
  const one = async (): Promise<void> => {
    while (next < count) {
      const id = `r${next++}`;
      client.send({ type: 'run', id, snippet: key, sha256, env: 'demo', params: {} });
      const done = await client.waitFor(isDone(id), 60_000);
      expect(done.status, JSON.stringify(done)).toBe('succeeded');
      runIds.push(client.messages.find(isAccepted(id))!.runId);
      if (++finished === count) onLastDone();
    }
  };
  await Promise.all([one(), one(), one(), one()]);
  return runIds;
}

function storeVariants(): { name: string; audit: () => { yaml?: string; cleanup: () => Promise<void> }; skip: () => string | null }[] {
  return [
    { name: 'the embedded DuckDB store', audit: () => ({ cleanup: async () => undefined }), skip: () => null },
    {
      name: 'the PostgreSQL store',
      audit: () => {
        const schema = scratchSchema('opsbook_test_durable');
        return { yaml: `{store: postgres, url: ${JSON.stringify(postgresUrl())}, schema: ${schema}}`, cleanup: () => dropSchema(schema) };
      },
      skip: () => pgSkip,
    },
  ];
}

for (const variant of storeVariants()) {
  describe(`after SIGKILL, with ${variant.name}`, () => {
    let dir: ServerDir;
    let cleanup: () => Promise<void> = async () => undefined;
    afterAll(async () => {
      await cleanup();
      if (dir) fs.rmSync(dir.dir, { recursive: true, force: true });
    });

    it(`keeps every one of ${RUNS} runs that got its done`, async (ctx) => {
      if (variant.skip()) return ctx.skip();
      const audit = variant.audit();
      cleanup = audit.cleanup;
      dir = await prepareServerDir({ setupSql: SETUP, snippets: SNIPPETS, ...(audit.yaml ? { auditYaml: audit.yaml } : {}) });
      const first = await ServerProcess.start(dir);
      const client = await first.connect(OPERATOR);
      const key = 'rb/one';
      // SIGKILL the moment the last done arrives: nothing after it may be needed for the record to exist.
      const runIds = await driveRuns(client, key, dir.manifest.snippets[key]!.sha256, RUNS, () => first.child.kill('SIGKILL'));
      await first.exited;
      const second = await ServerProcess.start(dir);
      try {
        const records = await auditRuns(second);
        const succeeded = new Set(records.filter((r) => r.status === 'succeeded').map((r) => r.runId));
        const missing = runIds.filter((id) => !succeeded.has(id));
        expect(missing, `${missing.length} of ${RUNS} runs that got done are not in the audit`).toEqual([]);
        expect(records.filter((r) => r.runId && runIds.includes(r.runId))).toHaveLength(RUNS); // one row per run
      } finally {
        await second.kill('SIGTERM');
      }
    }, 240_000);

    it('marks an approved escalation write killed mid-run as interrupted, and its approval shows it', async (ctx) => {
      if (variant.skip() || !dir) return ctx.skip();
      const first = await ServerProcess.start(dir);
      const key = 'rb/fix';
      const sha256 = dir.manifest.snippets[key]!.sha256;
      const requested = await first.api('POST', '/api/approvals', OPERATOR, { snippet: key, sha256, env: 'demo', params: {}, reason: 'duplicate keys in the hub' });
      expect(requested.status, JSON.stringify(requested.body)).toBe(201);
      const decided = await first.api('POST', `/api/approvals/${requested.body.id}/decision`, APPROVER, { decision: 'approve', comment: 'go ahead' });
      expect(decided.status).toBe(200);
      const client = await first.connect(OPERATOR);
      client.send({ type: 'run', id: 'w1', snippet: key, sha256, env: 'demo', params: {}, approval: requested.body.id });
      const accepted = await client.waitFor(isAccepted('w1'), 60_000);
      first.child.kill('SIGKILL');
      await first.exited;
      const second = await ServerProcess.start(dir);
      try {
        const record = (await auditRuns(second)).find((r) => r.runId === accepted.runId);
        expect(record).toMatchObject({ status: 'interrupted', approval: requested.body.id, snippet: key });
        const approval = await second.api('GET', `/api/approvals/${requested.body.id}`, OPERATOR);
        expect(approval.body).toMatchObject({ status: 'used', run: { id: accepted.runId, status: 'interrupted' } });
      } finally {
        await second.kill('SIGTERM');
      }
    }, 120_000);

    it('on SIGTERM cancels a long run, records it cancelled, closes the socket with 1001 and exits', async (ctx) => {
      if (variant.skip() || !dir) return ctx.skip();
      const first = await ServerProcess.start(dir);
      const key = 'rb/long';
      const client = await first.connect(OPERATOR);
      const closed = new Promise<number>((resolve) => client.socket.once('close', (code) => resolve(code)));
      client.send({ type: 'run', id: 'l1', snippet: key, sha256: dir.manifest.snippets[key]!.sha256, env: 'demo', params: {} });
      const accepted = await client.waitFor(isAccepted('l1'), 60_000);
      const t0 = performance.now();
      const exit = await first.kill('SIGTERM');
      const exitMs = Math.round(performance.now() - t0);
      console.log(`SIGTERM during a long DuckDB run (${variant.name}): exited in ${exitMs} ms, code ${exit.code}`);
      expect(exit.code, first.log).toBe(0);
      expect(await closed).toBe(1001);
      expect((await client.waitFor(isDone('l1'), 5_000)).status).toBe('cancelled');
      const second = await ServerProcess.start(dir);
      try {
        expect((await auditRuns(second)).find((r) => r.runId === accepted.runId)).toMatchObject({ status: 'cancelled', errorCode: 'cancelled' });
      } finally {
        await second.kill('SIGTERM');
      }
    }, 120_000);
  });
}

describe('on SIGTERM during a long PostgreSQL statement', () => {
  let dir: ServerDir;
  afterAll(() => {
    if (dir) fs.rmSync(dir.dir, { recursive: true, force: true });
  });

  it('cancels it, records it cancelled and exits', async (ctx) => {
    if (pgSkip) return ctx.skip();
    dir = await prepareServerDir({
      setupSql: SETUP,
      snippets: { 'rb/pg-sleep': { text: 'select pg_sleep(600) as sigterm_probe', target: 'pg' } },
      connectionsYaml: `      pg: {kind: postgres, url: ${JSON.stringify(postgresUrl())}}\n`,
    });
    const first = await ServerProcess.start(dir);
    const client = await first.connect(OPERATOR);
    client.send({ type: 'run', id: 'p1', snippet: 'rb/pg-sleep', sha256: dir.manifest.snippets['rb/pg-sleep']!.sha256, env: 'demo', params: {} });
    const accepted = await client.waitFor(isAccepted('p1'), 60_000);
    // Signal once the statement runs in PostgreSQL (a state, not a delay): a cancel that lands before the
    // statement starts is the connector's race (noted for the engines work), not what this test is about.
    const probe = new pg.Client({ connectionString: postgresUrl() });
    await probe.connect();
    try {
      await expect
        .poll(async () => (await probe.query("select count(*)::int as n from pg_stat_activity where state = 'active' and query like '%sigterm_probe%' and pid <> pg_backend_pid()")).rows[0].n, { timeout: 30_000 })
        .toBe(1);
    } finally {
      await probe.end();
    }
    const t0 = performance.now();
    const exit = await first.kill('SIGTERM');
    console.log(`SIGTERM during a PostgreSQL pg_sleep(600): exited in ${Math.round(performance.now() - t0)} ms, code ${exit.code}`);
    expect(exit.code, first.log).toBe(0);
    expect((await client.waitFor(isDone('p1'), 5_000)).status).toBe('cancelled');
    const second = await ServerProcess.start(dir);
    try {
      expect((await auditRuns(second)).find((r) => r.runId === accepted.runId)).toMatchObject({ status: 'cancelled' });
    } finally {
      await second.kill('SIGTERM');
    }
  }, 120_000);
});

describe('two instances sharing the PostgreSQL store', () => {
  let dir: ServerDir;
  let schema: string;
  afterAll(async () => {
    if (dir) fs.rmSync(dir.dir, { recursive: true, force: true });
    if (schema) await dropSchema(schema);
  });

  it("a starting instance leaves a live instance's running run alone; a killed one's run becomes interrupted", async (ctx) => {
    if (pgSkip) return ctx.skip();
    schema = scratchSchema('opsbook_test_shared');
    dir = await prepareServerDir({
      setupSql: SETUP,
      snippets: { 'rb/pg-sleep': { text: 'select pg_sleep(600) as shared_probe', target: 'pg' } },
      connectionsYaml: `      pg: {kind: postgres, url: ${JSON.stringify(postgresUrl())}}\n`,
      auditYaml: `{store: postgres, url: ${JSON.stringify(postgresUrl())}, schema: ${schema}}`,
    });
    const a = await ServerProcess.start(dir, 'instance-a');
    const client = await a.connect(OPERATOR);
    client.send({ type: 'run', id: 's1', snippet: 'rb/pg-sleep', sha256: dir.manifest.snippets['rb/pg-sleep']!.sha256, env: 'demo', params: {} });
    const accepted = await client.waitFor(isAccepted('s1'), 60_000);
    const b = await ServerProcess.start(dir, 'instance-b'); // recovers at start: must not touch instance-a's run
    try {
      expect((await auditRuns(b)).find((r) => r.runId === accepted.runId)).toMatchObject({ status: 'running', instance: 'instance-a' });
      a.child.kill('SIGKILL');
      await a.exited;
      // instance-a is gone but its heartbeat is fresh for a while: B interrupts it once it is stale, and a
      // restart of instance-a (its next life) interrupts it at once.
      const again = await ServerProcess.start(dir, 'instance-a');
      try {
        expect((await auditRuns(b)).find((r) => r.runId === accepted.runId)).toMatchObject({ status: 'interrupted' });
      } finally {
        await again.kill('SIGTERM');
      }
    } finally {
      await b.kill('SIGTERM');
    }
  }, 120_000);
});
