/**
 * A tiny local HTTP server for client tests: answers from fixtures written from the specs, records every
 * request, and can be told to fail (5xx, dropped connections, answers cut short or not JSON at all) to
 * exercise retries and failures, or be restarted on the same port like a redeployed webserver.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  readonly method: string;
  /** Decoded, as a server routes it. */
  readonly path: string;
  /** As sent, percent-encoding included. */
  readonly rawPath: string;
  readonly query: URLSearchParams;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: unknown;
}

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  /** Destroy the socket instead of answering (a connection error). */
  readonly drop?: boolean;
  /** Never answer (a timeout). */
  readonly hang?: boolean;
  /**
   * Send the status line, the headers and this much of the body, then destroy the socket: a webserver
   * that dies mid-answer. '' cuts right after the headers.
   */
  readonly cutAfter?: string;
  /** Send this text as the body, as is, under a JSON content type (a proxy's error page, a wrong server). */
  readonly raw?: string;
}

export type Route = (req: Recorded) => Reply | undefined;

export interface FakeAirflow {
  readonly url: string;
  readonly requests: Recorded[];
  /** Routes tried in order; the first that returns a reply answers. */
  routes: Route[];
  /**
   * Hang up on a request that arrives on a kept-alive connection, as a webserver closing an idle
   * connection just as the next request is sent on it (gunicorn's keepalive is 2 s).
   */
  dropReusedConnections: boolean;
  close(): Promise<void>;
  /** Closes every connection and listens again on the same port (a webserver restarted between runs). */
  restart(): Promise<void>;
}

const fixtures = path.join(__dirname, '..', '__fixtures__');

export function fixture(name: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(fixtures, `${name}.json`), 'utf8')) as unknown;
}

export async function startFakeAirflow(routes: Route[] = []): Promise<FakeAirflow> {
  const requests: Recorded[] = [];
  const fake = { routes, dropReusedConnections: false } as FakeAirflow;
  const served = new WeakSet<object>();
  const server = http.createServer((req, res) => {
    if (fake.dropReusedConnections && served.has(req.socket)) return void req.socket.destroy();
    served.add(req.socket);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const text = Buffer.concat(chunks).toString('utf8');
      const rec: Recorded = { method: req.method ?? 'GET', path: decodeURIComponent(url.pathname), rawPath: url.pathname, query: url.searchParams, headers: req.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
      requests.push(rec);
      const reply = fake.routes.map((r) => r(rec)).find((r) => r !== undefined) ?? { status: 404, body: { detail: 'Not Found' } };
      if (reply.drop) return void req.socket.destroy();
      if (reply.hang) return;
      if (reply.cutAfter !== undefined) {
        const full = JSON.stringify(reply.body ?? {});
        // A declared length longer than what arrives: the client must see the answer as cut, not complete.
        res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(full)) });
        res.flushHeaders();
        res.write(reply.cutAfter, () => setImmediate(() => req.socket.destroy()));
        return;
      }
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    requests,
    close,
    async restart() {
      await close();
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
  });
}

/** Matches a method and a path (exact, or a RegExp) and replies. */
export function on(method: string, p: string | RegExp, reply: Reply | ((r: Recorded) => Reply)): Route {
  return (r) => (r.method === method && (typeof p === 'string' ? r.path === p : p.test(r.path)) ? (typeof reply === 'function' ? reply(r) : reply) : undefined);
}
