/**
 * Scale-out, end to end (issue 14): two real server processes on one PostgreSQL behind a real HAProxy
 * running the shipped examples/cluster/haproxy.cfg. Proves that the proxy passes the run socket and pins by
 * cookie; that an approval requested and decided through instance A reaches sockets held by instance B;
 * that the per-user run limit holds across instances; and that when A is killed (SIGKILL) mid-run, B marks
 * A's run interrupted — not its own — lets the user run again, and tells a page resuming A's run that it
 * cannot, while it keeps serving through the proxy. A large result kept by A is read — paged and exported,
 * owner only, audited — through B, and once A is gone B says plainly that it went with A.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Approval, AuditRecord } from '../api';
import type { DoneMessage, ServerMessage } from '../protocol';
import { ADMIN, APPROVER, csrfTokenFor, headersFor, OPERATOR, SECOND_APPROVER, TestClient, type TestUser } from '../testing/harness';
import { dropSchema, postgresUnavailable, postgresUrl, scratchSchema } from '../testing/postgres';
import { prepareServerDir, ServerProcess, TEST_LIMITS } from '../testing/serverProcess';

type Accepted = Extract<ServerMessage, { type: 'accepted' }>;
type ApprovalPush = Extract<ServerMessage, { type: 'approval' }>;
type OperationPushMessage = Extract<ServerMessage, { type: 'operation' }>;

const HAPROXY = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((p) => fs.existsSync(p)) ?? null;
const pgSkip = await postgresUnavailable();
const haproxySkip = HAPROXY ? null : 'haproxy is not installed (apt-get install haproxy; .ci/run does)';
if (haproxySkip) {
  if (process.env.OPSBOOK_REQUIRE_SERVICES === '1') throw new Error(`${haproxySkip}; OPSBOOK_REQUIRE_SERVICES=1 requires it.`);
  console.warn(`skipping the cluster test: ${haproxySkip}`);
}

const WIDE_ROWS = 40_000;
/** Past the page's window (rowsPerRun = WIDE_ROWS): the rest is kept by the instance that ran it. */
const BIG_ROWS = 50_000;
const SNIPPETS = {
  'rb/one': { text: 'select 1 as one' },
  // Runs for minutes unless interrupted: the test waits for `accepted`, never for time.
  'rb/long': { text: 'select sum(i % 7) as s from range(100000000000) t(i)' },
  'rb/fix': { text: 'select 1 as fixed', role: 'escalation' as const, approver: 'approver' },
  // Far more than the network path buffers: the stream is still going when the socket is cut.
  'rb/wide': { text: `select i, repeat('x', 400) as pad from range(${WIDE_ROWS}) t(i) order by i` },
  'rb/big': { text: `select i as n, 'row ' || i as label from range(${BIG_ROWS}) t(i) order by i` },
};
type KeptMessage = Extract<ServerMessage, { type: 'kept' }>;
const schema = scratchSchema('cluster_it');
// A dead instance is noticed after 5 s of silence (beats every 0.5 s): short for the test, still many beats long.
const LIVENESS = { OPSBOOK_HEARTBEAT_MS: '500', OPSBOOK_STALE_AFTER_MS: '5000' };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once `url` answers 200 (the proxy is up and has a live backend); a bounded readiness wait. */
async function until200(url: string, headers: Record<string, string> = {}): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    const ok = await fetch(url, { headers }).then((r) => r.status === 200, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} never answered 200`);
}

describe.skipIf(pgSkip || haproxySkip)('two instances behind HAProxy on one PostgreSQL', () => {
  let a: ServerProcess;
  let b: ServerProcess;
  let haproxy: ChildProcess;
  let haproxyLog = '';
  let lb = '';
  const sockets: TestClient[] = [];

  /** The proxy's sticky cookie: which instance a request goes to. */
  const pin = (node: 'a' | 'b') => ({ cookie: `OPSBOOK_NODE=${node}` });
  const socket = async (node: 'a' | 'b', as: TestUser) => {
    const c = await TestClient.open(`${lb.replace(/^http/, 'ws')}/api/ws`, lb, as, pin(node));
    sockets.push(c);
    return c;
  };
  const api = async (node: 'a' | 'b', method: string, p: string, as: TestUser, body?: unknown) => {
    const csrf = await csrfTokenFor(lb, as);
    const res = await fetch(`${lb}${p}`, {
      method,
      headers: { ...headersFor(as), cookie: `OPSBOOK_NODE=${node}; opsbook_csrf=${csrf}`, 'x-csrf-token': csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  /** A GET through the proxy pinned to `node`, answered as text (a CSV export, or an error's JSON). */
  const read = async (node: 'a' | 'b', p: string, as: TestUser) => {
    const res = await fetch(`${lb}${p}`, { headers: { ...headersFor(as), cookie: `OPSBOOK_NODE=${node}` } });
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  };
  /** The run whose result A keeps (set by the kept-result test, read again once A is killed). */
  let keptOnA = '';
  const runMessage = (id: string, snippet: keyof typeof SNIPPETS, extra: Record<string, unknown> = {}) => ({
    type: 'run', id, snippet, sha256: dirSha[snippet], env: 'demo', params: {}, ...extra,
  });
  const dirSha: Record<string, string> = {};

  beforeAll(async () => {
    const lbPort = await freePort();
    lb = `http://127.0.0.1:${lbPort}`;
    const common = {
      setupSql: 'select 1',
      snippets: SNIPPETS,
      auditYaml: `{store: postgres, url: ${JSON.stringify(postgresUrl())}, schema: ${schema}}`,
      limitsYaml: TEST_LIMITS.replace(/}$/, `, runsPerUser: 1, rowsPerRun: ${WIDE_ROWS}, replayBytes: 67108864}`),
      extraYaml: `server: {publicOrigins: [${JSON.stringify(lb)}], csrfSecret: ${JSON.stringify('cluster-test-secret-'.padEnd(40, 'x'))}}\n`,
    };
    // One warehouse file each (a DuckDB file has one owner); the audit, approvals and leases are shared.
    const [dirA, dirB] = [await prepareServerDir(common), await prepareServerDir(common)];
    for (const [k, s] of Object.entries(dirA.manifest.snippets)) dirSha[k] = s.sha256;
    a = await ServerProcess.start(dirA, 'instance-a', { env: LIVENESS });
    b = await ServerProcess.start(dirB, 'instance-b', { env: LIVENESS });
    haproxy = spawn(HAPROXY!, ['-f', path.resolve(__dirname, '../../examples/cluster/haproxy.cfg'), '-db'], {
      env: { ...process.env, OPSBOOK_LB_BIND: `127.0.0.1:${lbPort}`, OPSBOOK_A: new URL(a.url).host, OPSBOOK_B: new URL(b.url).host },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    haproxy.stdout!.on('data', (d: Buffer) => (haproxyLog += d.toString()));
    haproxy.stderr!.on('data', (d: Buffer) => (haproxyLog += d.toString()));
    await until200(`${lb}/api/health`, pin('a')).catch((e: Error) => Promise.reject(new Error(`${e.message}; haproxy printed:\n${haproxyLog}`)));
    await until200(`${lb}/api/health`, pin('b'));
  }, 120_000);

  afterAll(async () => {
    for (const c of sockets) c.socket.terminate();
    haproxy?.kill('SIGTERM');
    await Promise.all([a?.kill('SIGTERM'), b?.kill('SIGTERM')]);
    if (!pgSkip) await dropSchema(schema);
  });

  it('passes the run socket through and pins each page to an instance by cookie', async () => {
    const direct = async (s: ServerProcess) => ((await (await fetch(`${s.url}/api/health`)).json()) as { startedAt: string }).startedAt;
    const viaLb = async (node: 'a' | 'b') => ((await (await fetch(`${lb}/api/health`, { headers: pin(node) })).json()) as { startedAt: string }).startedAt;
    expect(await viaLb('a')).toBe(await direct(a));
    expect(await viaLb('b')).toBe(await direct(b));
    expect(await direct(a)).not.toBe(await direct(b));
    const c = await socket('b', OPERATOR);
    c.send(runMessage('one-1', 'rb/one'));
    expect(await c.done('one-1')).toMatchObject({ status: 'succeeded', rowCount: 1 });
  });

  it('pushes an approval requested and decided through A to the sockets held by B', async () => {
    const approverOnB = await socket('b', APPROVER);
    const operatorOnB = await socket('b', OPERATOR);
    const requested = await api('a', 'POST', '/api/approvals', OPERATOR, { snippet: 'rb/fix', sha256: dirSha['rb/fix'], env: 'demo', params: {}, reason: 'duplicate hub keys' });
    expect(requested.status, JSON.stringify(requested.body)).toBe(201);
    const id = String(requested.body.id);
    const isPush = (status: Approval['status']) => (m: ServerMessage): m is ApprovalPush => m.type === 'approval' && m.approval.id === id && m.approval.status === status;
    await approverOnB.waitFor(isPush('pending'));
    const decided = await api('a', 'POST', `/api/approvals/${id}/decision`, APPROVER, { decision: 'approve', comment: 'go' });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    await operatorOnB.waitFor(isPush('approved'));
    await approverOnB.waitFor(isPush('approved'));
    // Each socket got each change once: the instance that published it did not also echo it.
    // (The routing may push a further change — the announcement's first escalation step — but never one twice.)
    const pushes = approverOnB.messages.filter((m): m is ApprovalPush => m.type === 'approval' && m.approval.id === id).map((m) => JSON.stringify(m.approval));
    expect(new Set(pushes).size).toBe(pushes.length);
    // And the approved run goes through on B, the instance that did not decide it.
    operatorOnB.send(runMessage('fix-1', 'rb/fix', { approval: id }));
    expect(await operatorOnB.done('fix-1')).toMatchObject({ status: 'succeeded' });
  });

  it('pushes an operation started and written in through A to the sockets held by B', async () => {
    const onB = await socket('b', APPROVER);
    const started = await api('a', 'POST', '/api/operations', OPERATOR, { title: 'Night of duplicate hub keys', severity: 'sev2', env: 'demo' });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const id = String(started.body.id);
    const noted = await api('a', 'POST', `/api/operations/${id}/events`, OPERATOR, { kind: 'note', text: 'check_rdv_keys failed at 02:10' });
    expect(noted.status, JSON.stringify(noted.body)).toBe(201);
    const note = await onB.waitFor((m): m is OperationPushMessage => m.type === 'operation' && m.operation.id === id && m.event.data.kind === 'note');
    expect(note.event.data).toMatchObject({ text: 'check_rdv_keys failed at 02:10' });
  });

  it('resumes a run on the other instance after its socket is cut: the rest of the rows relayed from the one running it, each once', async () => {
    const onA = await socket('a', OPERATOR);
    onA.send(runMessage('wide-1', 'rb/wide'));
    const accepted = await onA.waitFor((m): m is Accepted => m.type === 'accepted' && m.id === 'wide-1');
    await onA.waitFor((m): m is ServerMessage => m.type === 'rows' && m.id === 'wide-1');
    const cut = new Promise<void>((resolve) => onA.socket.once('close', () => resolve()));
    onA.socket.terminate();
    await cut;
    const before = onA.of('wide-1');
    expect(before.some((m) => m.type === 'done')).toBe(false);
    const seqOf = (m: ServerMessage) => (m as { seq?: number }).seq ?? 0;
    // The page comes back through the proxy pinned to B, which does not hold the run: A is alive and has it.
    const onB = await socket('b', OPERATOR);
    onB.send({ type: 'resume', id: 'wide-1', runId: accepted.runId, after: Math.max(...before.map(seqOf)) });
    const done = await onB.done('wide-1', 120_000);
    expect(done, JSON.stringify(done)).toMatchObject({ status: 'succeeded', rowCount: WIDE_ROWS });
    const all = [...before, ...onB.of('wide-1')];
    expect(all.map(seqOf)).toEqual(all.map((_, k) => k + 1));
    const rows = all.flatMap((m) => (m.type === 'rows' ? m.rows : []));
    expect(rows).toHaveLength(WIDE_ROWS);
    expect(rows.every((r, k) => Number(r[0]) === k)).toBe(true);
  }, 180_000);

  it('answers a read of a result kept by A on B: paged and exported by forwarding to A, for its owner only, audited once', async () => {
    const onA = await socket('a', OPERATOR);
    onA.send(runMessage('big-1', 'rb/big'));
    const kept = await onA.waitFor((m): m is KeptMessage => m.type === 'kept' && m.id === 'big-1', 60_000);
    expect(await onA.done('big-1', 60_000)).toMatchObject({ status: 'succeeded' });
    expect(kept).toMatchObject({ rows: BIG_ROWS, truncated: false });
    keptOnA = kept.runId;

    // The page's next request lands on B, which never ran it.
    const page = await read('b', `/api/results/${kept.runId}?offset=45000&limit=3&sort=0&desc=1`, OPERATOR);
    expect(page.status, page.text).toBe(200);
    expect(JSON.parse(page.text)).toMatchObject({ total: BIG_ROWS, offset: 45_000, rows: [['4999', 'row 4999'], ['4998', 'row 4998'], ['4997', 'row 4997']] });
    const filtered = JSON.parse((await read('b', `/api/results/${kept.runId}?filter=row%2049999&limit=10`, OPERATOR)).text) as { total: number };
    expect(filtered.total).toBe(1);

    const csv = await read('b', `/api/results/${kept.runId}/csv`, OPERATOR);
    expect(csv.status).toBe(200);
    expect(csv.type).toMatch(/text\/csv/);
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines).toHaveLength(BIG_ROWS + 1);
    expect(lines[0]).toBe('n,label');
    expect(lines[BIG_ROWS]).toBe(`${BIG_ROWS - 1},row ${BIG_ROWS - 1}`);

    // Someone else's result: refused on B without asking A, as A itself would.
    expect((await read('b', `/api/results/${kept.runId}?limit=1`, SECOND_APPROVER)).status).toBe(403);
    // A's internal route answers only a read signed by another instance of the cluster.
    const unsigned = await fetch(`${a.url}/internal/results/${kept.runId}?limit=1`, { headers: { 'x-opsbook-forward-user': OPERATOR.user } });
    expect(unsigned.status).toBe(403);
    const forged = await fetch(`${a.url}/internal/results/${kept.runId}?limit=1`, { headers: { 'x-opsbook-forward-user': OPERATOR.user, 'x-opsbook-forward': `${Date.now() + 30_000}.AAAA` } });
    expect(forged.status).toBe(403);

    // The reads through B are in the audit once each: the first page read and the export.
    const reads = ((await api('a', 'GET', '/api/audit?kind=result_read&limit=100', ADMIN)).body.records as AuditRecord[]).filter((r) => r.runId === kept.runId);
    expect(reads.map((r) => r.detail).sort()).toEqual(['exported the kept result as CSV', 'read the kept result in the page']);
    expect(reads.every((r) => r.user === OPERATOR.user)).toBe(true);
  }, 120_000);

  it('holds the per-user limit across instances; a killed instance leaves its run interrupted and B keeps serving', async () => {
    const onA = await socket('a', OPERATOR);
    onA.send(runMessage('long-a', 'rb/long'));
    const acceptedA = await onA.waitFor((m): m is Accepted => m.type === 'accepted' && m.id === 'long-a');
    // The operator's one run (runsPerUser: 1) is on A: B refuses a second.
    const onB = await socket('b', OPERATOR);
    onB.send(runMessage('one-b', 'rb/one'));
    expect(await onB.done('one-b')).toMatchObject({ status: 'rejected', error: { code: 'busy' } });
    // Another user's run on B, which must survive A's death untouched.
    const otherOnB = await socket('b', SECOND_APPROVER);
    otherOnB.send(runMessage('long-b', 'rb/long'));
    const acceptedB = await otherOnB.waitFor((m): m is Accepted => m.type === 'accepted' && m.id === 'long-b');

    const dropped = new Promise<number>((resolve) => onA.socket.once('close', (code) => resolve(code)));
    expect((await a.kill('SIGKILL')).signal).toBe('SIGKILL');
    await dropped;
    // B notices A's heartbeat lapse and marks A's open run — and only A's.
    await b.waitForLog(new RegExp(`marked 1 run\\(s\\) interrupted[^\\n]*${acceptedA.runId}`), 60_000);
    const records = (await api('b', 'GET', '/api/audit?kind=run&limit=1000', ADMIN)).body.records as AuditRecord[];
    expect(records.find((r) => r.runId === acceptedA.runId)).toMatchObject({ status: 'interrupted' });
    expect(records.find((r) => r.runId === acceptedB.runId)).toMatchObject({ status: 'running' });

    // The page of A's run reconnects through the proxy (its cookie names A, which is gone: B answers) and is told plainly.
    const back = await socket('a', OPERATOR);
    back.send({ type: 'resume', id: 'long-a', runId: acceptedA.runId, after: 1 });
    expect(await back.done('long-a')).toMatchObject({ status: 'failed', error: { code: 'stream_lost', message: expect.stringMatching(/on an Opsbook server that has stopped; it is recorded as interrupted/) } });
    // A's lease lapsed with its heartbeat: the operator can run again, on B.
    back.send(runMessage('one-again', 'rb/one'));
    expect(await back.done('one-again')).toMatchObject({ status: 'succeeded' });
    // B's own run was never disturbed: it is still going, and cancels as usual.
    otherOnB.send({ type: 'cancel', id: 'long-b' });
    const done: DoneMessage = await otherOnB.done('long-b');
    expect(done).toMatchObject({ status: 'cancelled' });

    // The result A kept went with A: B says so plainly instead of "not found".
    expect(keptOnA).not.toBe('');
    for (const p of [`/api/results/${keptOnA}?limit=1`, `/api/results/${keptOnA}/csv`]) {
      const gone = await read('b', p, OPERATOR);
      expect(gone.status, gone.text).toBe(410);
      expect(JSON.parse(gone.text)).toMatchObject({ error: { code: 'result_gone', message: expect.stringMatching(/server that kept this result has stopped.*Run the block again/) } });
    }
  }, 120_000);
});
