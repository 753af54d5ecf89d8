import { describe, expect, it } from 'vitest';
import { ApiError, createApi, CSRF_HEADER, queryString, readCookie } from './api';

interface Call {
  readonly url: string;
  readonly init: RequestInit;
}

/** A fetch that records calls and answers from a script; `jar` plays document.cookie. */
function fakeServer(answer: (url: string, init: RequestInit, jar: { cookie: string }) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const jar = { cookie: '' };
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(input), init: init ?? {} });
    return answer(String(input), init ?? {}, jar);
  }) as typeof fetch;
  return { calls, jar, api: (base = '') => createApi(base, { fetchImpl, cookies: () => jar.cookie }) };
}

const json = (status: number, body: unknown): Response => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

function header(init: RequestInit, name: string): string | undefined {
  const headers = init.headers as Record<string, string> | undefined;
  const key = Object.keys(headers ?? {}).find((k) => k.toLowerCase() === name.toLowerCase());
  return key ? headers?.[key] : undefined;
}

describe('readCookie', () => {
  it('finds one cookie among several and decodes it', () => {
    expect(readCookie('a=1; opsbook_csrf=t%2Bk; b=2', 'opsbook_csrf')).toBe('t+k');
    expect(readCookie('xopsbook_csrf=1', 'opsbook_csrf')).toBeNull();
    expect(readCookie('', 'opsbook_csrf')).toBeNull();
  });
});

describe('queryString', () => {
  it('leaves out empty filters and encodes the rest', () => {
    expect(queryString({ runbook: 'a b', user: '', env: null, limit: 100, offset: 0, mine: true })).toBe('?runbook=a+b&limit=100&offset=0&mine=1');
    expect(queryString({ runbook: '' })).toBe('');
  });
});

describe('createApi', () => {
  it('sends cookies on GET, from the configured server, without a CSRF header', async () => {
    const server = fakeServer(() => json(200, { ok: true }));
    await expect(server.api('http://127.0.0.1:3124').get('/api/me')).resolves.toEqual({ ok: true });
    const [call] = server.calls;
    expect(call?.url).toBe('http://127.0.0.1:3124/api/me');
    expect(call?.init.credentials).toBe('include');
    expect(call?.init.method).toBe('GET');
    expect(header(call!.init, CSRF_HEADER)).toBeUndefined();
  });

  it('sends the opsbook_csrf cookie as X-CSRF-Token on POST, with a JSON body', async () => {
    const server = fakeServer(() => json(201, { id: 'a1' }));
    server.jar.cookie = 'other=x; opsbook_csrf=tok123';
    await expect(server.api().post('/api/approvals', { reason: 'r' })).resolves.toEqual({ id: 'a1' });
    const [call] = server.calls;
    expect(call?.init.method).toBe('POST');
    expect(call?.init.credentials).toBe('include');
    expect(header(call!.init, 'X-CSRF-Token')).toBe('tok123');
    expect(header(call!.init, 'content-type')).toBe('application/json');
    expect(JSON.parse(String(call?.init.body))).toEqual({ reason: 'r' });
  });

  it('asks /api/me for the CSRF cookie when the page has none yet', async () => {
    const server = fakeServer((url, _init, jar) => {
      if (url === '/api/me') {
        jar.cookie = 'opsbook_csrf=fresh';
        return json(200, { user: 'dana' });
      }
      return json(200, { decided: true });
    });
    await server.api().post('/api/approvals/a1/decision', { decision: 'approve', comment: 'ok' });
    expect(server.calls.map((c) => `${c.init.method} ${c.url}`)).toEqual(['GET /api/me', 'POST /api/approvals/a1/decision']);
    expect(header(server.calls[1]!.init, CSRF_HEADER)).toBe('fresh');
  });

  it("turns an error body into an ApiError with the server's message, status and code", async () => {
    const server = fakeServer(() => json(429, { error: { code: 'rate_limited', message: 'Too many approval requests; wait a minute.' } }));
    server.jar.cookie = 'opsbook_csrf=t';
    const error = await server.api().post('/api/approvals', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ message: 'Too many approval requests; wait a minute.', status: 429, code: 'rate_limited' });
  });

  it('says what went wrong when the error is not JSON', async () => {
    const server = fakeServer(() => new Response('<html>gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    await expect(server.api().get('/api/audit')).rejects.toMatchObject({ status: 502, code: 'http_502', message: 'The server answered 502 Bad Gateway' });
    const forbidden = fakeServer(() => new Response('', { status: 403 }));
    await expect(forbidden.api().get('/api/audit')).rejects.toMatchObject({ status: 403, message: 'You are not allowed to do this.' });
  });

  it('reports an unreachable server as status 0, code unavailable', async () => {
    const server = fakeServer(() => {
      throw new TypeError('fetch failed');
    });
    await expect(server.api('http://127.0.0.1:9').get('/api/me')).rejects.toMatchObject({ status: 0, code: 'unavailable', message: expect.stringContaining('http://127.0.0.1:9') });
  });

  it('lets an abort through as an abort, not as an unreachable server', async () => {
    const server = fakeServer(() => {
      throw new DOMException('aborted', 'AbortError');
    });
    await expect(server.api().get('/api/audit')).rejects.toMatchObject({ name: 'AbortError' });
  });
});
