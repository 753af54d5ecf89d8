/**
 * The security suite (issue #5): each attack is tried against the real server in-process, and the test
 * proves it was refused — and, where an attempt reached the run path, audited.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, APPROVER, OPERATOR, SECOND_APPROVER, startHarness, type Harness, type TestClient } from './testing/harness';
import type { Approval } from './api';
import type { DoneMessage, ServerMessage } from './protocol';

let clock = new Date('2026-11-23T09:00:00.000Z');
const received: { path: string; body: unknown }[] = [];
let receiver: http.Server;
let h: Harness;

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(data) as unknown });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const port = (receiver.address() as AddressInfo).port;
  // The Slack webhook URL is a secret: the configuration may only reference it (${ENV}).
  process.env.SECURITY_TEST_SLACK_URL = `http://127.0.0.1:${port}/slack`;
  h = await startHarness({
    setupSql: `create schema rdv; create table rdv.hub_customer as select i as customer_id, 'k' || i as customer_bk from range(100) t(i);`,
    limits: { runsPerUser: 2, runsPerSocket: 4, statementTimeoutMs: 5000 },
    extraConfig: `approvals: {ttlMinutes: 60, requestsPerMinute: 5}\nnotifications: {slackWebhookUrl: "\${SECURITY_TEST_SLACK_URL}", webhookUrl: "http://127.0.0.1:${port}/hook", publicUrl: "http://opsbook.test"}\n`,
    now: () => clock,
    snippets: {
      'rb/fix-dupes': {
        text: 'delete from rdv.hub_customer where customer_id >= :from_id',
        mode: 'write', role: 'escalation', approver: 'implementation-manager', step: 'fix',
        params: [{ name: 'from_id', type: 'int', default: '90' }],
      },
      'rb/count': { text: 'select count(*) from rdv.hub_customer', expect: 'value > 0' },
      'rb/typed': {
        text: 'select :d::varchar, :dt::varchar, :i, :n, :s, :id, :e',
        params: [
          { name: 'd', type: 'date', default: 'today' }, { name: 'dt', type: 'datetime', default: '2026-11-23T08:00' },
          { name: 'i', type: 'int', default: '1' }, { name: 'n', type: 'number', default: '1.5' }, { name: 's', type: 'string', default: 'x' },
          { name: 'id', type: 'identifier', default: 'rdv.hub_customer' }, { name: 'e', type: 'enum(ldz|rdv)', default: 'rdv' },
        ],
      },
      'rb/slow': { text: 'select count(*) from range(100000000000)' },
    },
  });
}, 60_000);

afterAll(async () => {
  await h?.close();
  await new Promise((r) => receiver.close(r));
});

let seq = 0;
async function run(client: TestClient, snippet: string, extra: Record<string, unknown> = {}): Promise<DoneMessage> {
  const id = `s${++seq}`;
  client.send({ type: 'run', id, snippet, sha256: h.manifest.snippets[snippet]!.sha256, env: 'demo', params: {}, ...extra });
  return client.done(id);
}
const requestFix = (as = OPERATOR, params: Record<string, unknown> = {}) =>
  h.api('POST', '/api/approvals', as, { snippet: 'rb/fix-dupes', sha256: h.manifest.snippets['rb/fix-dupes']!.sha256, env: 'demo', params, reason: 'duplicate hub keys after the rerun' });

describe('approvals', () => {
  it('runs an escalation step once: request, another approver approves, the requester sees it pushed and runs it', async () => {
    const operator = await h.connect({ as: OPERATOR });
    const approverSocket = await h.connect({ as: APPROVER });
    const req = await requestFix();
    expect(req.status).toBe(201);
    const approval = req.body as Approval;
    expect(approval).toMatchObject({ status: 'pending', params: { from_id: 90 }, requestedBy: { user: OPERATOR.user }, approverRole: 'implementation-manager' });
    expect(approval.preview).toMatchObject({ kind: 'sql', affectedRows: 10 });
    await approverSocket.waitFor((m): m is ServerMessage => m.type === 'approval' && m.approval.id === approval.id);

    const inbox = await h.api('GET', '/api/approvals?status=pending', APPROVER);
    expect((inbox.body as { approvals: Approval[] }).approvals.map((a) => a.id)).toContain(approval.id);
    const decided = await h.api('POST', `/api/approvals/${approval.id}/decision`, APPROVER, { decision: 'approve', comment: 'ok, duplicates confirmed' });
    expect(decided.body).toMatchObject({ status: 'approved', decidedBy: { user: APPROVER.user } });
    await operator.waitFor((m): m is ServerMessage => m.type === 'approval' && m.approval.id === approval.id && m.approval.status === 'approved');

    expect(await run(operator, 'rb/fix-dupes', { approval: approval.id })).toMatchObject({ status: 'succeeded' });
    await approverSocket.waitFor((m): m is ServerMessage => m.type === 'approval' && m.approval.id === approval.id && m.approval.status === 'used');
    expect(await run(operator, 'rb/fix-dupes', { approval: approval.id })).toMatchObject({ status: 'rejected', error: { code: 'approval_invalid' } });
    expect(await run(operator, 'rb/count')).toMatchObject({ status: 'succeeded' });
    const audit = await h.api('GET', `/api/audit?runbook=rb&limit=50`, ADMIN);
    const kinds = (audit.body as { records: { kind: string; status: string; approval: string | null }[] }).records.filter((r) => r.approval === approval.id).map((r) => `${r.kind}:${r.status}`);
    expect(kinds).toEqual(expect.arrayContaining(['approval_request:requested', 'approval_decision:approved', 'run:succeeded', 'run:rejected']));
    operator.close();
    approverSocket.close();
  });

  it('notifies a Slack-compatible and a generic webhook of requests and decisions', async () => {
    await expect.poll(() => received.map((r) => r.path)).toEqual(expect.arrayContaining(['/slack', '/hook']));
    const slack = received.find((r) => r.path === '/slack')!.body as { text: string };
    expect(slack.text).toMatch(/Dana|dana\.operator/);
    expect(slack.text).toContain('http://opsbook.test/approvals');
    const hooks = received.filter((r) => r.path === '/hook').map((r) => (r.body as { event: string }).event);
    expect(hooks).toEqual(expect.arrayContaining(['approval.requested', 'approval.approved']));
  });

  it('refuses an escalation step without an approval', async () => {
    const c = await h.connect();
    expect(await run(c, 'rb/fix-dupes')).toMatchObject({ status: 'rejected', error: { code: 'approval_required' } });
    c.close();
  });

  it('refuses self-approval, even by someone who is both operator and approver', async () => {
    const own = await requestFix(SECOND_APPROVER);
    const res = await h.api('POST', `/api/approvals/${(own.body as Approval).id}/decision`, SECOND_APPROVER, { decision: 'approve', comment: 'me' });
    expect(res).toMatchObject({ status: 403, body: { error: { code: 'forbidden', message: expect.stringMatching(/own request/) } } });
  });

  it('refuses a decision from someone who is not an approver', async () => {
    const req = await requestFix(SECOND_APPROVER);
    const res = await h.api('POST', `/api/approvals/${(req.body as Approval).id}/decision`, OPERATOR, { decision: 'approve', comment: 'sure' });
    expect(res.status).toBe(403);
  });

  it('refuses an approval used with other parameters, in another environment, or by someone else', async () => {
    const a = (await requestFix(OPERATOR, { from_id: 95 })).body as Approval;
    await h.api('POST', `/api/approvals/${a.id}/decision`, APPROVER, { decision: 'approve', comment: 'ok' });
    const operator = await h.connect({ as: OPERATOR });
    const other = await h.connect({ as: SECOND_APPROVER });
    expect(await run(operator, 'rb/fix-dupes', { approval: a.id, params: { from_id: 1 } })).toMatchObject({ error: { code: 'approval_invalid', message: expect.stringMatching(/parameters differ/) } });
    expect(await run(operator, 'rb/fix-dupes', { approval: a.id, params: { from_id: 95 }, env: 'prod', confirm: 'prod' })).toMatchObject({ status: 'rejected' });
    expect(await run(other, 'rb/fix-dupes', { approval: a.id, params: { from_id: 95 } })).toMatchObject({ error: { code: 'approval_invalid', message: expect.stringMatching(/only the requester/) } });
    expect(await run(operator, 'rb/fix-dupes', { approval: a.id, params: { from_id: 95 } })).toMatchObject({ status: 'succeeded' });
    operator.close();
    other.close();
  });

  it('refuses an expired approval', async () => {
    const a = (await requestFix()).body as Approval;
    await h.api('POST', `/api/approvals/${a.id}/decision`, APPROVER, { decision: 'approve', comment: 'ok' });
    clock = new Date(clock.getTime() + 61 * 60_000);
    const c = await h.connect();
    expect(await run(c, 'rb/fix-dupes', { approval: a.id })).toMatchObject({ error: { code: 'approval_invalid', message: expect.stringMatching(/expired/) } });
    c.close();
  });

  it('rate-limits approval requests', async () => {
    clock = new Date(clock.getTime() + 5 * 60_000);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await requestFix(SECOND_APPROVER)).status);
    expect(statuses.slice(0, 5).every((s) => s === 201)).toBe(true);
    expect(statuses.slice(5)).toEqual([429, 429]);
  });
});

describe('roles', () => {
  it('lets an admin read the audit log but run nothing', async () => {
    const c = await h.connect({ as: ADMIN });
    expect(await run(c, 'rb/count')).toMatchObject({ status: 'rejected', error: { code: 'forbidden' } });
    expect((await h.api('GET', '/api/audit', ADMIN)).status).toBe(200);
    c.close();
  });
  it('keeps the audit log from operators', async () => {
    expect((await h.api('GET', '/api/audit', OPERATOR)).status).toBe(403);
    expect((await h.api('GET', '/api/audit.csv', OPERATOR)).status).toBe(403);
  });
  it('exports the audit log as CSV for approvers', async () => {
    const res = await h.api('GET', '/api/audit.csv?kind=run', APPROVER);
    expect(res.status).toBe(200);
    expect(String(res.body).split('\r\n')[0]).toBe('at,kind,user,roles,runbook,step,snippet,sha256,env,params,approval,runId,startedAt,endedAt,status,rowCount,check,errorCode,detail,id');
  });
});

describe('identity and requests', () => {
  it('refuses a socket and API calls that carry no identity from the proxy', async () => {
    await expect(h.connect({ as: null })).rejects.toThrow(/HTTP 401/);
    const res = await fetch(`${h.url}/api/me`);
    expect(res.status).toBe(401);
    expect(h.audit.events.some((e) => e.detail?.startsWith('socket refused'))).toBe(true);
  });

  it('refuses state-changing calls without the CSRF token', async () => {
    const res = await fetch(`${h.url}/api/approvals`, { method: 'POST', headers: { 'x-forwarded-user': OPERATOR.user, 'x-forwarded-groups': 'ops', 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: { code: 'csrf' } });
  });

  it('answers a malformed JSON body with a clear 400 and no stack trace', async () => {
    const res = await h.api('POST', '/api/approvals', OPERATOR, '{"snippet":');
    expect(res).toEqual({ status: 400, body: { error: { code: 'bad_request', message: 'Request body is not valid JSON.' } } });
  });

  it('sets security headers', async () => {
    const res = await fetch(`${h.url}/api/health`);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});

describe('parameters cannot inject SQL', () => {
  const payloads = ["1; drop table rdv.hub_customer", "' or '1'='1", '2026-11-23; delete from t', 'rdv.hub_customer; --', '$$', ':s'];
  for (const [name, type] of [['d', 'date'], ['dt', 'datetime'], ['i', 'int'], ['n', 'number'], ['id', 'identifier'], ['e', 'enum']] as const) {
    it(`rejects injection text in a ${type} parameter`, async () => {
      const c = await h.connect();
      for (const p of payloads) expect(await run(c, 'rb/typed', { params: { [name]: p } })).toMatchObject({ status: 'rejected', error: { code: 'invalid_params' } });
      c.close();
    });
  }
  it('binds injection text in a string parameter as a value', async () => {
    const c = await h.connect();
    const id = `inj-${++seq}`;
    c.send({ type: 'run', id, snippet: 'rb/typed', sha256: h.manifest.snippets['rb/typed']!.sha256, env: 'demo', params: { s: "x'); drop table rdv.hub_customer; --" } });
    expect(await c.done(id)).toMatchObject({ status: 'succeeded' });
    expect(c.of(id).find((m) => m.type === 'rows')).toMatchObject({ rows: [[expect.any(String), '2026-11-23 08:00:00', '1', 1.5, "x'); drop table rdv.hub_customer; --", 'rdv.hub_customer', 'rdv']] });
    expect(await run(c, 'rb/count')).toMatchObject({ status: 'succeeded' });
    c.close();
  });
});

describe('limits', () => {
  it('limits concurrent runs per user across sockets', async () => {
    const a = await h.connect();
    const b = await h.connect();
    const ids = ['u1', 'u2'];
    a.send({ type: 'run', id: ids[0]!, snippet: 'rb/slow', sha256: h.manifest.snippets['rb/slow']!.sha256, env: 'demo', params: {} });
    b.send({ type: 'run', id: ids[1]!, snippet: 'rb/slow', sha256: h.manifest.snippets['rb/slow']!.sha256, env: 'demo', params: {} });
    await a.waitFor((m): m is ServerMessage => m.type === 'accepted');
    await b.waitFor((m): m is ServerMessage => m.type === 'accepted');
    expect(await run(a, 'rb/count')).toMatchObject({ status: 'rejected', error: { code: 'busy', message: expect.stringMatching(/across your tabs/) } });
    a.send({ type: 'cancel', id: ids[0]! });
    b.send({ type: 'cancel', id: ids[1]! });
    await a.done(ids[0]!);
    await b.done(ids[1]!);
    a.close();
    b.close();
  });

  it('answers every run of a burst over the socket budget: the ones over it are rate_limited with when to retry, and audited', async () => {
    // A page's "Run every check" on a fast machine sends runs faster than the socket's budget (100 per 10 s).
    // A run over it must still get its `done`: the page's run would otherwise wait for ever.
    const c = await h.connect();
    const before = h.audit.events.filter((e) => e.errorCode === 'rate_limited').length;
    const ids = Array.from({ length: 110 }, (_, i) => `burst-${i}`);
    for (const id of ids) c.send({ type: 'run', id, snippet: 'rb/count', sha256: h.manifest.snippets['rb/count']!.sha256, env: 'demo', params: {} });
    const dones = await Promise.all(ids.map((id) => c.done(id)));
    const limited = dones.filter((d) => d.error?.code === 'rate_limited');
    expect(limited.length).toBeGreaterThan(0);
    for (const d of limited) expect(d).toMatchObject({ status: 'rejected', error: { message: expect.stringMatching(/limit of 100 messages per 10 s/), retryAfterMs: expect.any(Number) } });
    expect(limited.every((d) => (d.error?.retryAfterMs ?? 0) > 0)).toBe(true);
    await expect.poll(() => h.audit.events.filter((e) => e.errorCode === 'rate_limited').length - before).toBe(limited.length);
    expect(c.socket.readyState).toBe(c.socket.OPEN); // a burst is not a flood: the socket stays
    c.close();
  });

  it("closes a socket that floods 1,000 garbage messages, audits it, and another user's run completes normally", async () => {
    const attacker = await h.connect({ as: SECOND_APPROVER });
    const victim = await h.connect({ as: OPERATOR });
    const closed = new Promise<{ code: number; reason: string }>((resolve) => attacker.socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    const wide = JSON.stringify({ type: 'run', ...Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`k${i}`, i])) });
    const garbage = ['{', 'null', '[]', '{"type":"run"}', '{"type":"cancel","id":""}', 'x'.repeat(70_000), wide, JSON.stringify({ type: 'run', id: 'g', snippet: 'rb/count', sha256: 'f'.repeat(64), env: 'demo' })];
    for (let i = 0; i < 1000 && attacker.socket.readyState === attacker.socket.OPEN; i++) attacker.send(garbage[i % garbage.length]!);
    expect(await run(victim, 'rb/count')).toMatchObject({ status: 'succeeded' });
    expect(await closed).toEqual({ code: 1008, reason: expect.stringMatching(/message limit/) });
    expect(attacker.messages.some((m) => m.type === 'error' && /limit of .* per 10 s.*Retry in \d+ s/.test(m.message))).toBe(true);
    expect(attacker.messages.every((m) => m.type === 'hello' || m.type === 'error' || m.type === 'done')).toBe(true);
    await expect.poll(() => h.audit.events.find((e) => e.user === SECOND_APPROVER.user && /closed for flooding/.test(e.detail ?? ''))).toMatchObject({ status: 'rejected', errorCode: 'bad_message' });
    // The flooder may reconnect and work normally; the victim's socket was never touched.
    const again = await h.connect({ as: SECOND_APPROVER });
    expect(await run(again, 'rb/count')).toMatchObject({ status: 'succeeded' });
    again.close();
    attacker.close();
    victim.close();
  });
});
