/**
 * The server's first message on a socket says what the socket may send (its inbound budget), so the page
 * paces itself (src/lib/sendPacer.ts) instead of learning the budget from a refusal; the server still
 * enforces it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../protocol';
import { startHarness, type Harness } from '../testing/harness';

type Hello = Extract<ServerMessage, { type: 'hello' }>;
let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    setupSql: 'select 1',
    snippets: { 'rb/one': { text: 'select 1 as one' } },
    limits: { socketWindowSeconds: 3, socketMessagesPerWindow: 4, socketBytesPerWindow: 4096 },
  });
});
afterAll(async () => {
  await h?.close();
});

describe('the socket hello', () => {
  it('comes first and carries the configured budget', async () => {
    const client = await h.connect();
    const hello = await client.waitFor((m): m is Hello => m.type === 'hello');
    expect(client.messages[0]).toBe(hello);
    expect(hello.budget).toEqual({ messages: 4, bytes: 4096, windowMs: 3_000 });
    client.close();
  });

  it('is what the server enforces: the message past it is refused rate_limited', async () => {
    const client = await h.connect();
    const { budget } = await client.waitFor((m): m is Hello => m.type === 'hello');
    const ids = Array.from({ length: budget.messages + 1 }, (_, i) => `r${i}`);
    for (const id of ids) client.send({ type: 'run', id, snippet: 'rb/one', sha256: h.manifest.snippets['rb/one']!.sha256, env: 'demo', params: {} });
    const last = await client.done(ids.at(-1)!);
    expect(last).toMatchObject({ status: 'rejected', error: { code: 'rate_limited' } });
    client.close();
  });
});
