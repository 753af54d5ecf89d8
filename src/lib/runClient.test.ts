import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { RunClient, type RunEvent, type RunRequest } from './runClient';
import type { SocketBudget } from '../../server/protocol';
import { parseConfig } from '../../server/config';
import { inboundBudget } from '../../server/ws/inboundBudget';

const request: RunRequest = { snippet: 'rb/q', sha256: 'a'.repeat(64), env: 'demo', params: {} };
// ws's client speaks the browser API (onopen/onmessage/onclose, text frames as strings).
const WebSocketImpl = NodeWebSocket as unknown as typeof WebSocket;

type Script = (socket: import('ws').WebSocket, message: { type: string; id: string }) => void;

const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** The server's default socket budget, said first on each connection as the real server does. */
const HELLO: SocketBudget = { messages: 100, bytes: 1024 * 1024, windowMs: 10_000 };

async function serve(script: Script, port = 0, hello: SocketBudget | null = HELLO): Promise<{ server: WebSocketServer; url: string }> {
  const server = new WebSocketServer({ port, host: '127.0.0.1' });
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  server.on('connection', (socket) => {
    if (hello) socket.send(JSON.stringify({ type: 'hello', budget: hello }));
    socket.on('message', (data) => script(socket, JSON.parse(String(data))));
  });
  return { server, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/api/ws` };
}

function collect(client: RunClient, req: RunRequest = request): { events: RunEvent[]; done: Promise<RunEvent>; handle: ReturnType<RunClient['start']> } {
  const events: RunEvent[] = [];
  let resolve!: (e: RunEvent) => void;
  const done = new Promise<RunEvent>((r) => (resolve = r));
  const handle = client.start(req, (event) => {
    events.push(event);
    if (event.type === 'done') resolve(event);
  });
  return { events, done, handle };
}

const reply = (socket: import('ws').WebSocket, message: object) => socket.send(JSON.stringify(message));

describe('RunClient', () => {
  it('multiplexes concurrent runs on one socket by client id', async () => {
    const connections: number[] = [];
    const { server, url } = await serve((socket, m) => {
      if (m.type !== 'run') return;
      reply(socket, { type: 'columns', id: m.id, columns: [{ name: 'n', type: 'INTEGER' }] });
      reply(socket, { type: 'rows', id: m.id, rows: [[m.id]] });
      reply(socket, { type: 'done', id: m.id, status: 'succeeded', rowCount: 1, truncated: false, elapsedMs: 1 });
    });
    server.on('connection', () => connections.push(1));
    const client = new RunClient(url, { WebSocketImpl });
    const a = collect(client);
    const b = collect(client);
    await Promise.all([a.done, b.done]);
    expect(a.handle.id).not.toBe(b.handle.id);
    expect(a.events.map((e) => e.type)).toEqual(['columns', 'rows', 'done']);
    expect(a.events[1]).toMatchObject({ rows: [[a.handle.id]] });
    expect(b.events[1]).toMatchObject({ rows: [[b.handle.id]] });
    expect(connections).toHaveLength(1);
    client.close();
  });

  it('ends a run the server had not accepted as failed/unavailable when the socket closes', async () => {
    const { url } = await serve((socket) => socket.terminate());
    const client = new RunClient(url, { WebSocketImpl, backoffMs: [0] });
    const run = collect(client);
    const done = await run.done;
    expect(done).toMatchObject({ type: 'done', status: 'failed', error: { code: 'unavailable' } });
    expect(run.events.filter((e) => e.type === 'done')).toHaveLength(1);
    client.close();
  });

  it('resumes an accepted run on a new connection after the last message it has, dropping repeats', async () => {
    const resumes: unknown[] = [];
    const { url } = await serve((socket, m) => {
      if (m.type === 'run') {
        reply(socket, { type: 'accepted', id: m.id, runId: 'r1', startedAt: new Date().toISOString(), seq: 1 });
        reply(socket, { type: 'rows', id: m.id, rows: [[1]], seq: 2 });
        // Cut after both frames are written: the client has seq 1 and 2.
        socket.send(JSON.stringify({ type: 'log', id: 'none', stream: 'stdout', text: '' }), () => socket.terminate());
        return;
      }
      resumes.push(m);
      reply(socket, { type: 'rows', id: m.id, rows: [[1]], seq: 2 }); // a repeat: the page has it
      reply(socket, { type: 'rows', id: m.id, rows: [[2]], seq: 3 });
      reply(socket, { type: 'done', id: m.id, status: 'succeeded', rowCount: 2, truncated: false, elapsedMs: 1, seq: 4 });
    });
    const client = new RunClient(url, { WebSocketImpl });
    const run = collect(client);
    expect(await run.done).toMatchObject({ status: 'succeeded', rowCount: 2 });
    expect(resumes).toEqual([{ type: 'resume', id: run.handle.id, runId: 'r1', after: 2 }]);
    expect(run.events.map((e) => e.type)).toEqual(['accepted', 'rows', 'rows', 'done']);
    expect(run.events.flatMap((e) => (e.type === 'rows' ? e.rows : []))).toEqual([[1], [2]]);
    client.close();
  });

  it('tells the page when a running run loses its link and when its output continues', async () => {
    const { url } = await serve((socket, m) => {
      if (m.type === 'run') {
        reply(socket, { type: 'accepted', id: m.id, runId: 'r1', startedAt: new Date().toISOString(), seq: 1 });
        socket.send(JSON.stringify({ type: 'log', id: 'none', stream: 'stdout', text: '' }), () => socket.terminate());
        return;
      }
      reply(socket, { type: 'rows', id: m.id, rows: [[2]], seq: 2 });
      reply(socket, { type: 'done', id: m.id, status: 'succeeded', rowCount: 1, truncated: false, elapsedMs: 1, seq: 3 });
    });
    const client = new RunClient(url, { WebSocketImpl });
    const timeline: string[] = [];
    const states: string[] = [];
    client.onConnectionChange((state) => states.push(state));
    let finished!: () => void;
    const ended = new Promise<void>((resolve) => (finished = resolve));
    client.start(request, (e) => (timeline.push(e.type), e.type === 'done' && finished()), (link) => timeline.push(`link:${link}`));
    await ended;
    expect(timeline).toEqual(['accepted', 'link:reconnecting', 'link:resumed', 'rows', 'done']);
    // The page-wide indicator tells a first connection from getting runs back.
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'open']);
    client.close();
  });

  it('does not say the output continued when the server answers the resume with stream_lost', async () => {
    const { url } = await serve((socket, m) => {
      if (m.type === 'run') {
        reply(socket, { type: 'accepted', id: m.id, runId: 'r1', startedAt: new Date().toISOString(), seq: 1 });
        socket.send(JSON.stringify({ type: 'log', id: 'none', stream: 'stdout', text: '' }), () => socket.terminate());
        return;
      }
      reply(socket, { type: 'done', id: m.id, status: 'failed', rowCount: 0, truncated: false, elapsedMs: 0, error: { code: 'stream_lost', message: 'gone' } });
    });
    const client = new RunClient(url, { WebSocketImpl });
    const timeline: string[] = [];
    let finished!: () => void;
    const ended = new Promise<void>((resolve) => (finished = resolve));
    client.start(request, (e) => (timeline.push(e.type), e.type === 'done' && finished()), (link) => timeline.push(`link:${link}`));
    await ended;
    expect(timeline).toEqual(['accepted', 'link:reconnecting', 'done']);
    client.close();
  });

  it('keeps trying longer to resume a dropped run than to start one, then resumes it', async () => {
    const { url } = await serve((socket, m) => {
      if (m.type === 'run') {
        reply(socket, { type: 'accepted', id: m.id, runId: 'r1', startedAt: new Date().toISOString(), seq: 1 });
        socket.send(JSON.stringify({ type: 'log', id: 'none', stream: 'stdout', text: '' }), () => socket.terminate());
        return;
      }
      reply(socket, { type: 'done', id: m.id, status: 'succeeded', rowCount: 0, truncated: false, elapsedMs: 1, seq: 2 });
    });
    // After the drop, the next five connections fail (a proxy restarting): more than backoffMs allows.
    let opened = 0;
    const dead = url.replace(/:\d+\//, ':1/');
    class Flaky extends NodeWebSocket {
      constructor(address: string) {
        opened += 1;
        super(opened >= 2 && opened <= 6 ? dead : address);
      }
    }
    const client = new RunClient(url, { WebSocketImpl: Flaky as unknown as typeof WebSocket, backoffMs: [0, 1], resumeBackoffMs: [0, 1, 1, 1, 1, 1, 1] });
    const run = collect(client);
    expect(await run.done).toMatchObject({ status: 'succeeded' });
    expect(opened).toBe(7);
    client.close();
  });

  it('ends an accepted run with stream_lost when no connection comes back', async () => {
    const { server, url } = await serve((socket, m) => {
      reply(socket, { type: 'accepted', id: m.id, runId: 'r1', startedAt: new Date().toISOString(), seq: 1 });
      // The server goes away: no later attempt connects.
      server.close();
      socket.terminate();
    });
    const client = new RunClient(url, { WebSocketImpl, backoffMs: [0, 10] });
    const run = collect(client);
    const done = await run.done;
    expect(done).toMatchObject({ status: 'failed', error: { code: 'stream_lost', message: expect.stringMatching(/What is shown is what arrived before the drop/) } });
    expect(run.events.map((e) => e.type)).toEqual(['accepted', 'done']);
  });

  it('reconnects when a run starts after the socket dropped', async () => {
    let drop = true;
    const { url } = await serve((socket, m) => {
      if (drop) {
        drop = false;
        socket.terminate();
        return;
      }
      reply(socket, { type: 'done', id: m.id, status: 'succeeded', rowCount: 0, truncated: false, elapsedMs: 1 });
    });
    const client = new RunClient(url, { WebSocketImpl });
    expect(await collect(client).done).toMatchObject({ status: 'failed' });
    expect(await collect(client).done).toMatchObject({ status: 'succeeded' });
    client.close();
  });

  it('fails a run with unavailable after its connection attempts, without throwing', async () => {
    const { server, url } = await serve(() => undefined);
    await new Promise((resolve) => server.close(resolve));
    const client = new RunClient(url, { WebSocketImpl, backoffMs: [0, 10, 20] });
    expect(await collect(client).done).toMatchObject({ status: 'failed', error: { code: 'unavailable' } });
    expect(client.connection).toBe('closed');
  });

  it('sends cancel for a running run and relays the server’s done', async () => {
    const seen: string[] = [];
    const { url } = await serve((socket, m) => {
      seen.push(m.type);
      if (m.type === 'cancel') reply(socket, { type: 'done', id: m.id, status: 'cancelled', rowCount: 0, truncated: false, elapsedMs: 5 });
      else reply(socket, { type: 'accepted', id: m.id, runId: 'r', startedAt: '' });
    });
    const client = new RunClient(url, { WebSocketImpl });
    const run = collect(client);
    await new Promise<void>((resolve) => {
      const poll = () => (run.events.length > 0 ? resolve() : setTimeout(poll, 5));
      poll();
    });
    run.handle.cancel();
    expect(await run.done).toMatchObject({ status: 'cancelled' });
    expect(seen).toEqual(['run', 'cancel']);
    client.close();
  });

  it('ends a run still waiting for the socket as cancelled, locally', async () => {
    const { url } = await serve(() => undefined);
    const client = new RunClient(url, { WebSocketImpl, backoffMs: [200] });
    const run = collect(client);
    run.handle.cancel();
    expect(await run.done).toMatchObject({ status: 'cancelled' });
    client.close();
  });

  it('stops delivering messages to a disposed run', async () => {
    const { url } = await serve((socket, m) => {
      setTimeout(() => reply(socket, { type: 'done', id: m.id, status: 'succeeded', rowCount: 0, truncated: false, elapsedMs: 1 }), 30);
    });
    const client = new RunClient(url, { WebSocketImpl });
    const run = collect(client);
    await new Promise((r) => setTimeout(r, 10));
    run.handle.dispose();
    await new Promise((r) => setTimeout(r, 80));
    expect(run.events).toEqual([]);
    client.close();
  });

  it('rejects the one unanswered run when the server cannot tie a message to a run', async () => {
    const { url } = await serve((socket) => reply(socket, { type: 'error', code: 'bad_message', message: 'bad' }));
    const client = new RunClient(url, { WebSocketImpl });
    expect(await collect(client).done).toMatchObject({ status: 'rejected', error: { code: 'bad_message' } });
    client.close();
  });

  it('connects as soon as someone listens for approvals, and hands them the pushes', async () => {
    const { server, url } = await serve(() => undefined);
    server.on('connection', (socket) => reply(socket, { type: 'approval', approval: { id: 'ap-1', status: 'approved' } }));
    const client = new RunClient(url, { WebSocketImpl });
    const received: string[] = [];
    const subscription = client.onApproval((a) => received.push(`${a.id}:${a.status}`));
    await waitFor(() => received.length === 1);
    expect(received).toEqual(['ap-1:approved']);
    expect(client.connection).toBe('open');
    subscription.dispose();
    client.close();
  });

  it('keeps runs and approval pushes apart on one socket', async () => {
    const { url } = await serve((socket, m) => {
      reply(socket, { type: 'approval', approval: { id: 'ap-2', status: 'pending' } });
      reply(socket, { type: 'done', id: m.id, status: 'succeeded', rowCount: 0, truncated: false, elapsedMs: 1 });
    });
    const client = new RunClient(url, { WebSocketImpl });
    const pushes: string[] = [];
    client.onApproval((a) => pushes.push(a.id));
    const run = collect(client);
    await run.done;
    expect(run.events.map((e) => e.type)).toEqual(['done']);
    expect(pushes).toEqual(['ap-2']);
    client.close();
  });

  it('reconnects for approval listeners after the socket dropped, and reports the reopen', async () => {
    let connections = 0;
    const { server, url } = await serve(() => undefined);
    server.on('connection', (socket) => {
      connections += 1;
      if (connections === 1) setTimeout(() => socket.terminate(), 10);
    });
    const client = new RunClient(url, { WebSocketImpl, watchRetryMs: 20 });
    const states: string[] = [];
    client.onConnectionChange((s) => states.push(s));
    const subscription = client.onApproval(() => undefined);
    await waitFor(() => connections === 2 && client.connection === 'open');
    expect(states.filter((s) => s === 'open')).toHaveLength(2);
    subscription.dispose();
    client.close();
  });

  it('renews the sign-in and sends a run again once, when the server refused it because the sign-in expired', async () => {
    let connections = 0;
    const { server, url } = await serve((socket, m) => {
      if (connections === 1) {
        reply(socket, { type: 'done', id: m.id, status: 'rejected', rowCount: 0, truncated: false, elapsedMs: 0, error: { code: 'unauthenticated', message: 'expired', hint: 'Your sign-in expired; the page will reconnect.' } });
        socket.close(4401, 'Your sign-in expired; the page will reconnect.');
      } else reply(socket, { type: 'done', id: m.id, status: 'succeeded', rowCount: 1, truncated: false, elapsedMs: 1 });
    });
    server.on('connection', () => (connections += 1));
    let renewals = 0;
    const client = new RunClient(url, { WebSocketImpl, renewSignIn: async () => void (renewals += 1) });
    const run = collect(client);
    expect(await run.done).toMatchObject({ type: 'done', status: 'succeeded' });
    expect(run.events.map((e) => e.type)).toEqual(['done']);
    expect({ renewals, connections }).toEqual({ renewals: 1, connections: 2 });
    client.close();
  });

  it('ends a run the server stopped at sign-in expiry (close 4401) with the reason, then renews and reconnects', async () => {
    let connections = 0;
    const { server, url } = await serve((socket, m) => {
      reply(socket, { type: 'accepted', id: m.id, runId: 'r1', startedAt: new Date(0).toISOString() });
      socket.close(4401, 'Your sign-in expired; the page will reconnect.');
    });
    server.on('connection', () => (connections += 1));
    let renewals = 0;
    const client = new RunClient(url, { WebSocketImpl, renewSignIn: async () => void (renewals += 1) });
    const subscription = client.onApproval(() => undefined);
    const run = collect(client);
    expect(await run.done).toMatchObject({ status: 'failed', error: { code: 'unauthenticated', hint: 'Your sign-in expired; the page will reconnect.' } });
    await waitFor(() => connections === 2 && client.connection === 'open');
    expect(renewals).toBe(1);
    subscription.dispose();
    client.close();
  });

  it('paces a burst of runs to the budget the server said, so none of them is refused rate_limited', async () => {
    // A server enforcing its real inbound budget (server/ws/inboundBudget.ts): 10 messages a second.
    const limits = parseConfig('environments:\n  demo:\n    connections:\n      warehouse: {kind: duckdb, path: x.duckdb}\nlimits: {socketWindowSeconds: 1, socketMessagesPerWindow: 10}\n', 'x.yaml').limits;
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    servers.push(server);
    await new Promise((resolve) => server.once('listening', resolve));
    server.on('connection', (socket) => {
      const budget = inboundBudget(limits);
      socket.send(JSON.stringify({ type: 'hello', budget: { messages: 10, bytes: limits.socketBytesPerWindow, windowMs: 1_000 } }));
      socket.on('message', (data) => {
        const m = JSON.parse(String(data)) as { type: string; id: string };
        const admitted = budget.admit(Buffer.byteLength(String(data)));
        if (!admitted.ok) return reply(socket, { type: 'done', id: m.id, status: 'rejected', rowCount: 0, truncated: false, elapsedMs: 0, error: { code: 'rate_limited', message: admitted.message, retryAfterMs: admitted.retryMs } });
        reply(socket, { type: 'done', id: m.id, status: 'succeeded', rowCount: 0, truncated: false, elapsedMs: 1 });
      });
    });
    const client = new RunClient(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/api/ws`, { WebSocketImpl });
    // Someone clicking Run on 30 blocks at once: three times the budget.
    const runs = Array.from({ length: 30 }, () => collect(client));
    const dones = await Promise.all(runs.map((r) => r.done));
    expect(dones.filter((d) => d.type === 'done' && d.status !== 'succeeded')).toEqual([]);
    client.close();
  }, 30_000);

  it('ends a run still waiting for the budget at once when it is cancelled; the server never sees it', async () => {
    const seen: string[] = [];
    const { url } = await serve((socket, m) => {
      seen.push(`${m.type}:${m.id}`);
      if (m.type === 'run') reply(socket, { type: 'accepted', id: m.id, runId: `srv-${m.id}`, startedAt: new Date().toISOString() });
    }, 0, { messages: 1, bytes: 1024 * 1024, windowMs: 60_000 });
    const client = new RunClient(url, { WebSocketImpl });
    const first = collect(client);
    const second = collect(client);
    await waitFor(() => seen.length === 1 && client.waitingToSend === 1);
    second.handle.cancel();
    expect(await second.done).toMatchObject({ status: 'cancelled', error: { message: expect.stringMatching(/before the run reached the server/) } });
    expect(client.waitingToSend).toBe(0);
    expect(seen).toEqual([`run:${first.handle.id}`]);
    client.close();
  });

  it('still runs against a server that says no budget (one from before the hello)', async () => {
    const { url } = await serve((socket, m) => reply(socket, { type: 'done', id: m.id, status: 'succeeded', rowCount: 0, truncated: false, elapsedMs: 1 }), 0, null);
    const client = new RunClient(url, { WebSocketImpl });
    expect(await collect(client).done).toMatchObject({ status: 'succeeded' });
    client.close();
  });
});

// A failure guard only: on a machine whose cores are busy, a reconnect can take seconds.
async function waitFor(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting for a condition');
    await new Promise((r) => setTimeout(r, 5));
  }
}
