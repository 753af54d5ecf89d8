/**
 * Every refused attempt is a record (DESIGN.md §7a), stored before the refusal is answered: each check
 * below reads the durable audit (the API over the store) right after the `done` or the HTTP answer,
 * without waiting — so a record written late fails the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../api';
import type { DoneMessage, ServerMessage } from '../protocol';
import { ADMIN, APPROVER, OPERATOR, SECOND_APPROVER, startHarness, type Harness, type TestClient } from '../testing/harness';

let clock = new Date('2026-11-23T09:00:00.000Z');
let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    setupSql: 'create table t as select 1 as n',
    limits: { runsPerSocket: 1, runsPerUser: 1 },
    extraConfig: 'approvals: {ttlMinutes: 30, requestsPerMinute: 50}\n',
    now: () => clock,
    snippets: {
      'rb/read': { text: 'select n from t' },
      'rb/slow': { text: 'select count(*) from range(100000000000)' },
      'rb/fix': { text: 'delete from t where n = 2', mode: 'write', role: 'escalation', approver: 'approver' },
    },
  });
}, 60_000);

afterAll(async () => {
  await h?.close();
});

const sha = (key: string) => h.manifest.snippets[key]!.sha256;
let seq = 0;
async function run(client: TestClient, snippet: string, extra: Record<string, unknown> = {}): Promise<DoneMessage> {
  const id = `x${++seq}`;
  client.send({ type: 'run', id, snippet, sha256: sha(snippet), env: 'demo', params: {}, ...extra });
  return client.done(id);
}

/** The newest stored records, read through the API (the store), newest first. */
async function stored(filter = ''): Promise<AuditRecord[]> {
  const res = await h.api('GET', `/api/audit?limit=1000${filter}`, ADMIN);
  expect(res.status).toBe(200);
  return res.body.records as AuditRecord[];
}

describe('refused runs leave a record before their done', () => {
  it.each(['__proto__', 'constructor', 'toString', 'nowhere'])('an unknown environment %j is refused as unknown_env', async (env) => {
    const client = await h.connect();
    const done = await run(client, 'rb/read', { env });
    expect(done).toMatchObject({ status: 'rejected', error: { code: 'unknown_env' } });
    expect(done.error!.message).toContain(`There is no environment "${env}"`);
    expect((await stored()).find((r) => r.env === env)).toMatchObject({ kind: 'run', status: 'rejected', errorCode: 'unknown_env', user: OPERATOR.user });
    client.close();
  });

  it('busy, per socket and per user across sockets', async () => {
    const a = await h.connect();
    const b = await h.connect();
    a.send({ type: 'run', id: 'slow', snippet: 'rb/slow', sha256: sha('rb/slow'), env: 'demo', params: {} });
    await a.waitFor((m: ServerMessage): m is ServerMessage => m.type === 'accepted' && m.id === 'slow');
    const perSocket = await run(a, 'rb/read');
    const perUser = await run(b, 'rb/read');
    expect(perSocket.error?.message).toMatch(/per page/);
    expect(perUser.error?.message).toMatch(/across your tabs/);
    const busy = (await stored('&status=rejected')).filter((r) => r.errorCode === 'busy');
    expect(busy.map((r) => r.detail)).toEqual(expect.arrayContaining([expect.stringMatching(/per page/), expect.stringMatching(/across your tabs/)]));
    expect(busy[0]).toMatchObject({ snippet: 'rb/read', env: 'demo', user: OPERATOR.user });
    a.send({ type: 'cancel', id: 'slow' });
    expect((await a.done('slow')).status).toBe('cancelled');
    a.close();
    b.close();
  });

  it('forbidden, approval_required, approval_invalid, unknown and stale snippets', async () => {
    const admin = await h.connect({ as: ADMIN });
    expect((await run(admin, 'rb/read')).error?.code).toBe('forbidden');
    admin.close();
    const client = await h.connect();
    expect((await run(client, 'rb/fix')).error?.code).toBe('approval_required');
    expect((await run(client, 'rb/fix', { approval: 'no-such-approval' })).error?.code).toBe('approval_invalid');
    expect((await run(client, 'rb/read', { snippet: 'rb/gone' })).error?.code).toBe('unknown_snippet');
    expect((await run(client, 'rb/read', { sha256: 'f'.repeat(64) })).error?.code).toBe('stale_snippet');
    const codes = (await stored('&kind=run&status=rejected')).map((r) => r.errorCode);
    expect(codes).toEqual(expect.arrayContaining(['forbidden', 'approval_required', 'approval_invalid', 'unknown_snippet', 'stale_snippet']));
    client.close();
  });
});

describe('refused approval requests and decisions leave a record before the answer', () => {
  const request = (as = OPERATOR, body: Record<string, unknown> = {}) =>
    h.api('POST', '/api/approvals', as, { snippet: 'rb/fix', sha256: sha('rb/fix'), env: 'demo', params: {}, reason: 'row 2 is a duplicate', ...body });
  const decisions = async () => (await stored('&kind=approval_decision&status=rejected')).filter((r) => r.errorCode);

  it('a refused request', async () => {
    const res = await request(OPERATOR, { env: 'constructor' });
    expect(res.status).toBe(400);
    expect((await stored('&kind=approval_request&status=rejected')).find((r) => r.env === 'constructor')).toMatchObject({ errorCode: 'unknown_env', user: OPERATOR.user });
  });

  it('self-approval, a decider without the approver role, a second decision, an unknown id, an expired request', async () => {
    const own = await request(SECOND_APPROVER);
    expect((await h.api('POST', `/api/approvals/${own.body.id}/decision`, SECOND_APPROVER, { decision: 'approve', comment: 'mine' })).status).toBe(403);
    expect((await decisions()).find((r) => r.approval === own.body.id && r.user === SECOND_APPROVER.user)).toMatchObject({ errorCode: 'forbidden', detail: expect.stringMatching(/own request/) });

    const asked = await request();
    expect((await h.api('POST', `/api/approvals/${asked.body.id}/decision`, OPERATOR, { decision: 'approve', comment: 'me' })).status).toBe(403);
    expect((await decisions()).find((r) => r.approval === asked.body.id && r.user === OPERATOR.user)).toMatchObject({ errorCode: 'forbidden' });

    expect((await h.api('POST', `/api/approvals/${asked.body.id}/decision`, APPROVER, { decision: 'approve', comment: 'ok' })).status).toBe(200);
    expect((await h.api('POST', `/api/approvals/${asked.body.id}/decision`, SECOND_APPROVER, { decision: 'reject', comment: 'no' })).status).toBe(409);
    expect((await decisions()).find((r) => r.approval === asked.body.id && r.user === SECOND_APPROVER.user)).toMatchObject({ errorCode: 'approval_invalid' });

    expect((await h.api('POST', '/api/approvals/not-an-approval/decision', APPROVER, { decision: 'approve', comment: 'ok' })).status).toBe(404);
    expect((await decisions()).find((r) => r.approval === 'not-an-approval')).toMatchObject({ errorCode: 'not_found' });

    const late = await request();
    clock = new Date(clock.getTime() + 31 * 60_000);
    expect((await h.api('POST', `/api/approvals/${late.body.id}/decision`, APPROVER, { decision: 'approve', comment: 'late' })).status).toBe(409);
    expect((await decisions()).find((r) => r.approval === late.body.id)).toMatchObject({ errorCode: 'approval_invalid', detail: expect.stringMatching(/expired/) });
  });
});

describe('bad messages tied to a user', () => {
  it('are recorded, a flood coalesced into one record with its count', async () => {
    const client = await h.connect({ as: APPROVER });
    for (let i = 0; i < 50; i++) client.send(`garbage ${i}`);
    await client.waitFor((m: ServerMessage): m is ServerMessage => m.type === 'error' && client.messages.filter((x) => x.type === 'error').length === 50);
    const closed = new Promise((resolve) => client.socket.once('close', resolve));
    client.close();
    await closed;
    // The coalesced count is written when the server sees the close: wait for that state, not for time.
    await expect.poll(async () => (await stored('&status=rejected')).filter((r) => r.user === APPROVER.user && r.errorCode === 'bad_message').map((r) => r.detail), { timeout: 10_000 })
      .toEqual(expect.arrayContaining([expect.stringMatching(/^1 bad message on one socket/), expect.stringMatching(/^49 bad messages on one socket \(coalesced\)/)]));
    expect((await stored('&status=rejected')).filter((r) => r.user === APPROVER.user && r.errorCode === 'bad_message')).toHaveLength(2);
  });
});
