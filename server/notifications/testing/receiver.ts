/**
 * The common part of the contract fakes: a loopback HTTP server that reads JSON POSTs, can be told to
 * answer the next requests with a failure or a 429 (with Retry-After), and keeps what it accepted.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Received {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly raw: string;
}

export abstract class ContractReceiver {
  private server: http.Server | null = null;
  private readonly forced: Answer[] = [];
  /** Every request, in order, whatever was answered. */
  readonly requests: Received[] = [];
  private readonly waiters = new Set<() => void>();

  /** Validates one request as the real service would and answers it. */
  protected abstract handle(request: Received): Answer;

  /** The next `times` requests get `status` (e.g. 500, 503) whatever they hold. */
  failNext(times: number, status = 500, body = 'unavailable'): this {
    for (let i = 0; i < times; i++) this.forced.push({ status, body });
    return this;
  }

  /** The next `times` requests are rate limited: 429 with Retry-After (seconds), as both services document. */
  rateLimitNext(times: number, retryAfterSeconds: number, body = 'rate_limited'): this {
    for (let i = 0; i < times; i++) this.forced.push({ status: 429, body, headers: { 'Retry-After': String(retryAfterSeconds) } });
    return this;
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const received: Received = { path: req.url ?? '/', headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') };
        this.requests.push(received);
        const answer = req.method !== 'POST' ? { status: 405, body: 'method_not_allowed' } : (this.forced.shift() ?? this.handle(received));
        res.writeHead(answer.status, { 'Content-Type': answer.contentType ?? 'text/plain', ...(answer.headers ?? {}) });
        res.end(answer.body);
        for (const w of [...this.waiters]) w();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves once `predicate` holds (checked after every request), or rejects after a generous guard. */
  waitFor(predicate: () => boolean, what: string, guardMs = 60_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate()) return;
        this.waiters.delete(check);
        clearTimeout(guard);
        resolve();
      };
      const guard = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`${what} never happened; received ${this.requests.length} request(s)`));
      }, guardMs);
      this.waiters.add(check);
      check();
    });
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

export function parseJson(raw: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(raw) as unknown };
  } catch {
    return { ok: false };
  }
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
