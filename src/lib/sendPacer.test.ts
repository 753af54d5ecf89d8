/**
 * The page's send pacing against the server's own inbound budget (server/ws/inboundBudget.ts) on one
 * injected clock: a burst far over the budget is held and sent in order, and the server admits every message.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../server/config';
import { inboundBudget } from '../../server/ws/inboundBudget';
import { DEFAULT_SOCKET_BUDGET, HELLO_WAIT_MS, SendPacer, type PacerClock } from './sendPacer';

/** A clock that moves only when told, firing what falls due in order. */
class ManualClock implements PacerClock {
  private t = 0;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  now(): number {
    return this.t;
  }
  schedule(fn: () => void, ms: number): () => void {
    const timer = { at: this.t + ms, fn, live: true };
    this.timers.push(timer);
    return () => void (timer.live = false);
  }
  /** Moves time forward to the next timer (or by `ms` at most), firing it; false when none is pending. */
  step(): boolean {
    this.timers = this.timers.filter((t) => t.live);
    const next = this.timers.sort((a, b) => a.at - b.at)[0];
    if (!next) return false;
    this.t = Math.max(this.t, next.at);
    next.live = false;
    next.fn();
    return true;
  }
}

const serverLimits = (messages: number, bytes: number, seconds: number) =>
  parseConfig(
    `environments:\n  demo:\n    connections:\n      warehouse: {kind: duckdb, path: x.duckdb}\nlimits: {socketWindowSeconds: ${seconds}, socketMessagesPerWindow: ${messages}, socketBytesPerWindow: ${bytes}}\n`,
    'x.yaml',
  ).limits;

/** The pacer writing straight into the server's bucket (no network delay: the strictest case). */
function paced(budget: { messages: number; bytes: number; windowMs: number }) {
  const clock = new ManualClock();
  const server = inboundBudget(serverLimits(budget.messages, budget.bytes, budget.windowMs / 1000), () => clock.now());
  const written: { text: string; at: number; admitted: boolean }[] = [];
  const pacer = new SendPacer((text) => written.push({ text, at: clock.now(), admitted: server.admit(new TextEncoder().encode(text).length).ok }), clock);
  pacer.setBudget(budget);
  return { clock, pacer, written };
}

describe('send pacing', () => {
  it('holds a burst of 300 runs over a 100-per-10-s budget and sends them all, in order, none refused', () => {
    const { clock, pacer, written } = paced(DEFAULT_SOCKET_BUDGET);
    for (let i = 0; i < 300; i += 1) pacer.send(JSON.stringify({ type: 'run', id: `r${i}` }));
    // 90% of the budget at once; the rest waits for room.
    expect(written).toHaveLength(90);
    expect(pacer.waiting).toBe(210);
    while (clock.step()) {
      /* let time pass until nothing waits */
    }
    expect(written.map((w) => JSON.parse(w.text).id)).toEqual(Array.from({ length: 300 }, (_, i) => `r${i}`));
    expect(written.filter((w) => !w.admitted)).toEqual([]);
    // Paced, not just delayed: 300 messages at 90 per 10 s after the first 90 take about 23 s.
    expect(written.at(-1)!.at).toBeGreaterThan(20_000);
  });

  it('keeps within the bytes budget as well', () => {
    const { clock, pacer, written } = paced({ messages: 1000, bytes: 1024 * 1024, windowMs: 10_000 });
    const big = JSON.stringify({ type: 'run', id: 'x', params: { text: 'y'.repeat(200_000) } });
    for (let i = 0; i < 12; i += 1) pacer.send(big);
    expect(written).toHaveLength(4); // 4 × 200 kB fit in 90% of 1 MiB; a fifth does not
    while (clock.step()) {
      /* drain */
    }
    expect(written).toHaveLength(12);
    expect(written.every((w) => w.admitted)).toBe(true);
  });

  it('counts what was sent before the server said its budget against it', () => {
    const clock = new ManualClock();
    const written: string[] = [];
    const pacer = new SendPacer((text) => written.push(text), clock);
    for (let i = 0; i < 12; i += 1) pacer.send(`m${i}`);
    expect(written).toHaveLength(12); // the assumed default budget has room
    // The server's hello: 10 per 10 s (9 paced); 12 are out already, so the next waits for room.
    pacer.setBudget({ messages: 10, bytes: 1024 * 1024, windowMs: 10_000 });
    pacer.send('m12');
    expect(written).toHaveLength(12);
    expect(pacer.waiting).toBe(1);
  });

  it('gives back a waiting message that is withdrawn, and starts each socket with a full budget', () => {
    const { clock, pacer, written } = paced({ messages: 2, bytes: 1024 * 1024, windowMs: 1_000 });
    pacer.send('a', { key: 'a' });
    pacer.send('b', { key: 'b' });
    pacer.send('c', { key: 'c' });
    expect(written.map((w) => w.text)).toEqual(['a']);
    expect(pacer.withdraw('b')).toBe(true);
    expect(pacer.withdraw('a')).toBe(false); // already on its way: the caller cancels it at the server
    while (clock.step()) {
      /* drain */
    }
    expect(written.map((w) => w.text)).toEqual(['a', 'c']);
    pacer.reset();
    pacer.send('d');
    expect(written.map((w) => w.text)).toEqual(['a', 'c', 'd']);
  });
});

describe('a new socket', () => {
  it('holds its first sends until the server says its budget, so a smaller one than assumed is kept from the start', () => {
    const { clock, pacer, written } = paced({ messages: 5, bytes: 1024 * 1024, windowMs: 1_000 });
    pacer.reset({ awaitHello: true });
    for (let i = 0; i < 10; i += 1) pacer.send(`m${i}`);
    expect(written).toHaveLength(0);
    pacer.setBudget({ messages: 5, bytes: 1024 * 1024, windowMs: 1_000 });
    expect(written).toHaveLength(4);
    while (clock.step()) {
      /* drain */
    }
    expect(written.map((w) => w.text)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    expect(written.every((w) => w.admitted)).toBe(true);
  });

  it('sends anyway after a while when the server says nothing (a server from before the hello)', () => {
    const clock = new ManualClock();
    const written: string[] = [];
    const pacer = new SendPacer((text) => written.push(text), clock);
    pacer.reset({ awaitHello: true });
    pacer.send('run');
    expect(written).toEqual([]);
    expect(clock.step()).toBe(true);
    expect(clock.now()).toBe(HELLO_WAIT_MS);
    expect(written).toEqual(['run']);
  });
});
