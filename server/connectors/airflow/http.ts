/**
 * The one place the Airflow client touches the network: node:http(s) with a keep-alive agent, TLS
 * options (a private CA, or verification off for a lab), a timeout per attempt, and retries with
 * exponential backoff on 5xx and connection errors — only for requests the caller marks as safe to
 * repeat (reads), because a retried trigger could start a second DAG run. Those others never ride a
 * pooled connection: a webserver restarted since the last call leaves a dead socket in the pool, and a
 * write sent on it fails though nothing is wrong now.
 */
import http from 'node:http';
import https from 'node:https';
import { ConnectorError } from '../types';

export interface HttpClientOptions {
  /** Root of the Airflow webserver, e.g. https://airflow.internal (no /api/v1). */
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly tls?: { readonly ca?: string; readonly rejectUnauthorized?: boolean };
  /** Extra attempts for retryable requests. */
  readonly retries: number;
  /** First backoff; doubles each attempt, with jitter. */
  readonly backoffMs: number;
}

export type Query = Readonly<Record<string, string | number | boolean | readonly string[] | null | undefined>>;

export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path under the base URL, segments already encoded. */
  readonly path: string;
  readonly query?: Query;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  /** Safe to repeat: retried on 5xx and connection errors. */
  readonly retry?: boolean;
}

export interface HttpResponse {
  readonly status: number;
  /** Parsed JSON when the answer is JSON, else the text. */
  readonly body: unknown;
}

const RETRY_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET']);
const MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface HttpClient {
  request(req: HttpRequest): Promise<HttpResponse>;
  /** The base URL without credentials, for messages. */
  readonly origin: string;
  close(): void;
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const base = new URL(options.baseUrl.replace(/\/+$/, ''));
  const secure = base.protocol === 'https:';
  if (!secure && base.protocol !== 'http:') throw new ConnectorError('unavailable', `Airflow url must be http(s)://…, not ${base.protocol}`);
  // Credentials never travel in the URL: they would end up in messages and proxy logs.
  const origin = `${base.protocol}//${base.host}${base.pathname === '/' ? '' : base.pathname}`;
  const agentOf = (keepAlive: boolean) =>
    secure
      ? new https.Agent({ keepAlive, ...(options.tls?.ca ? { ca: options.tls.ca } : {}), rejectUnauthorized: options.tls?.rejectUnauthorized ?? true })
      : new http.Agent({ keepAlive });
  const pooled = agentOf(true);
  const fresh = agentOf(false);

  const once = (req: HttpRequest): Promise<HttpResponse> =>
    new Promise((resolve, reject) => {
      const url = new URL(`${origin}${req.path}`);
      for (const [k, v] of Object.entries(req.query ?? {})) {
        if (v === undefined || v === null) continue;
        if (Array.isArray(v)) for (const item of v) url.searchParams.append(k, item);
        else url.searchParams.set(k, String(v));
      }
      const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
      const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
      if (payload) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(payload.length);
      }
      const agent = req.retry === true ? pooled : fresh;
      const outgoing = (secure ? https : http).request(url, { method: req.method, headers, agent, signal: req.signal, timeout: options.timeoutMs }, (res) => {
        // An error from here on is an answer cut short, not an unreachable server: say so.
        const cut = (error: Error) => reject(Object.assign(error, { midAnswer: true }));
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) res.destroy(new Error(`response larger than ${MAX_BODY_BYTES} bytes`));
          else chunks.push(chunk);
        });
        res.on('error', cut);
        res.on('end', () => {
          // Node ends a response whose socket closed early without an error event when nothing says how long it is.
          if (!res.complete) return cut(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          if (/json/.test(String(res.headers['content-type'] ?? '')) && text) {
            try {
              body = JSON.parse(text);
            } catch {
              // keep the text: the error message will show what came back
            }
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      });
      outgoing.on('timeout', () => outgoing.destroy(Object.assign(new Error('timeout'), { code: 'OPSBOOK_TIMEOUT' })));
      outgoing.on('error', reject);
      outgoing.end(payload);
    });

  return {
    origin,
    async request(req) {
      for (let attempt = 0; ; attempt++) {
        const canRetry = req.retry === true && attempt < options.retries;
        try {
          const res = await once(req);
          if (res.status >= 500 && canRetry) {
            await backoff(options.backoffMs, attempt, req.signal);
            continue;
          }
          return res;
        } catch (error) {
          const e = error as NodeJS.ErrnoException;
          if (req.signal?.aborted || e.name === 'AbortError') throw new ConnectorError('cancelled', 'Stopped: the run was cancelled.');
          if (e.code === 'OPSBOOK_TIMEOUT') {
            throw new ConnectorError('timeout', `Airflow at ${origin} did not answer ${req.method} ${req.path.split('?')[0]} within ${options.timeoutMs} ms.`, 'The webserver may be overloaded; try again, or raise timeoutMs on this connection.');
          }
          if (canRetry && (RETRY_CODES.has(e.code ?? '') || /socket hang up/.test(e.message))) {
            await backoff(options.backoffMs, attempt, req.signal);
            continue;
          }
          const what = `${req.method} ${req.path.split('?')[0]}`;
          if ((error as { midAnswer?: boolean }).midAnswer) {
            throw new ConnectorError(
              'unavailable',
              `Airflow at ${origin} closed the connection in the middle of its answer to ${what} (${e.code ?? e.message}).`,
              `The webserver may have restarted, or a proxy cut the answer. Run it again${req.retry === true ? '' : ' after checking in Airflow whether the change was made'}; if it keeps happening, check the webserver logs.`,
            );
          }
          throw new ConnectorError(
            'unavailable',
            `Cannot reach Airflow at ${origin} for ${what}: ${e.code ?? e.message}.`,
            tlsHint(e) ?? 'Check the connection url, that the webserver is up, and the network between Opsbook and Airflow; then run it again.',
          );
        }
      }
    },
    close() {
      pooled.destroy();
      fresh.destroy();
    },
  };
}

function tlsHint(e: NodeJS.ErrnoException): string | null {
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(e.code ?? '')) {
    return "The server's TLS certificate is not trusted: set tls.ca to your CA's PEM (file path or text) on this connection.";
  }
  return null;
}

function backoff(baseMs: number, attempt: number, signal: AbortSignal | undefined): Promise<void> {
  const ms = baseMs * 2 ** attempt * (0.75 + Math.random() * 0.5);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ConnectorError('cancelled', 'Stopped: the run was cancelled.'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
