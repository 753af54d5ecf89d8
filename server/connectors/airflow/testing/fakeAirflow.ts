/**
 * A tiny local HTTP server for client tests: answers from fixtures written from the specs, records every
 * request, and can be told to fail (5xx, dropped connections) to exercise retries.
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
}

export type Route = (req: Recorded) => Reply | undefined;

export interface FakeAirflow {
  readonly url: string;
  readonly requests: Recorded[];
  /** Routes tried in order; the first that returns a reply answers. */
  routes: Route[];
  close(): Promise<void>;
}

const fixtures = path.join(__dirname, '..', '__fixtures__');

export function fixture(name: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(fixtures, `${name}.json`), 'utf8')) as unknown;
}

export async function startFakeAirflow(routes: Route[] = []): Promise<FakeAirflow> {
  const requests: Recorded[] = [];
  const fake = { routes } as FakeAirflow;
  const server = http.createServer((req, res) => {
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
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(fake, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  });
}

/** Matches a method and a path (exact, or a RegExp) and replies. */
export function on(method: string, p: string | RegExp, reply: Reply | ((r: Recorded) => Reply)): Route {
  return (r) => (r.method === method && (typeof p === 'string' ? r.path === p : p.test(r.path)) ? (typeof reply === 'function' ? reply(r) : reply) : undefined);
}
