/**
 * One operation worked end to end against the real app: started, runs recorded by the server (also when the
 * page closed during the run), pushed live to another operator, an approval asked and decided inside it,
 * handed over, resumed, closed, exported and verified — and every refusal on the way in the audit log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../api';
import type { ServerMessage } from '../protocol';
import { ADMIN, APPROVER, csrfTokenFor, headersFor, OPERATOR, SECOND_APPROVER, startHarness, type Harness, type TestClient, type TestUser } from '../testing/harness';
import type { Operation, OperationDetail, OperationPush, VerifyResult } from './types';

let h: Harness;
let watcher: TestClient;
let operator: TestClient;
let n = 0;

beforeAll(async () => {
  h = await startHarness({
    setupSql: `create table loads (business_date date, file varchar); insert into loads values (date '2026-12-01', 'a.csv'), (date '2026-12-01', 'b.csv'); create table t (n int); insert into t values (1), (2), (2);`,
    snippets: {
      'ldz/files': { text: 'select file from loads where business_date = :d order by file', params: [{ name: 'd', type: 'date', default: 'today' }], expect: 'rows > 0' },
      'ldz/slow': { text: 'select count(*) from range(100000000000)' },
      'ldz/fix': { text: 'delete from t where n = 2', mode: 'write', role: 'escalation', approver: 'approver' },
    },
  });
  watcher = await h.connect({ as: SECOND_APPROVER });
  operator = await h.connect({ as: OPERATOR });
});
afterAll(async () => {
  watcher?.close();
  operator?.close();
  await h?.close();
});

const sha = (key: string) => h.manifest.snippets[key]!.sha256;
const detail = async (id: string): Promise<OperationDetail> => (await h.api('GET', `/api/operations/${id}`)).body as OperationDetail;
const audit = async (query: string): Promise<AuditRecord[]> => ((await h.api('GET', `/api/audit?limit=1000${query}`, ADMIN)).body as { records: AuditRecord[] }).records;
const isPush = (id: string, seq: number) => (m: ServerMessage): m is OperationPush => m.type === 'operation' && m.operation.id === id && m.event.seq === seq;

async function run(client: TestClient, snippet: string, params: Record<string, string>, operation?: string) {
  const id = `r${++n}`;
  client.send({ type: 'run', id, snippet, sha256: sha(snippet), env: 'demo', params, ...(operation ? { operation } : {}) });
  return client.done(id);
}

/** Waits for the server to have recorded something, by asking it (no fixed sleeps). */
async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; ; i++) {
    const v = await read();
    if (ok(v) || i > 2000) return v;
    await new Promise((r) => setImmediate(r));
  }
}

async function verify(text: string, as: TestUser = OPERATOR): Promise<VerifyResult> {
  const csrf = await csrfTokenFor(h.url, as);
  const res = await fetch(`${h.url}/api/operations/verify`, { method: 'POST', headers: { ...headersFor(as), cookie: `opsbook_csrf=${csrf}`, 'x-csrf-token': csrf, 'content-type': 'text/plain' }, body: text });
  return (await res.json()) as VerifyResult;
}

describe('an operation, end to end', () => {
  let op: Operation;

  it('starts from the Health page with its failing checks, and another operator sees it at once', async () => {
    const res = await h.api('POST', '/api/operations', OPERATOR, { title: 'LDZ files missing', severity: 'sev2', env: 'demo', origin: 'health', params: { business_date: '2026-12-01' }, checks: ['ldz/files'] });
    expect(res.status).toBe(201);
    op = res.body as Operation;
    expect(op).toMatchObject({ status: 'open', owner: { user: OPERATOR.user }, eventCount: 1 });
    const push = await watcher.waitFor(isPush(op.id, 1));
    expect(push.event.data).toMatchObject({ kind: 'started', origin: 'health', checks: ['ldz/files'] });
    expect((await h.api('POST', '/api/operations', OPERATOR, { title: 'x', severity: 'sev2', env: 'nowhere' })).status).toBe(400);
    expect((await audit('&kind=operation&status=rejected')).some((r) => r.user === OPERATOR.user && /no environment "nowhere"/.test(r.detail ?? ''))).toBe(true);
  });

  it('records a run made in it, server-side: snippet, hash, parameters, rows, first rows and check; the audit record links it', async () => {
    const done = await run(operator, 'ldz/files', { d: '2026-12-01' }, op.id);
    expect(done.status).toBe('succeeded');
    const { events } = await detail(op.id);
    const recorded = events.find((e) => e.data.kind === 'run');
    expect(recorded?.data).toMatchObject({
      kind: 'run',
      run: { snippet: 'ldz/files', sha256: sha('ldz/files'), params: { d: '2026-12-01' }, status: 'succeeded', rowCount: 2, columns: ['file'], sample: [['a.csv'], ['b.csv']], check: { passed: true }, clientId: done.id },
    });
    await watcher.waitFor(isPush(op.id, recorded!.seq));
    const record = (await audit('&kind=run')).find((r) => r.runId === (recorded!.data.kind === 'run' ? recorded!.data.run.runId : ''));
    expect(record).toMatchObject({ operation: op.id, status: 'succeeded' });
    expect((await audit(`&operation=${op.id}`)).length).toBeGreaterThanOrEqual(2);
  });

  it('does not link a run to an operation that does not exist', async () => {
    const done = await run(operator, 'ldz/files', { d: '2026-12-01' }, 'op-made-up');
    expect(done.status).toBe('succeeded');
    expect((await audit('&operation=op-made-up')).length).toBe(0);
  });

  it('records a run whose page closed while it ran: the server ends it and writes it into the operation', async () => {
    const page = await h.connect({ as: OPERATOR });
    page.send({ type: 'run', id: 'gone', snippet: 'ldz/slow', sha256: sha('ldz/slow'), env: 'demo', params: {}, operation: op.id });
    await page.waitFor((m) => m.type === 'accepted');
    page.close();
    const { events } = await until(() => detail(op.id), (d) => d.events.some((e) => e.data.kind === 'run' && e.data.run.clientId === 'gone'));
    const gone = events.find((e) => e.data.kind === 'run' && e.data.run.clientId === 'gone');
    expect(gone?.data).toMatchObject({ kind: 'run', run: { snippet: 'ldz/slow', status: 'cancelled' } });
  });

  it('records notes, ticked steps and runbooks opened from it, pushed to the other operator', async () => {
    const note = await h.api('POST', `/api/operations/${op.id}/events`, OPERATOR, { kind: 'note', text: 'b.csv arrived late; rerunning.' });
    expect(note.status).toBe(201);
    await watcher.waitFor(isPush(op.id, note.body.seq as number));
    expect((await h.api('POST', `/api/operations/${op.id}/events`, SECOND_APPROVER, { kind: 'step', runbook: 'ldz', step: 'verify', title: 'Verify LDZ', done: true })).status).toBe(201);
    expect((await h.api('POST', `/api/operations/${op.id}/events`, OPERATOR, { kind: 'link', runbook: 'rdv', path: '/docs/rdv', title: 'RDV' })).status).toBe(201);
    expect((await h.api('POST', `/api/operations/${op.id}/events`, OPERATOR, { kind: 'shell', text: 'rm -rf' })).status).toBe(400);
    const { operation, events } = await detail(op.id);
    expect(events.map((e) => e.data.kind).slice(-3)).toEqual(['note', 'step', 'link']);
    expect(operation.participants.map((p) => p.user)).toEqual([OPERATOR.user, SECOND_APPROVER.user]);
  });

  it('makes each note and each ticked step its own audit record: who, when, the operation, the runbook and step', async () => {
    const note = await h.api('POST', `/api/operations/${op.id}/events`, OPERATOR, { kind: 'note', text: 'Checked with the source team: resend at 06:00.', runbook: 'ldz' });
    expect(note.status).toBe(201);
    expect((await h.api('POST', `/api/operations/${op.id}/events`, SECOND_APPROVER, { kind: 'step', runbook: 'ldz', step: 'reload', title: 'Reload the day', done: false })).status).toBe(201);
    const records = await audit(`&kind=operation&operation=${op.id}`);
    const noted = records.find((r) => r.detail === 'note: Checked with the source team: resend at 06:00.');
    expect(noted).toMatchObject({ user: OPERATOR.user, operation: op.id, runbook: 'ldz', status: 'succeeded', params: { action: 'note' } });
    expect(Date.parse(noted!.at)).not.toBeNaN();
    expect(records.find((r) => r.params && (r.params as { action?: string }).action === 'step' && r.step === 'verify')).toMatchObject({ user: SECOND_APPROVER.user, runbook: 'ldz', detail: 'ticked step verify (Verify LDZ)', params: { done: true } });
    expect(records.find((r) => r.step === 'reload')).toMatchObject({ user: SECOND_APPROVER.user, detail: 'unticked step reload (Reload the day)', params: { action: 'step', done: false } });
    // A note typed away from any runbook (the Operations page) names none.
    expect(records.find((r) => r.detail === 'note: b.csv arrived late; rerunning.')).toMatchObject({ runbook: null, operation: op.id });
  });

  it('records an approval asked inside it and its decision by someone else', async () => {
    const asked = await h.api('POST', '/api/approvals', OPERATOR, { snippet: 'ldz/fix', sha256: sha('ldz/fix'), env: 'demo', params: {}, reason: 'b.csv loaded twice', operation: op.id });
    expect(asked.status).toBe(201);
    expect((await h.api('POST', `/api/approvals/${asked.body.id}/decision`, APPROVER, { decision: 'approve', comment: 'go' })).status).toBe(200);
    const { events } = await until(() => detail(op.id), (d) => d.events.some((e) => e.data.kind === 'approval' && e.data.event === 'approved'));
    const approvals = events.filter((e) => e.data.kind === 'approval');
    expect(approvals.map((e) => [e.data.kind === 'approval' && e.data.event, e.actor.user])).toEqual([
      ['requested', OPERATOR.user],
      ['approved', APPROVER.user],
    ]);
    // The request and the decision are audit records of the operation too, so the audit page links them to it.
    const linked = (await audit(`&operation=${op.id}`)).filter((r) => r.approval === asked.body.id);
    expect(linked.map((r) => [r.kind, r.status]).sort()).toEqual([['approval_decision', 'approved'], ['approval_request', 'requested']]);
    const used = await run(operator, 'ldz/fix', {}, op.id);
    expect(used.status).toBe('rejected'); // no approval id sent: the run is refused, and the refusal is recorded too
    expect((await detail(op.id)).events.at(-1)?.data).toMatchObject({ kind: 'run', run: { snippet: 'ldz/fix', status: 'rejected', error: { code: 'approval_required' } } });
  });

  it('is handed over only by its owner, resumed only by the recipient, and every refusal is audited', async () => {
    expect((await h.api('POST', `/api/operations/${op.id}/handover`, APPROVER, { to: SECOND_APPROVER.user, note: 'mine now' })).status).toBe(403);
    expect((await h.api('POST', `/api/operations/${op.id}/handover`, OPERATOR, { to: SECOND_APPROVER.user, note: '' })).status).toBe(400);
    const handed = await h.api('POST', `/api/operations/${op.id}/handover`, OPERATOR, { to: 'Oskar.Oncall', note: 'Fix approved, not run yet. Rerun ldz/files after.' });
    expect(handed.body).toMatchObject({ status: 'handed-over', owner: { user: SECOND_APPROVER.user } });
    expect((await h.api('POST', `/api/operations/${op.id}/resume`, OPERATOR, { note: '' })).status).toBe(403);
    const resumed = await h.api('POST', `/api/operations/${op.id}/resume`, SECOND_APPROVER, { note: 'Taking it from here.' });
    expect(resumed.body).toMatchObject({ status: 'open', owner: { user: SECOND_APPROVER.user } });
    const refusals = await audit(`&kind=operation&status=rejected&operation=${op.id}`);
    expect(refusals.map((r) => [r.user, r.errorCode])).toEqual(expect.arrayContaining([[APPROVER.user, 'forbidden'], [OPERATOR.user, 'forbidden']]));
    expect((await audit(`&kind=operation&status=succeeded&operation=${op.id}`)).map((r) => (r.params as { action: string }).action)).toEqual(expect.arrayContaining(['start', 'handover', 'resume']));
  });

  it('exports Markdown, HTML and JSON tied to the site commit and each snippet hash; the server verifies them and catches an edit', async () => {
    const html = (await h.api('GET', `/api/operations/${op.id}/export?format=html`)).body as string;
    expect(html).toContain('<!doctype html>');
    expect(html).toContain(sha('ldz/files'));
    expect(html).toContain('Site commit');
    const md = (await h.api('GET', `/api/operations/${op.id}/export?format=md`)).body as string;
    expect(md).toContain(`| \`ldz/files\` | \`${sha('ldz/files')}\` | unchanged |`);
    const json = (await h.api('GET', `/api/operations/${op.id}/export?format=json`)).body as { document: { site: { commit: string } } };
    expect(json.document.site.commit).toBe('test');
    for (const text of [html, md, JSON.stringify(json)]) expect(await verify(text)).toMatchObject({ valid: true, trusted: true, operation: op.id, commit: 'test' });
    expect(await verify(md.replace('b.csv arrived late', 'b.csv arrived on time'))).toMatchObject({ valid: false });
  });

  it('is closed by its owner; nothing more is recorded in it, and a run naming it is not linked', async () => {
    expect((await h.api('POST', `/api/operations/${op.id}/close`, OPERATOR, { note: 'done' })).status).toBe(403);
    expect((await h.api('POST', `/api/operations/${op.id}/close`, SECOND_APPROVER, { note: 'Fixed and verified.' })).body).toMatchObject({ status: 'closed' });
    expect((await h.api('POST', `/api/operations/${op.id}/events`, OPERATOR, { kind: 'note', text: 'late' })).status).toBe(409);
    const before = (await detail(op.id)).operation.eventCount;
    await run(operator, 'ldz/files', { d: '2026-12-01' }, op.id);
    expect((await detail(op.id)).operation.eventCount).toBe(before);
    expect((await h.api('GET', '/api/operations?status=closed')).body.operations.map((o: Operation) => o.id)).toContain(op.id);
    expect((await h.api('GET', '/api/operations?status=active')).body.operations.map((o: Operation) => o.id)).not.toContain(op.id);
  });
});
