/**
 * Cancelling a run while it waits for a PostgreSQL connection (real PostgreSQL behind a loopback proxy
 * that can hold connections): the run ends `cancelled` at once instead of after the connect timeout, the
 * attempt it started is closed, a connection that arrives after the cancel goes back to the pool unused,
 * and the pool — one connection only — serves the next run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cell } from '../../protocol';
import { heldProxy, type HeldProxy } from '../../testing/heldProxy';
import { postgresUnavailable, postgresUrlFor } from '../../testing/postgres';
import type { RowSink, SqlConnector, StatementRequest } from '../types';
import { openPostgres } from './index';

let skip: string | null = null;
const proxies: HeldProxy[] = [];
const connectors: SqlConnector[] = [];
beforeAll(async () => {
  skip = await postgresUnavailable();
});
afterAll(async () => {
  await Promise.allSettled(connectors.map((c) => c.close()));
  await Promise.allSettled(proxies.map((p) => p.close()));
});

/** One-connection pool through a proxy, with a connect timeout far longer than any test waits. */
async function throughProxy(held: boolean): Promise<{ connector: SqlConnector; proxy: HeldProxy }> {
  const real = new URL(postgresUrlFor('opsbook_connect_cancel'));
  const proxy = await heldProxy({ host: real.hostname, port: Number(real.port || 5432) }, { held });
  proxies.push(proxy);
  const url = new URL(real);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  const connector = await openPostgres({ read: url.toString(), write: null, poolMax: 1, connectTimeoutMs: 110_000 });
  connectors.push(connector);
  return { connector, proxy };
}

function request(signal: AbortSignal, text = 'select 1 as one'): StatementRequest {
  return { text, binds: {}, mode: 'read', signal, timeoutMs: 30_000, maxRows: 10 };
}

function collect(): { sink: RowSink; rows: Cell[][] } {
  const rows: Cell[][] = [];
  return { rows, sink: { columns: () => undefined, rows: async (b) => void rows.push(...(b as Cell[][])) } };
}

describe('cancelling a run while PostgreSQL is still connecting', () => {
  it('ends the run cancelled without waiting for the connect timeout, closes the attempt, and the pool serves the next run', async (ctx) => {
    if (skip) return ctx.skip();
    const { connector, proxy } = await throughProxy(true);
    const cancel = new AbortController();
    const running = connector.stream(request(cancel.signal), collect().sink).catch((e: unknown) => e);
    await proxy.untilAccepted(1); // the pool's attempt reached the server, which says nothing
    cancel.abort();
    // The connect timeout is 110 s and the test's own limit 120 s: only the cancel can end the run in time.
    expect(await running).toMatchObject({ code: 'cancelled', message: expect.stringMatching(/^The run was cancelled while it waited for a PostgreSQL connection for this connection; nothing ran\.$/) });
    // The attempt is ended, not left holding the pool's only slot until its timeout.
    await expect.poll(() => proxy.closed(), { timeout: 60_000 }).toBe(1);

    proxy.let();
    const next = collect();
    expect(await connector.stream(request(new AbortController().signal), next.sink)).toMatchObject({ rowCount: 1 });
    expect(next.rows).toEqual([[1]]);
  });

  it('gives a connection that arrives after the cancel back to the pool, unused, for the next run', async (ctx) => {
    if (skip) return ctx.skip();
    const { connector, proxy } = await throughProxy(false);
    // The pool's one connection is busy: the first run's rows wait until the page takes them.
    let take!: () => void;
    const taken = new Promise<void>((resolve) => (take = resolve));
    let reached!: () => void;
    const busy = new Promise<void>((resolve) => (reached = resolve));
    const first = connector.stream(request(new AbortController().signal), {
      columns: () => undefined,
      rows: async () => {
        reached();
        await taken;
      },
    });
    await busy;
    // The second run queues for that connection; stream() asks the pool before it first awaits.
    const cancel = new AbortController();
    const second = connector.stream(request(cancel.signal, 'select 2 as two'), collect().sink).catch((e: unknown) => e);
    cancel.abort();
    expect(await second).toMatchObject({ code: 'cancelled' });

    // The first run ends; the pool hands its connection to the cancelled waiter, which gives it back.
    take();
    expect(await first).toMatchObject({ rowCount: 1 });
    const third = collect();
    expect(await connector.stream(request(new AbortController().signal, 'select 3 as three'), third.sink)).toMatchObject({ rowCount: 1 });
    expect(third.rows).toEqual([[3]]);
    expect(proxy.accepted()).toBe(1); // one connection served all three: none was lost to the cancelled run
  });
});
