import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config';
import { inboundBudget } from './inboundBudget';
import { messageTooComplex } from './inboundShape';

const limits = parseConfig(
  'environments:\n  demo:\n    connections:\n      warehouse: {kind: duckdb, path: x.duckdb}\nlimits: {socketWindowSeconds: 10, socketMessagesPerWindow: 3, socketBytesPerWindow: 2048, socketRefusalsBeforeClose: 2}\n',
  'x.yaml',
).limits;

describe('a socket inbound budget', () => {
  it('admits messages up to the window budget, then says which limit and when to retry', () => {
    const clock = { now: 0 };
    const budget = inboundBudget(limits, () => clock.now);
    expect([budget.admit(10), budget.admit(10), budget.admit(10)]).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(budget.admit(10)).toEqual({ ok: false, close: false, retryMs: 3334, message: 'Over this connection\'s limit of 3 messages per 10 s; message ignored. Retry in 4 s.' });
  });

  it('refills evenly over the window', () => {
    const clock = { now: 0 };
    const budget = inboundBudget(limits, () => clock.now);
    for (let i = 0; i < 3; i++) budget.admit(1);
    expect(budget.admit(1).ok).toBe(false);
    clock.now += 3_334; // one message's worth of a 3-per-10-s window
    expect(budget.admit(1).ok).toBe(true);
  });

  it('counts bytes as well as messages', () => {
    const budget = inboundBudget(limits, () => 0);
    expect(budget.admit(2000).ok).toBe(true);
    expect(budget.admit(100)).toMatchObject({ ok: false, message: expect.stringMatching(/2048 bytes per 10 s/) });
  });

  it('asks to close a socket that keeps sending after it was refused', () => {
    const budget = inboundBudget(limits, () => 0);
    for (let i = 0; i < 3; i++) budget.admit(1);
    expect([budget.admit(1), budget.admit(1)].map((a) => a.ok === false && a.close)).toEqual([false, false]);
    expect(budget.admit(1)).toMatchObject({ ok: false, close: true, message: expect.stringMatching(/^Closed: this connection kept sending over its limit/) });
  });
});

describe('the pre-parse width check', () => {
  it('refuses an object with thousands of fields before JSON.parse sees it', () => {
    const wide = JSON.stringify({ type: 'run', ...Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`k${i}`, i])) });
    expect(messageTooComplex(wide)).toMatch(/far more fields or values/);
    expect(messageTooComplex(JSON.stringify(Array.from({ length: 2000 }, (_, i) => [i])))).toMatch(/far more fields/);
  });

  it('lets through a real run message whose parameter values are full of commas and colons', () => {
    const params = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`p${i}`, 'a,b:c,{d}[e],"f"'.repeat(100)]));
    const message = JSON.stringify({ type: 'run', id: 'c1', snippet: 'rb/x', sha256: 'f'.repeat(64), env: 'demo', params });
    expect(message.length).toBeGreaterThan(40_000);
    expect(messageTooComplex(message)).toBeNull();
  });

  it('leaves text that is not an object or array to JSON.parse', () => {
    expect(messageTooComplex('x,'.repeat(5000))).toBeNull();
  });
});
