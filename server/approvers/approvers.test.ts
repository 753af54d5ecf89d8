/**
 * Approvals that reach the right people and do not rot, against the real server in-process (proxy mode,
 * DuckDB state) with its clock injected, and Slack / PagerDuty contract fakes on loopback as the channels:
 * only members of the step's role decide (a wrong-role attempt is refused and audited), production writes
 * need two members, a new request is announced to its role's channel with a link to the inbox, an undecided
 * one climbs the ladder (the on-call of the rotation resolved for the time) and expires, and the Page action
 * sends a PagerDuty Events v2 trigger — each step visible to the requester and audited.
 *
 * Nothing waits on time: the clock is moved by the test, and waits poll for the result with a guard.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, OPERATOR, startHarness, type Harness, type TestUser } from '../testing/harness';
import { PagerDutyReceiver } from '../notifications/testing/pagerdutyReceiver';
import { SlackWebhookReceiver } from '../notifications/testing/slackReceiver';
import type { Approval, AuditRecord } from '../api';
import type { ServerOpsData } from './routing';
import type { Operation, OperationDetail } from '../operations/types';

const PD_KEY = 'R0123456789abcdef0123456789abcdf';
const MANAGER: TestUser = { user: 'imani.manager', groups: ['approvers', 'managers'] };
const ONCALL: TestUser = { user: 'oskar.oncall', groups: ['approvers', 'de-oncall'] };
const ONCALL_TWO: TestUser = { user: 'pia.oncall', groups: ['approvers', 'de-oncall'] };

// Monday 30 Nov 2026 starts week 48 of the rotation below (47 weeks after 5 Jan): cycle week 4 → Engineer D on call.
let clock = new Date('2026-11-30T09:00:00.000Z');
const at = (minutesLater: number) => new Date(Date.parse('2026-11-30T09:00:00.000Z') + minutesLater * 60_000);

const opsData: ServerOpsData = {
  approvers: { 'data-engineering-on-call': { label: 'Data engineering on-call' } },
  escalation: {
    profit: {
      title: 'Profit – Aggregate', pipeline: 'profit-aggregate',
      levels: [
        { name: 'On-call engineer', oncall: 'investor', after: '0m', reach: 'PagerDuty' },
        { name: 'Primary owner', owner: 'primary' },
        { name: 'Data Engineering Manager', who: 'Data Engineering Manager', after: '2h' },
      ],
    },
  },
  oncall: {
    investor: {
      name: 'Investor pipelines', timezone: 'UTC', start: '2026-01-05',
      cycle: [{ primary: 'Engineer A', backup: 'Engineer B' }, { primary: 'Engineer B', backup: 'Engineer C' }, { primary: 'Engineer C', backup: 'Engineer D' }, { primary: 'Engineer D', backup: 'Engineer A' }],
    },
  },
  ownership: { 'profit-aggregate': { name: 'Profit – Aggregate', audience: 'investors', primary: 'Engineer B', secondary: 'Engineer C' } },
  people: {
    'Engineer D': { slack: '@eng-d', phone: '+44 20 7946 0004' },
    'Data Engineering Manager': { slack: '@de-manager', phone: '+44 20 7946 0100' },
  },
};

const slack = new SlackWebhookReceiver();
const pd = new PagerDutyReceiver();
let h: Harness;

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const v = await probe();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} never happened`);
}

beforeAll(async () => {
  const slackUrl = `${await slack.start()}${slack.path}`;
  const pdUrl = `${await pd.start()}/v2/enqueue`;
  // Secrets reach the configuration only as ${ENV} references, as in production.
  process.env.APPROVERS_TEST_SLACK_URL = slackUrl;
  process.env.APPROVERS_TEST_PD_KEY = PD_KEY;
  h = await startHarness({
    setupSql: 'create table t as select i as n from range(10) t(i);',
    now: () => clock,
    opsData,
    runbooks: { rb: { title: 'Profit', system: 'investor', owner: 'Engineer B', file: 'docs/rb.mdx', docPath: '/rb', timezone: 'UTC', escalation: 'profit' } },
    extraConfig: [
      'approvals:',
      '  ttlMinutes: 180',
      '  sweepSeconds: 1',
      '  roles:',
      '    data-engineering-on-call: {groups: [de-oncall], channels: [de-slack]}',
      '    implementation-manager: {groups: [managers]}',
      'notifications: {publicUrl: "http://opsbook.test"}',
      'alerts:',
      '  channels:',
      '    de-slack: {kind: slack, url: "${APPROVERS_TEST_SLACK_URL}"}',
      `    pager: {kind: pagerduty, routingKey: "\${APPROVERS_TEST_PD_KEY}", url: "${pdUrl}"}`,
      '  default: [de-slack]',
      '  retryBaseMs: 20',
      'paging: {channels: [pager], roles: [service-team, approver]}',
      '',
    ].join('\n'),
    snippets: {
      'rb/fix': { text: 'delete from t where n = 9', mode: 'write', role: 'escalation', approver: 'data-engineering-on-call', step: 'fix' },
    },
  });
}, 60_000);

afterAll(async () => {
  await h?.close();
  await slack.close();
  await pd.close();
});

const ask = async (env = 'demo'): Promise<Approval> => {
  const res = await h.api('POST', '/api/approvals', OPERATOR, { snippet: 'rb/fix', sha256: h.manifest.snippets['rb/fix']!.sha256, env, params: {}, reason: 'Day 30 has a stray row' });
  expect(res.status).toBe(201);
  return res.body as Approval;
};
const decide = (as: TestUser, id: string, decision: 'approve' | 'reject' = 'approve') => h.api('POST', `/api/approvals/${id}/decision`, as, { decision, comment: 'checked the plan' });
const auditOf = async (id: string): Promise<AuditRecord[]> => ((await h.api('GET', '/api/audit?limit=200', ADMIN)).body as { records: AuditRecord[] }).records.filter((r) => r.approval === id);

describe('approver roles', () => {
  it('refuses a member of another role and the generic approver role, audited; a member of the step’s role approves', async () => {
    clock = at(0);
    const a = await ask();
    expect(a.deciders).toMatchObject({ role: 'data-engineering-on-call', label: 'Data engineering on-call', groups: ['de-oncall'], unconfigured: false });
    const wrong = await decide(MANAGER, a.id);
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.message).toMatch(/Only Data engineering on-call decides this request.*group de-oncall/);
    const right = await decide(ONCALL, a.id);
    expect(right.status).toBe(200);
    expect(right.body).toMatchObject({ status: 'approved', decidedBy: { user: 'oskar.oncall' }, votes: [{ by: { user: 'oskar.oncall' } }] });
    const audit = await auditOf(a.id);
    expect(audit.map((r) => `${r.user}:${r.kind}:${r.status}`)).toEqual(expect.arrayContaining([
      'dana.operator:approval_request:requested', 'imani.manager:approval_decision:rejected', 'oskar.oncall:approval_decision:approved',
    ]));
    expect(audit.find((r) => r.user === 'imani.manager')).toMatchObject({ errorCode: 'forbidden' });
  });
});

describe('a new request', () => {
  it('is announced to its role’s Slack channel with a link to its inbox entry and the on-call engineer resolved for now', async () => {
    clock = at(0);
    const a = await ask();
    const message = await until('the announcement', async () => slack.messages.find((m) => m.text?.includes(`id=${a.id}`)));
    expect(message.text).toContain(`<http://opsbook.test/approvals?id=${a.id}|Open the request in the approvals inbox>`);
    expect(message.text).toContain('asks Data engineering on-call to approve');
    // The rotation's engineer for the week of 30 Nov, with their contact from the people file.
    expect(message.text).toContain('On-call engineer: Engineer D (Slack @eng-d · +44 20 7946 0004)');
    const seen = (await h.api('GET', `/api/approvals/${a.id}`, OPERATOR)).body as Approval;
    expect(seen.steps?.map((s) => s.kind)).toEqual(['notified', 'escalated']);
    expect(seen.steps?.[1]).toMatchObject({ title: 'Ladder level 1 engaged — On-call engineer: Engineer D' });
    expect(seen.steps?.[1]?.detail).toContain('on call in Investor pipelines, week of 2026-11-30');
  });
});

describe('an undecided request', () => {
  it('escalates after the ladder’s 2 h, then expires — each step once, shown to the requester, the expiry audited', async () => {
    clock = at(0);
    const a = await ask();
    clock = at(121);
    const escalated = await until('the 2 h escalation', async () => {
      const got = (await h.api('GET', `/api/approvals/${a.id}`, OPERATOR)).body as Approval;
      return got.steps?.some((s) => s.title.startsWith('Escalated after 2h')) ? got : null;
    });
    expect(escalated.status).toBe('pending');
    expect(escalated.steps?.find((s) => s.title.startsWith('Escalated'))).toMatchObject({
      kind: 'escalated', at: at(120).toISOString(), title: 'Escalated after 2h undecided — Data Engineering Manager',
    });
    const escalation = await until('the escalation message', async () => slack.messages.find((m) => m.text?.includes('undecided after 2h') && m.text.includes(`id=${a.id}`)));
    expect(escalation.text).toContain('escalated to Data Engineering Manager (Slack @de-manager · +44 20 7946 0100)');

    clock = at(181);
    const expired = await until('the expiry', async () => {
      const got = (await h.api('GET', `/api/approvals/${a.id}`, OPERATOR)).body as Approval;
      return got.steps?.some((s) => s.kind === 'expired') ? got : null;
    });
    expect(expired.status).toBe('expired');
    expect(expired.steps?.map((s) => s.kind)).toEqual(['notified', 'escalated', 'escalated', 'expired']);
    expect((await decide(ONCALL, a.id)).status).toBe(409);
    await until('the expiry audit', async () => (await auditOf(a.id)).find((r) => r.status === 'expired'));
    // Later sweeps record nothing twice.
    clock = at(300);
    const messagesNow = slack.messages.filter((m) => m.text?.includes(`id=${a.id}`)).length;
    await until('another sweep', async () => (await h.api('GET', `/api/approvals/${a.id}`, OPERATOR)).status === 200);
    expect(((await h.api('GET', `/api/approvals/${a.id}`, OPERATOR)).body as Approval).steps).toHaveLength(4);
    expect(slack.messages.filter((m) => m.text?.includes(`id=${a.id}`)).length).toBe(messagesNow);
  });
});

describe('the Page action', () => {
  it('sends a PagerDuty Events v2 trigger to whoever is on call now, recorded on the request and audited', async () => {
    clock = at(0);
    const a = await ask();
    const res = await h.api('POST', '/api/page', OPERATOR, { ladder: 'profit', level: 0, summary: 'Profit for 29 Nov is missing', path: '/rb', approval: a.id, operation: 'op-42' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ who: 'Engineer D', channels: ['pager'] });
    const event = await until('the trigger', async () => pd.events.find((e) => e.payload?.summary.includes('Profit for 29 Nov is missing')));
    expect(event).toMatchObject({
      routing_key: PD_KEY, event_action: 'trigger', dedup_key: 'opsbook-page-profit-0-op-42',
      payload: { source: 'opsbook', severity: 'critical', custom_details: { who: 'Engineer D', operation: 'op-42', approval: a.id } },
      links: [{ href: 'http://opsbook.test/rb', text: 'Open in Opsbook' }],
    });
    expect(event.payload!.summary).toContain('Engineer D (On-call engineer, Profit – Aggregate)');
    const seen = (await h.api('GET', `/api/approvals/${a.id}`, OPERATOR)).body as Approval;
    expect(seen.steps?.find((s) => s.kind === 'paged')).toMatchObject({ title: 'dana.operator paged Engineer D (On-call engineer)' });
    expect((await auditOf(a.id)).find((r) => r.kind === 'page')).toMatchObject({ status: 'requested', user: 'dana.operator' });
  });

  it('records a page made while working in an operation in its timeline, with the receiver’s answer, and in its exports', async () => {
    clock = at(0);
    const started = await h.api('POST', '/api/operations', OPERATOR, { title: 'Profit missing for 29 Nov', severity: 'sev2', env: 'demo', runbook: 'rb' });
    expect(started.status).toBe(201);
    const op = started.body as Operation;
    const res = await h.api('POST', '/api/page', OPERATOR, { ladder: 'profit', level: 0, summary: 'Profit for 29 Nov is still missing', path: '/rb', operation: op.id });
    expect(res.status).toBe(201);
    const dedupKey = `opsbook-page-profit-0-${op.id}`;
    const pages = await until('the delivered page in the timeline', async () => {
      const events = ((await h.api('GET', `/api/operations/${op.id}`, OPERATOR)).body as OperationDetail).events.filter((e) => e.data.kind === 'page');
      return events.length === 2 ? events : null;
    });
    expect(pages[0]).toMatchObject({ actor: { user: OPERATOR.user }, data: { kind: 'page', outcome: 'queued', target: 'Engineer D', level: 'On-call engineer', ladder: 'Profit – Aggregate', channels: ['pager'], dedupKey, contact: expect.stringContaining('@eng-d'), summary: 'Profit for 29 Nov is still missing' } });
    // PagerDuty's own answer (Events API v2: 202 with status, message and the dedup key it grouped the alert under).
    expect(pages[1]).toMatchObject({ actor: { user: OPERATOR.user }, data: { kind: 'page', outcome: 'sent', channels: ['pager'], dedupKey, httpStatus: 202 } });
    expect(JSON.parse((pages[1]!.data as { answer: string }).answer)).toEqual({ status: 'success', message: 'Event processed', dedup_key: dedupKey });
    const html = (await h.api('GET', `/api/operations/${op.id}/export?format=html`, OPERATOR)).body as string;
    const md = (await h.api('GET', `/api/operations/${op.id}/export?format=md`, OPERATOR)).body as string;
    for (const report of [html, md]) {
      expect(report).toContain('paged Engineer D');
      expect(report).toContain('The page to Engineer D was delivered via pager');
      expect(report).toContain(dedupKey);
      expect(report).toContain('Event processed');
    }
    const audit = ((await h.api('GET', '/api/audit?kind=page&limit=50', ADMIN)).body as { records: AuditRecord[] }).records;
    expect(audit.find((r) => r.detail?.includes('still missing'))).toMatchObject({ status: 'requested', operation: op.id });

    // An approval asked in it names the role as operators know it (the data files' label), not its id.
    const asked = await h.api('POST', '/api/approvals', OPERATOR, { snippet: 'rb/fix', sha256: h.manifest.snippets['rb/fix']!.sha256, env: 'demo', params: {}, reason: 'Day 29 has a stray row', operation: op.id });
    expect(asked.status).toBe(201);
    const md2 = (await h.api('GET', `/api/operations/${op.id}/export?format=md`, OPERATOR)).body as string;
    expect(md2).toContain('asked Data engineering on-call to approve fix');
  });

  it('is refused, and audited, for a role the configuration does not let page', async () => {
    const res = await h.api('POST', '/api/page', ADMIN, { ladder: 'profit', level: 2, summary: 'Please look at this' });
    expect(res.status).toBe(403);
    const audit = ((await h.api('GET', '/api/audit?kind=page&limit=50', ADMIN)).body as { records: AuditRecord[] }).records;
    expect(audit.find((r) => r.user === 'alex.admin')).toMatchObject({ status: 'rejected', errorCode: 'forbidden' });
  });
});

describe('production writes', () => {
  it('need the configured number of different members; the same member twice is refused, one of two keeps it pending', async () => {
    const prod = await startHarness({
      setupSql: 'create table t as select 1 as n',
      prodRequiredApprovals: 2,
      extraConfig: 'approvals:\n  roles:\n    data-engineering-on-call: {groups: [de-oncall]}\n',
      snippets: { 'rb/fix': { text: 'delete from t', mode: 'write', role: 'escalation', approver: 'data-engineering-on-call' } },
    });
    try {
      const res = await prod.api('POST', '/api/approvals', OPERATOR, { snippet: 'rb/fix', sha256: prod.manifest.snippets['rb/fix']!.sha256, env: 'prod', params: {}, reason: 'Remove the stray row in production' });
      expect(res.status).toBe(201);
      const a = res.body as Approval;
      expect(a).toMatchObject({ required: 2, votes: [] });
      const vote = (as: TestUser) => prod.api('POST', `/api/approvals/${a.id}/decision`, as, { decision: 'approve', comment: 'plan checked' });
      expect((await vote(ONCALL)).body).toMatchObject({ status: 'pending', required: 2, votes: [{ by: { user: 'oskar.oncall' } }] });
      const again = await vote(ONCALL);
      expect(again.status).toBe(409);
      expect(again.body.error.message).toMatch(/already approved/);
      expect((await vote(ONCALL_TWO)).body).toMatchObject({ status: 'approved', decidedBy: { user: 'pia.oncall' }, votes: [{ by: { user: 'oskar.oncall' } }, { by: { user: 'pia.oncall' } }] });
      const audit = ((await prod.api('GET', '/api/audit?limit=50', ADMIN)).body as { records: AuditRecord[] }).records.filter((r) => r.approval === a.id);
      expect(audit.find((r) => r.user === 'oskar.oncall' && r.status === 'approved')?.detail).toMatch(/^approval 1 of 2/);
      expect(audit.filter((r) => r.user === 'oskar.oncall' && r.status === 'rejected')).toHaveLength(1);
    } finally {
      await prod.close();
    }
  });
});
