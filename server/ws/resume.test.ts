/**
 * A run's stream survives a dropped socket (issue 14): a socket cut mid-stream (no close frame, as a
 * network blip or a proxy restart) is resumed on a new socket with no row lost or duplicated; a run nobody
 * comes back for is cancelled when the grace period ends (an injected scheduler decides when) and recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, OPERATOR, SECOND_APPROVER, type Harness, type TestClient } from '../testing/harness';
import type { DoneMessage, ServerMessage } from '../protocol';
import type { Scheduler } from './runStreams';

const ROWS = 60_000;
const LONG = 'select count(*) from range(100000000000) a'; // runs for minutes unless interrupted

/** The grace timers the server asked for; a test fires them when it decides the grace period is over. */
const timers: { ms: number; fire: () => void; cancelled: boolean }[] = [];
const schedule: Scheduler = (ms, fn) => {
  const t = { ms, fire: fn, cancelled: false };
  timers.push(t);
  return () => void (t.cancelled = true);
};

let h: Harness;
let n = 0;
const nextId = () => `resume-${++n}`;
const seqOf = (m: ServerMessage) => (m as { seq?: number }).seq ?? 0;

beforeAll(async () => {
  h = await startHarness({
    setupSql: `create table wide as select i, repeat('x', 60) || i::varchar as pad from range(${ROWS}) t(i);`,
    limits: { rowsPerRun: ROWS, rowsHardCap: 100_000, resumeGraceMs: 45_000, replayBytes: 64 * 1024 * 1024, socketHighWaterBytes: 64 * 1024 },
    snippets: { 'rb/wide': { text: 'select i, pad from wide order by i' }, 'rb/long': { text: LONG } },
    schedule,
  });
});

afterAll(async () => h?.close());

/** Cuts the TCP connection under the socket: the server sees 1006, as after a network drop. */
function drop(c: TestClient): Promise<void> {
  return new Promise((resolve) => {
    c.socket.once('close', () => resolve());
    c.socket.terminate();
  });
}

function runMessage(id: string, snippet: string) {
  return { type: 'run', id, snippet, sha256: h.manifest.snippets[snippet]!.sha256, env: 'demo', params: {} };
}

describe('resuming a run after the socket drops', () => {
  it('continues on a new socket where the old one stopped: every row once, in order', async () => {
    const first = await h.connect();
    const id = nextId();
    first.send(runMessage(id, 'rb/wide'));
    const accepted = await first.waitFor((m): m is Extract<ServerMessage, { type: 'accepted' }> => m.type === 'accepted' && m.id === id);
    await first.waitFor((m): m is ServerMessage => m.type === 'rows' && m.id === id);
    await drop(first);
    const before = first.of(id);
    expect(before.some((m) => m.type === 'done')).toBe(false); // cut mid-stream, not after the end
    const after = Math.max(...before.map(seqOf));

    const second = await h.connect();
    second.send({ type: 'resume', id, runId: accepted.runId, after });
    const done = await second.done(id);
    expect(done).toMatchObject({ status: 'succeeded', rowCount: ROWS });

    const seqs = [...before, ...second.of(id)].map(seqOf);
    expect(seqs).toEqual(seqs.map((_, k) => k + 1)); // 1, 2, 3, …: nothing missing, nothing twice
    const rows = [...before, ...second.of(id)].flatMap((m) => (m.type === 'rows' ? m.rows : []));
    expect(rows).toHaveLength(ROWS);
    expect(rows.every((r, k) => Number(r[0]) === k)).toBe(true);
    second.close();
  });

  it('gives a page the rows it lacks when its link dropped as the run ended (rows still in flight)', async () => {
    const first = await h.connect();
    const id = nextId();
    first.send(runMessage(id, 'rb/wide'));
    const accepted = await first.waitFor((m): m is Extract<ServerMessage, { type: 'accepted' }> => m.type === 'accepted' && m.id === id);
    // The run ends at the server; the page got only the first batch before its link dropped (the rest was in
    // buffers along the way, lost with the connection).
    await first.done(id);
    const firstBatch = first.of(id).find((m) => m.type === 'rows')!;
    await drop(first);
    const second = await h.connect();
    second.send({ type: 'resume', id, runId: accepted.runId, after: seqOf(firstBatch) });
    const done = await second.done(id);
    expect(done).toMatchObject({ status: 'succeeded', rowCount: ROWS });
    const rows = [firstBatch, ...second.of(id)].flatMap((m) => (m.type === 'rows' ? m.rows : []));
    expect(rows).toHaveLength(ROWS);
    expect(rows.every((r, k) => Number(r[0]) === k)).toBe(true);
    second.close();
  });

  it('moves a run to the page\'s newer connection while the server still holds the old one open, and the old one closing does not cancel it', async () => {
    const old = await h.connect();
    const id = nextId();
    old.send(runMessage(id, 'rb/wide'));
    const accepted = await old.waitFor((m): m is Extract<ServerMessage, { type: 'accepted' }> => m.type === 'accepted' && m.id === id);
    await old.waitFor((m): m is ServerMessage => m.type === 'rows' && m.id === id);
    // The page believes the old connection dead (a half-open TCP the server has not noticed): it reconnects.
    const after = Math.max(...old.of(id).map(seqOf));
    const fresh = await h.connect();
    fresh.send({ type: 'resume', id, runId: accepted.runId, after });
    await fresh.waitFor((m): m is ServerMessage => m.type === 'rows' && m.id === id);
    old.close(); // the server learns of the old socket now: the run is not its any more
    const done = await fresh.done(id);
    expect(done).toMatchObject({ status: 'succeeded', rowCount: ROWS });
    const mine = fresh.of(id);
    expect(seqOf(mine[0]!)).toBe(after + 1);
    const seqs = mine.map(seqOf);
    expect(seqs).toEqual(seqs.map((_, k) => k + after + 1));
    fresh.close();
  });

  it('cancels and records a run nobody reconnects to once the grace period ends, and then says it cannot be resumed', async () => {
    const first = await h.connect();
    const id = nextId();
    first.send(runMessage(id, 'rb/long'));
    const accepted = await first.waitFor((m): m is Extract<ServerMessage, { type: 'accepted' }> => m.type === 'accepted' && m.id === id);
    const scheduledBefore = timers.length;
    await drop(first);
    // The drop asked for exactly one grace timer, of the configured length; until it fires the run goes on.
    await expect.poll(() => timers.length).toBe(scheduledBefore + 1);
    const grace = timers[timers.length - 1]!;
    expect(grace.ms).toBe(45_000);
    expect(h.audit.events.find((e) => e.runId === accepted.runId)?.status).toBe('running');

    grace.fire();
    await expect.poll(() => h.audit.events.find((e) => e.runId === accepted.runId)?.status, { timeout: 20_000 }).toBe('cancelled');
    expect(h.audit.events.find((e) => e.runId === accepted.runId)?.detail).toMatch(/no page reconnected within 45 s/);

    const late = await h.connect();
    late.send({ type: 'resume', id, runId: accepted.runId, after: 1 });
    const done = await late.done(id);
    // The run's own `done` (cancelled) is kept for a page that missed it; the page learns how it ended.
    expect(done).toMatchObject({ status: 'cancelled', error: { code: 'cancelled', message: expect.stringMatching(/no page reconnected/) } });
    late.close();
  });

  it('keeps a run waiting for its page while the grace period runs, and refuses it to anyone else', async () => {
    const first = await h.connect();
    const id = nextId();
    first.send(runMessage(id, 'rb/long'));
    const accepted = await first.waitFor((m): m is Extract<ServerMessage, { type: 'accepted' }> => m.type === 'accepted' && m.id === id);
    await drop(first);
    const other = await h.connect({ as: SECOND_APPROVER });
    other.send({ type: 'resume', id, runId: accepted.runId, after: 1 });
    const refused = await other.done(id);
    expect(refused).toMatchObject({ status: 'failed', error: { code: 'stream_lost', message: expect.stringMatching(/cannot be resumed here/) } });
    // The operator's page comes back and can still cancel its run.
    const back = await h.connect({ as: OPERATOR });
    back.send({ type: 'resume', id, runId: accepted.runId, after: 1 });
    back.send({ type: 'cancel', id });
    const done: DoneMessage = await back.done(id);
    expect(done).toMatchObject({ status: 'cancelled' });
    other.close();
    back.close();
  });

  it('cancels at once a run whose page closed the socket on purpose', async () => {
    const c = await h.connect();
    const id = nextId();
    c.send(runMessage(id, 'rb/long'));
    const accepted = await c.waitFor((m): m is Extract<ServerMessage, { type: 'accepted' }> => m.type === 'accepted' && m.id === id);
    c.close();
    // No grace timer is ever fired in this test: only the close itself can have cancelled it.
    await expect.poll(() => h.audit.events.find((e) => e.runId === accepted.runId)?.status, { timeout: 20_000 }).toBe('cancelled');
  });
});
