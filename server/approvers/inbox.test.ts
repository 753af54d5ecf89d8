/**
 * The approvals inbox belongs to whoever may decide (issue 12): a member of an approver role through
 * `approvals.roles` — by group or by name — who holds no Opsbook `approver` role is told so by GET /api/me,
 * lists the requests of their role, reads one and decides it; someone who may decide nothing gets none of
 * that from any path (list, read, decide). The server decides: the page only shows what these paths answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR, startHarness, type Harness, type TestUser } from '../testing/harness';
import type { Approval, MeResponse } from '../api';

// No group of theirs maps to an Opsbook role: membership of an approver role is all they have.
const FINANCE_BY_GROUP: TestUser = { user: 'fay.finance', groups: ['finance-leads'] };
const FINANCE_BY_NAME: TestUser = { user: 'Finn.Lead', groups: [] };
const BYSTANDER: TestUser = { user: 'otto.operator', groups: ['ops'] };

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    setupSql: 'create table t as select i as n from range(10) t(i);',
    extraConfig: ['approvals:', '  roles:', '    finance-lead: {groups: [finance-leads], users: [finn.lead]}', '    data-engineering-on-call: {groups: [de-oncall]}', ''].join('\n'),
    snippets: { 'rb/fix': { text: 'delete from t where n = 9', mode: 'write', role: 'escalation', approver: 'finance-lead', step: 'fix' } },
  });
}, 60_000);

afterAll(async () => {
  await h?.close();
});

const ask = async (): Promise<Approval> => {
  const res = await h.api('POST', '/api/approvals', OPERATOR, { snippet: 'rb/fix', sha256: h.manifest.snippets['rb/fix']!.sha256, env: 'demo', params: {}, reason: 'The month-end total is off by one row' });
  expect(res.status).toBe(201);
  return res.body as Approval;
};
const ids = async (as: TestUser, path: string): Promise<string[]> => {
  const res = await h.api('GET', path, as);
  expect(res.status).toBe(200);
  return (res.body as { approvals: Approval[] }).approvals.map((a) => a.id);
};

describe('the inbox of an approver-role member without the approver role', () => {
  it('tells each user which approver roles they decide for', async () => {
    expect(((await h.api('GET', '/api/me', FINANCE_BY_GROUP)).body as MeResponse)).toMatchObject({ roles: [], approverRoles: ['finance-lead'] });
    expect(((await h.api('GET', '/api/me', FINANCE_BY_NAME)).body as MeResponse).approverRoles).toEqual(['finance-lead']);
    expect(((await h.api('GET', '/api/me', BYSTANDER)).body as MeResponse).approverRoles).toEqual([]);
  });

  it('lists, shows and lets a member decide the requests of their role; a member by name too', async () => {
    const first = await ask();
    expect(await ids(FINANCE_BY_GROUP, '/api/approvals?status=pending')).toContain(first.id);
    expect(await ids(FINANCE_BY_GROUP, '/api/approvals')).toContain(first.id);
    expect((await h.api('GET', `/api/approvals/${first.id}`, FINANCE_BY_GROUP)).status).toBe(200);
    const decided = await h.api('POST', `/api/approvals/${first.id}/decision`, FINANCE_BY_GROUP, { decision: 'approve', comment: 'matches the ledger' });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ status: 'approved', decidedBy: { user: 'fay.finance' } });

    const second = await ask();
    expect(await ids(FINANCE_BY_NAME, '/api/approvals?status=pending')).toContain(second.id);
    const rejected = await h.api('POST', `/api/approvals/${second.id}/decision`, FINANCE_BY_NAME, { decision: 'reject', comment: 'wrong month' });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ status: 'rejected' });
  });

  it('gives someone who may decide nothing no request of others on any path', async () => {
    const a = await ask();
    expect(await ids(BYSTANDER, '/api/approvals?status=pending')).not.toContain(a.id);
    expect(await ids(BYSTANDER, '/api/approvals')).not.toContain(a.id);
    expect((await h.api('GET', `/api/approvals/${a.id}`, BYSTANDER)).status).toBe(404);
    const refused = await h.api('POST', `/api/approvals/${a.id}/decision`, BYSTANDER, { decision: 'approve', comment: 'looks fine' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/Only finance-lead decides this request/);
    // The request is still waiting for the finance lead.
    expect(await ids(FINANCE_BY_GROUP, '/api/approvals?status=pending')).toContain(a.id);
  });
});
