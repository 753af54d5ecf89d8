import { describe, expect, it } from 'vitest';
import type { DoneMessage } from '@site/server/protocol';
import { runChecks, type CheckRunResult, type StartRun } from './checkRunner';
import type { RunEvent, RunRequest } from './runClient';

/** A run starter that answers only when the test says so, and records what it was asked. */
function manualStarter() {
  const pending: { request: RunRequest; onEvent: (e: RunEvent) => void; id: string }[] = [];
  const cancelled: string[] = [];
  let n = 0;
  const start: StartRun = (request, onEvent) => {
    const id = `r${++n}`;
    pending.push({ request, onEvent, id });
    return { id, cancel: () => cancelled.push(id), dispose: () => undefined };
  };
  const finish = (snippet: string, over: Partial<DoneMessage> = {}): void => {
    const i = pending.findIndex((p) => p.request.snippet === snippet);
    const [run] = pending.splice(i, 1);
    run!.onEvent({ type: 'columns', id: run!.id, columns: [{ name: 'n', type: 'INTEGER' }] });
    run!.onEvent({ type: 'rows', id: run!.id, rows: [[1], [2], [3]] });
    run!.onEvent({ type: 'done', id: run!.id, status: 'succeeded', rowCount: 3, truncated: false, elapsedMs: 1, check: { passed: true, detail: 'ok' }, ...over });
  };
  return { start, pending, cancelled, finish, open: () => pending.map((p) => p.request.snippet) };
}

const jobs = (...keys: string[]) => keys.map((snippet) => ({ request: { snippet, sha256: 'a'.repeat(64), env: 'demo', params: {} } }));

describe('running many checks through one socket', () => {
  it('keeps at most `concurrency` runs open, starts the next as one ends, and reports every result', async () => {
    const s = manualStarter();
    const results = new Map<number, CheckRunResult>();
    const run = runChecks(jobs('a', 'b', 'c', 'd'), { start: s.start, concurrency: 2, keepRows: 2, onResult: (i, r) => results.set(i, r) });
    expect(s.open()).toEqual(['a', 'b']);
    s.finish('b');
    expect(s.open()).toEqual(['a', 'c']);
    s.finish('a');
    s.finish('c');
    expect(s.open()).toEqual(['d']);
    s.finish('d', { status: 'failed', check: { passed: false, detail: 'value 3; expected value = 0' } });
    await run.finished;
    expect([...results.keys()].sort()).toEqual([0, 1, 2, 3]);
    expect(results.get(3)!.done.status).toBe('failed');
    expect(results.get(3)!.rows).toEqual([[1], [2]]);
  });

  it('puts a run the server refused as busy back in the queue, then counts it once it runs', async () => {
    const s = manualStarter();
    const results = new Map<number, CheckRunResult>();
    const run = runChecks(jobs('a', 'b'), { start: s.start, concurrency: 2, onResult: (i, r) => results.set(i, r) });
    s.finish('b', { status: 'rejected', check: undefined, error: { code: 'busy', message: 'At most 4 runs at a time' } });
    expect(results.has(1)).toBe(false);
    // It waits for our own open run to end before asking again.
    expect(s.open()).toEqual(['a']);
    s.finish('a');
    expect(s.open()).toEqual(['b']);
    s.finish('b');
    await run.finished;
    expect(results.get(1)!.done.status).toBe('succeeded');
  });

  it('asks again, after the time the server gave, for a run refused as over the socket budget', async () => {
    const s = manualStarter();
    const timers: { fn: () => void; ms: number }[] = [];
    const results = new Map<number, CheckRunResult>();
    const run = runChecks(jobs('a', 'b'), { start: s.start, concurrency: 2, onResult: (i, r) => results.set(i, r), setTimer: (fn, ms) => void timers.push({ fn, ms }) });
    s.finish('b', { status: 'rejected', check: undefined, error: { code: 'rate_limited', message: 'Over this connection\'s limit', retryAfterMs: 2500 } });
    expect(results.has(1)).toBe(false);
    s.finish('a');
    // Not asked again at once, nor counted as its result: it waits the time the server said.
    expect(s.open()).toEqual([]);
    expect(timers.map((t) => t.ms)).toEqual([2500]);
    let finished = false;
    void run.finished.then(() => (finished = true));
    await Promise.resolve();
    expect(finished).toBe(false);
    timers[0]!.fn();
    expect(s.open()).toEqual(['b']);
    s.finish('b');
    await run.finished;
    expect(results.get(1)!.done.status).toBe('succeeded');
  });

  it('stop cancels the open runs and skips the ones not started', async () => {
    const s = manualStarter();
    const skipped: number[] = [];
    const results: number[] = [];
    const run = runChecks(jobs('a', 'b', 'c'), { start: s.start, concurrency: 1, onResult: (i) => results.push(i), onSkipped: (i) => skipped.push(i) });
    run.stop();
    expect(s.cancelled).toEqual(['r1']);
    s.finish('a', { status: 'cancelled', check: undefined, error: { code: 'cancelled', message: 'Cancelled' } });
    await run.finished;
    expect(results).toEqual([0]);
    expect(skipped).toEqual([1, 2]);
    expect(s.open()).toEqual([]);
  });

  it('finishes at once with nothing to run', async () => {
    const s = manualStarter();
    await runChecks([], { start: s.start, concurrency: 3, onResult: () => undefined }).finished;
    expect(s.open()).toEqual([]);
  });
});
