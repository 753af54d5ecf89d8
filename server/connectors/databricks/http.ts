/**
 * One profile's REST client for the Statement Execution API: bearer token, JSON in and out, and the
 * retries Databricks asks for. A 429 (and a 503 on a call that is safe to repeat) is retried after the
 * Retry-After the server sends; the sleep is injected so tests wait for nothing. Other answers that are
 * not 2xx become a DatabricksHttpError with Databricks' error_code and message; the token never appears
 * in a message.
 */
import type * as z from 'zod';
import { serviceErrorSchema } from './wire';

export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

export class DatabricksHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'DatabricksHttpError';
  }
}

/** Nothing usable came back: the network failed, or something that is not Databricks answered. */
export class DatabricksUnreachable extends Error {
  override readonly name = 'DatabricksUnreachable';
}

export interface HttpOptions {
  readonly host: string;
  readonly token: string;
  readonly sleep: Sleep;
  /** Retries of a throttled call before giving up (default 5). */
  readonly maxRetries?: number;
}

/** Retry-After is seconds (or an HTTP date); absent or unreadable, back off one second per attempt. */
function retryDelayMs(header: string | null, attempt: number): number {
  const seconds = header === null ? Number.NaN : Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 60) * 1000;
  const date = header === null ? Number.NaN : Date.parse(header);
  if (Number.isFinite(date)) return Math.min(Math.max(0, date - Date.now()), 60_000);
  return 1000 * (attempt + 1);
}

export class DatabricksHttp {
  private readonly base: string;

  constructor(private readonly options: HttpOptions) {
    this.base = options.host.replace(/\/+$/, '');
  }

  /**
   * `path` is absolute on the workspace (the API's own next_chunk_internal_link is such a path).
   * `repeatable`: the call may be sent again after a 503 (reads and cancels are; a submit is not).
   */
  async call<T>(method: 'GET' | 'POST', path: string, body: unknown, schema: z.ZodType<T>, signal: AbortSignal, repeatable: boolean): Promise<T> {
    const maxRetries = this.options.maxRetries ?? 5;
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        res = await fetch(`${this.base}${path}`, {
          method,
          headers: { authorization: `Bearer ${this.options.token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal,
        });
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        const cause = (error as Error & { cause?: Error }).cause;
        throw new DatabricksUnreachable(`${(cause ?? (error as Error)).message}`);
      }
      // 429 means the call was not taken; a 503 may follow a half-done call, so only repeatable ones retry.
      if ((res.status === 429 || (res.status === 503 && repeatable)) && attempt < maxRetries) {
        await res.body?.cancel();
        await this.options.sleep(retryDelayMs(res.headers.get('retry-after'), attempt), signal);
        continue;
      }
      const text = await res.text();
      let json: unknown;
      try {
        json = text === '' ? {} : JSON.parse(text);
      } catch {
        throw new DatabricksUnreachable(`the answer to ${method} ${path.split('?')[0]} was not JSON (HTTP ${res.status}, ${res.headers.get('content-type') ?? 'no content type'})`);
      }
      if (!res.ok) {
        const parsed = serviceErrorSchema.safeParse(json);
        const e = parsed.success ? parsed.data : {};
        throw new DatabricksHttpError(res.status, e.error_code, e.message ?? `HTTP ${res.status}`);
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) throw new DatabricksUnreachable(`the answer to ${method} ${path.split('?')[0]} is not the answer Databricks gives (${parsed.error.issues[0]?.message ?? 'unexpected shape'})`);
      return parsed.data;
    }
  }
}
