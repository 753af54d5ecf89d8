/**
 * Abuse and identity at the edges (issue "Survives faults, loses nothing"): HTTP rate limits, origins from
 * configuration (DNS rebinding), session-bound CSRF tokens, canonical proxy names, malformed cookies.
 * Real server in-process on loopback; every test sends what an attacker or a broken client would.
 */
import http from 'node:http';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPROVER, csrfTokenFor, headersFor, OPERATOR, SECOND_APPROVER, startHarness, type Harness, type TestUser } from './testing/harness';
import type { Approval } from './api';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    setupSql: 'create table t as select 1 as x',
    limits: { httpRequestsPerWindow: 40, httpExpensivePerWindow: 3, httpWindowSeconds: 3600 },
    snippets: { 'rb/fix': { text: 'delete from t', mode: 'write', role: 'escalation', approver: 'implementation-manager' } },
  });
}, 60_000);
afterAll(async () => h?.close());

const OSKAR_SHOUTING: TestUser = { user: '  OSKAR.ONCALL ', groups: SECOND_APPROVER.groups };
const requestFix = (as: TestUser) =>
  h.api('POST', '/api/approvals', as, { snippet: 'rb/fix', sha256: h.manifest.snippets['rb/fix']!.sha256, env: 'demo', params: {}, reason: 'duplicate hub keys after the rerun' });

/** A raw request, so Host, Origin and Cookie are exactly what an attacker sends. */
function raw(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const { hostname, port } = new URL(h.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body: text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('proxy user names', () => {
  it('are canonical: OSKAR cannot approve what oskar requested, and the display name keeps the spelling', async () => {
    const me = await h.api('GET', '/api/me', OSKAR_SHOUTING);
    expect(me.body).toMatchObject({ user: 'oskar.oncall', displayName: 'OSKAR.ONCALL' });
    const requested = await requestFix(SECOND_APPROVER);
    expect(requested.status).toBe(201);
    const decided = await h.api('POST', `/api/approvals/${(requested.body as Approval).id}/decision`, OSKAR_SHOUTING, { decision: 'approve', comment: 'looks fine' });
    expect(decided).toMatchObject({ status: 403, body: { error: { code: 'forbidden', message: expect.stringMatching(/own request/) } } });
  });
});

describe('CSRF tokens', () => {
  it("refuses a token issued to another session, even when cookie and header match", async () => {
    const imanis = await csrfTokenFor(h.url, APPROVER);
    const res = await raw('POST', '/api/approvals', { ...headersFor(OPERATOR), cookie: `opsbook_csrf=${imanis}`, 'x-csrf-token': imanis, 'content-type': 'application/json' }, '{}');
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'csrf' } });
    // The same request with the operator's own token gets past the CSRF check (to validation).
    const own = await csrfTokenFor(h.url, OPERATOR);
    const ok = await raw('POST', '/api/approvals', { ...headersFor(OPERATOR), cookie: `opsbook_csrf=${own}`, 'x-csrf-token': own, 'content-type': 'application/json' }, '{}');
    expect(ok.status).toBe(400);
  });

  it('refuses a made-up pair of cookie and header', async () => {
    const res = await raw('POST', '/api/approvals', { ...headersFor(OPERATOR), cookie: 'opsbook_csrf=abc.def', 'x-csrf-token': 'abc.def', 'content-type': 'application/json' }, '{}');
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'csrf' } });
  });
});

describe('origins come from configuration, not from the Host header', () => {
  it('refuses a socket from a DNS-rebinding page (Host: evil.example, Origin: http://evil.example)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(h.wsUrl, { origin: 'http://evil.example', headers: { ...headersFor(OPERATOR), host: 'evil.example' } });
      ws.once('open', () => reject(new Error('the socket opened')));
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode!));
      ws.once('error', () => undefined);
    });
    expect(status).toBe(403);
  });

  it('refuses a state-changing request from a DNS-rebinding page', async () => {
    const victim: TestUser = { user: 'rebind.victim', groups: ['ops'] };
    const token = await csrfTokenFor(h.url, victim);
    const res = await raw('POST', '/api/approvals', { ...headersFor(victim), host: 'evil.example', origin: 'http://evil.example', cookie: `opsbook_csrf=${token}`, 'x-csrf-token': token, 'content-type': 'application/json' }, '{}');
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'forbidden', message: expect.stringMatching(/evil\.example/) } });
  });

  it("still accepts the server's own loopback origin (the demo default)", async () => {
    const c = await h.connect();
    c.close();
  });
});

describe('malformed requests', () => {
  it('answers a bad % escape in a cookie with 400, not 500, on HTTP and on the socket upgrade', async () => {
    const res = await raw('GET', '/api/me', { ...headersFor(OPERATOR), cookie: 'opsbook_csrf=%E0%A4%A' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'bad_request', message: expect.stringMatching(/opsbook_csrf.*malformed/) } });
    const demo = await raw('GET', '/api/me', { ...headersFor(OPERATOR), cookie: 'opsbook_demo_user=%zz' });
    expect(demo.status).toBeLessThan(500);
  });

  it('answers an oversized cookie with 400 and an oversized header block with 431, in the error shape', async () => {
    const big = await raw('GET', '/api/me', { ...headersFor(OPERATOR), cookie: `opsbook_csrf=${'a'.repeat(9000)}` });
    expect(big.status).toBe(400);
    const huge = await raw('GET', '/api/me', { ...headersFor(OPERATOR), 'x-junk': 'a'.repeat(20_000) });
    expect(huge.status).toBe(431);
    expect(JSON.parse(huge.body)).toMatchObject({ error: { code: 'bad_request' } });
  });
});

describe('HTTP rate limits', () => {
  it('answers 429 with Retry-After once a user is over the expensive-route budget, per user', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await h.api('GET', '/api/audit.csv', APPROVER)).status);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    const res = await raw('GET', '/api/audit.csv', headersFor(APPROVER));
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'rate_limited', message: expect.stringMatching(/at most 3 per 3600 s\); try again in \d+ s/) } });
    // Another user's budget is their own.
    expect((await h.api('GET', '/api/me', OPERATOR)).status).toBe(200);
  });

  it('limits all API requests per user and keeps /api/health exempt', async () => {
    const user: TestUser = { user: 'busy.bee', groups: ['ops'] };
    let last = 0;
    for (let i = 0; i < 45 && last !== 429; i++) last = (await raw('GET', '/api/me', headersFor(user))).status;
    expect(last).toBe(429);
    expect((await raw('GET', '/api/health', headersFor(user))).status).toBe(200);
  });

  it('limits unauthenticated requests per address', async () => {
    let last = 0;
    for (let i = 0; i < 45 && last !== 429; i++) last = (await raw('GET', '/api/me', {})).status;
    expect(last).toBe(429);
  });
});
