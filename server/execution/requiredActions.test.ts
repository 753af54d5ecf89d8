/**
 * Answering an Airflow required action from the page, end to end in-process (the real app, the runner
 * following a run on the Airflow 3 contract fake): governed like an approval, and audited either way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../api';
import { ADMIN, APPROVER, OPERATOR, SECOND_APPROVER, startHarness, type Harness } from '../testing/harness';
import { startContractAirflow, type ContractAirflow } from '../connectors/airflow/testing/contractAirflow';
import { SPECS_PRESENT } from '../demo/airflow/testing/specCheck';

let h: Harness;
let af: ContractAirflow;
const RUN_A = 'scheduled__2031-03-04T02:00:00+00:00';
const RUN_B = 'scheduled__2031-03-05T02:00:00+00:00';
const clear = (role: 'escalation' | 'service-team', day: string) => ({
  text: `tasks clear ecomm_publish -t ^load$ -s ${day} -e ${day} -f`, lang: 'airflow' as const, target: 'airflow', mode: 'write' as const, role, ...(role === 'escalation' ? { approver: 'approver' } : {}),
});

beforeAll(async () => {
  if (!SPECS_PRESENT) return;
  af = await startContractAirflow({ api: 'v2', dags: [{ dagId: 'ecomm_publish', hourUtc: 2, tasks: [{ taskId: 'load' }, { taskId: 'approve_publish' }] }] });
  for (const [runId, day] of [[RUN_A, '2031-03-04'], [RUN_B, '2031-03-05']] as const) {
    const run = af.addRun('ecomm_publish', runId, `${day}T02:00:00.000Z`, 'failed', 'success');
    af.ti(runId, 'load').state = 'failed';
    af.ti(runId, 'approve_publish').state = 'deferred';
    // The cleared load runs again while approve_publish stays deferred, waiting for its answer.
    const load = (state: string) => (r: typeof run) => {
      r.state = state === 'success' ? 'success' : 'running';
      const ti = af.ti(runId, 'load');
      if (ti.state === null) ti.tryNumber++;
      ti.state = state;
    };
    run.steps.push(load('running'), load('running'), load('success'));
    af.hitl.push({ runId, taskId: 'approve_publish', mapIndex: -1, subject: 'Publish?', body: null, options: ['Publish', 'Hold'], multiple: false, chosen: null, userId: null, respondedAt: null });
  }
  h = await startHarness({
    setupSql: 'select 1',
    demoConnections: `      airflow: {kind: airflow, url: ${JSON.stringify(af.url)}, api: v2, pollMs: 50, auth: {username: ops, password: s3cret-pw}}\n`,
    extraConfig: 'approvals: {ttlMinutes: 30, requestsPerMinute: 50}\n',
    snippets: { 'af/clear-esc': clear('escalation', '2031-03-04'), 'af/clear-svc': clear('service-team', '2031-03-05') },
  });
}, 60_000);
afterAll(async () => {
  await h?.close();
  await af?.close();
});

const sha = (k: string) => h.manifest.snippets[k]!.sha256;
const answer = (as: typeof OPERATOR, snippet: string, runId: string, chosen: string[]) =>
  h.api('POST', '/api/airflow/required-actions', as, { snippet, sha256: sha(snippet), env: 'demo', dagId: 'ecomm_publish', runId, taskId: 'approve_publish', mapIndex: -1, chosen });
const decisions = async () => (await h.api('GET', '/api/audit?limit=100&kind=approval_decision', ADMIN)).body.records as AuditRecord[];

async function runAs(as: typeof OPERATOR, snippet: string, approval?: string) {
  const client = await h.connect({ as });
  client.send({ type: 'run', id: snippet, snippet, sha256: sha(snippet), env: 'demo', params: {}, confirmed: true, ...(approval ? { approval } : {}) });
  const done = await client.done(snippet, 30_000);
  const states = client.of(snippet).flatMap((m) => (m.type === 'state' ? [m.state as { requiredActions?: unknown[] }] : []));
  client.close();
  return { done, states };
}

describe.skipIf(!SPECS_PRESENT)('a required action of a run an escalation step started', () => {
  it('shows in the run\'s state; its starter may not answer it, another approver may, and both attempts are audited', async () => {
    const asked = await h.api('POST', '/api/approvals', SECOND_APPROVER, { snippet: 'af/clear-esc', sha256: sha('af/clear-esc'), env: 'demo', params: {}, reason: 'reload the day' });
    expect((await h.api('POST', `/api/approvals/${asked.body.id}/decision`, APPROVER, { decision: 'approve', comment: 'go' })).status).toBe(200);
    const { done, states } = await runAs(SECOND_APPROVER, 'af/clear-esc', asked.body.id as string);
    expect(done.status).toBe('succeeded');
    expect(states.some((s) => s.requiredActions?.length)).toBe(true);

    const own = await answer(SECOND_APPROVER, 'af/clear-esc', RUN_A, ['Publish']);
    expect(own.status).toBe(403);
    expect(JSON.stringify(own.body)).toMatch(/You started this run/);
    expect((await answer(OPERATOR, 'af/clear-esc', RUN_A, ['Publish'])).status).toBe(403);
    expect((await answer(APPROVER, 'af/clear-esc', RUN_A, ['Maybe'])).status).toBe(400);
    expect(af.hitl[0]!.chosen).toBeNull();

    const ok = await answer(APPROVER, 'af/clear-esc', RUN_A, ['Publish']);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ chosen: ['Publish'], answeredBy: 'ops' });
    expect(af.hitl[0]!.chosen).toEqual(['Publish']);
    expect((await answer(APPROVER, 'af/clear-esc', RUN_A, ['Hold'])).status).toBe(409);

    const records = (await decisions()).filter((r) => r.snippet === 'af/clear-esc' && r.params.run_id === RUN_A);
    expect(records.map((r) => [r.user, r.status, r.errorCode])).toEqual(
      expect.arrayContaining([[SECOND_APPROVER.user, 'rejected', 'forbidden'], [OPERATOR.user, 'rejected', 'forbidden'], [APPROVER.user, 'rejected', 'bad_request'], [APPROVER.user, 'approved', null], [APPROVER.user, 'rejected', 'approval_invalid']]),
    );
    expect(af.violations).toEqual([]);
  });
});

describe.skipIf(!SPECS_PRESENT)('a required action of a run a service-team step started', () => {
  it('may be answered by the operator who ran the step', async () => {
    const { done } = await runAs(OPERATOR, 'af/clear-svc');
    expect(done.status).toBe('succeeded');
    const ok = await answer(OPERATOR, 'af/clear-svc', RUN_B, ['Hold']);
    expect(ok.status).toBe(200);
    expect(af.hitl[1]!.chosen).toEqual(['Hold']);
  });
});
