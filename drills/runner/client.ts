/**
 * The page's side of the wire, for one demo identity: JSON calls with the demo-user cookie, the CSRF
 * double-submit and the page's Origin, and a WebSocket that sends `run` messages and waits for `done`.
 * The drill runner talks to the server only through this, exactly as a browser would.
 */
import WebSocket from 'ws';
import type { DoneMessage, RunMessage, ServerMessage } from '../../server/protocol';

export class PageClient {
  /** The CSRF token the server issued to this identity (it is bound to who is signed in), as a page gets it. */
  private csrf: string | null = null;
  private socket: WebSocket | null = null;
  private readonly waiting = new Map<string, { resolve: (m: DoneMessage) => void; messages: ServerMessage[] }>();
  private next = 0;

  constructor(
    readonly baseUrl: string,
    readonly user: string,
  ) {}

  private get cookie(): string {
    return `opsbook_demo_user=${encodeURIComponent(this.user)}${this.csrf ? `; opsbook_csrf=${this.csrf}` : ''}`;
  }

  /** Signs in like the page: GET /api/me as this demo user sets the CSRF cookie the server signed for them. */
  private async token(): Promise<string> {
    if (this.csrf) return this.csrf;
    const res = await fetch(`${this.baseUrl}/api/me`, { headers: { cookie: this.cookie, origin: this.baseUrl } });
    const token = /opsbook_csrf=([^;]+)/.exec(res.headers.getSetCookie().join('\n'))?.[1];
    if (!token) throw new Error(`GET /api/me as ${this.user} set no CSRF cookie (HTTP ${res.status}).`);
    this.csrf = token;
    return token;
  }

  async api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const csrf = await this.token();
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { cookie: this.cookie, origin: this.baseUrl, 'x-csrf-token': csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as unknown) : null;
    if (!res.ok) {
      const error = (json as { error?: { code?: string; message?: string } } | null)?.error;
      throw new Error(`${method} ${path} as ${this.user}: HTTP ${res.status} ${error?.code ?? ''}: ${error?.message ?? text}`);
    }
    return json as T;
  }

  private open(): Promise<WebSocket> {
    if (this.socket?.readyState === WebSocket.OPEN) return Promise.resolve(this.socket);
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${this.baseUrl.replace(/^http/, 'ws')}/api/ws`, { origin: this.baseUrl, headers: { cookie: this.cookie } });
      socket.on('message', (data) => {
        const m = JSON.parse(data.toString()) as ServerMessage;
        const w = 'id' in m && typeof m.id === 'string' ? this.waiting.get(m.id) : undefined;
        if (!w) return;
        w.messages.push(m);
        if (m.type === 'done') {
          this.waiting.delete(m.id);
          w.resolve(m);
        }
      });
      socket.once('open', () => {
        this.socket = socket;
        resolve(socket);
      });
      socket.once('unexpected-response', (_req, res) => reject(new Error(`the server refused the WebSocket for ${this.user}: HTTP ${res.statusCode}`)));
      socket.once('error', reject);
      socket.once('close', () => {
        for (const [id, w] of this.waiting) w.resolve({ type: 'done', id, status: 'failed', rowCount: 0, truncated: false, elapsedMs: 0, error: { code: 'unavailable', message: 'the socket closed before the run ended' } });
        this.waiting.clear();
      });
    });
  }

  /** Sends a `run` and resolves with its `done` (Airflow runs are followed to the end by the server). */
  async run(message: Omit<RunMessage, 'type' | 'id'>): Promise<{ done: DoneMessage; messages: readonly ServerMessage[] }> {
    const socket = await this.open();
    const id = `drill${++this.next}`;
    const messages: ServerMessage[] = [];
    const done = new Promise<DoneMessage>((resolve) => this.waiting.set(id, { resolve, messages }));
    socket.send(JSON.stringify({ type: 'run', id, ...message }));
    return { done: await done, messages };
  }

  close(): void {
    this.socket?.close();
    this.socket = null;
  }
}
