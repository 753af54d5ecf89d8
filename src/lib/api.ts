/**
 * A small typed client for the JSON API (server/api.ts). Every call sends cookies (`credentials:
 * 'include'`, so author mode works across ports); every POST carries `X-CSRF-Token` equal to the
 * `opsbook_csrf` cookie, which the server sets on GET /api/me — when the cookie is missing the client
 * asks /api/me once for it first. Non-2xx answers become an ApiError with the server's own message.
 * No React and no Docusaurus imports here (unit-tested in Node); the hook is in useApi.ts.
 */

export const CSRF_COOKIE = 'opsbook_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

/** An HTTP failure: `status` 0 when the server could not be reached; `code` from the error body. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiClient {
  readonly base: string;
  get<T>(path: string, signal?: AbortSignal): Promise<T>;
  post<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T>;
  /** An absolute-or-relative URL for a path, for links (CSV export). */
  url(path: string): string;
}

export interface ApiOptions {
  /** For tests: a fetch other than the global one. */
  readonly fetchImpl?: typeof fetch;
  /** For tests: the cookie string (`document.cookie` in the browser). */
  readonly cookies?: () => string;
}

/** The value of one cookie in a `document.cookie` string, or null. */
export function readCookie(cookieString: string, name: string): string | null {
  for (const part of cookieString.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const raw = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  return null;
}

/** A query string from filters, leaving out empty values; '' when nothing is set. */
export function queryString(params: Readonly<Record<string, string | number | boolean | null | undefined>>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === '' || value === false) continue;
    search.set(key, value === true ? '1' : String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

function isErrorBody(body: unknown): body is { error: { code: string; message: string } } {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const error = (body as { error: unknown }).error;
  return typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string';
}

async function toError(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    /* not JSON: fall back to the status line */
  }
  if (isErrorBody(body)) return new ApiError(body.error.message, res.status, typeof body.error.code === 'string' ? body.error.code : 'error');
  const fallback: Record<number, string> = {
    401: 'You are not signed in.',
    403: 'You are not allowed to do this.',
    404: 'Not found.',
    429: 'Too many requests: wait a moment and try again.',
  };
  return new ApiError(fallback[res.status] ?? `The server answered ${res.status} ${res.statusText}`.trim(), res.status, `http_${res.status}`);
}

export function createApi(base: string, options: ApiOptions = {}): ApiClient {
  const doFetch = (input: string, init: RequestInit): Promise<Response> => (options.fetchImpl ?? fetch)(input, init);
  const cookies = options.cookies ?? (() => (typeof document === 'undefined' ? '' : document.cookie));
  const url = (path: string): string => `${base}${path}`;

  async function send<T>(method: 'GET' | 'POST', path: string, init: RequestInit): Promise<T> {
    let res: Response;
    try {
      res = await doFetch(url(path), { ...init, method, credentials: 'include' });
    } catch (error) {
      if (error instanceof Error && error.name === 'AbortError') throw error;
      throw new ApiError(`Could not reach the Opsbook server${base ? ` at ${base}` : ''}. Check that it is running, then try again.`, 0, 'unavailable');
    }
    if (!res.ok) throw await toError(res);
    if (res.status === 204) return undefined as T;
    try {
      return (await res.json()) as T;
    } catch {
      throw new ApiError(`The server's answer to ${method} ${path} was not JSON.`, res.status, 'bad_response');
    }
  }

  async function csrfToken(signal?: AbortSignal): Promise<string> {
    let token = readCookie(cookies(), CSRF_COOKIE);
    if (token === null) {
      // The cookie comes with GET /api/me; a page that has not asked yet (or whose cookie expired) asks now.
      await send('GET', '/api/me', { headers: { accept: 'application/json' }, ...(signal ? { signal } : {}) });
      token = readCookie(cookies(), CSRF_COOKIE);
    }
    if (token === null) throw new ApiError('The server did not set its CSRF cookie; reload the page and try again.', 0, 'csrf_missing');
    return token;
  }

  return {
    base,
    url,
    get: <T>(path: string, signal?: AbortSignal) => send<T>('GET', path, { headers: { accept: 'application/json' }, ...(signal ? { signal } : {}) }),
    async post<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
      const token = await csrfToken(signal);
      return send<T>('POST', path, {
        headers: { accept: 'application/json', 'content-type': 'application/json', [CSRF_HEADER]: token },
        body: JSON.stringify(body ?? {}),
        ...(signal ? { signal } : {}),
      });
    },
  };
}

const clients = new Map<string, ApiClient>();

/** The shared client for a server base ('' = same origin). */
export function getApi(base: string): ApiClient {
  let client = clients.get(base);
  if (!client) {
    client = createApi(base);
    clients.set(base, client);
  }
  return client;
}
