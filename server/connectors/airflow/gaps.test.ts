/**
 * The client and the executor against the stateful contract fake (testing/contractAirflow.ts), for what a
 * fixture-per-route fake cannot show: dynamically mapped tasks (several map indexes of one task), an
 * api-server restarted with a rotated JWT secret, Airflow 2 pages that tie on sort order, and a one-day
 * backfill on a DAG scheduled at 02:00. Every request must be valid against the official spec.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BoundValue } from '../../../plugins/remark-runbook/syntax/params';
import type { AirflowRunState, ServerMessage } from '../../protocol';
import { ConnectorError } from '../types';
import { executeAirflowSnippet } from './execute/index';
import { createAirflowClient } from './index';
import { progress, startContractAirflow, type ContractAirflow, type ContractDag } from './testing/contractAirflow';
import type { AirflowClient } from './types';
import { SPECS_DIR, SPECS_PRESENT } from '../../demo/airflow/testing/specCheck';

if (!SPECS_PRESENT) console.log(`Skipping the Airflow contract-fake tests: the official specs are not at ${SPECS_DIR}.`);

const auth = { username: 'ops', password: 's3cret-pw' };
const RUN = 'scheduled__2031-03-04T02:00:00+00:00';
const LOGICAL = '2031-03-04T02:00:00.000Z';
/** extract → transform (mapped over 3 files) → publish. */
const MAPPED: ContractDag = { dagId: 'ecomm_files', hourUtc: 2, tasks: [{ taskId: 'extract' }, { taskId: 'transform', mapped: 3 }, { taskId: 'publish' }] };

let fake: ContractAirflow;
let client: AirflowClient;
afterEach(async () => {
  client?.close();
  await fake?.close();
});

async function start(api: 'v1' | 'v2', dags: readonly ContractDag[], pageCap?: number) {
  fake = await startContractAirflow({ api, dags, ...(pageCap ? { pageCap } : {}) });
  client = createAirflowClient({ url: fake.url, api, auth, retries: 1, backoffMs: 1 });
}

async function exec(text: string, binds: Record<string, BoundValue> = {}, preview = false) {
  const messages: ServerMessage[] = [];
  const outcome = await executeAirflowSnippet({
    client, text, binds, preview, confirmed: true, id: 'x', signal: new AbortController().signal, maxRows: 1000, pollMs: 1,
    channel: { send: (m) => void messages.push(m), rows: (batch) => ((messages.push({ type: 'rows', id: 'x', rows: batch }), Promise.resolve())) },
  });
  const states = messages.flatMap((m) => (m.type === 'state' ? [m.state as unknown as AirflowRunState] : []));
  return { outcome, messages, states, rows: messages.flatMap((m) => (m.type === 'rows' ? m.rows : [])), logs: messages.flatMap((m) => (m.type === 'log' ? [m.text] : [])).join('') };
}

async function rejection(p: Promise<unknown>): Promise<ConnectorError> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(ConnectorError);
  return e as ConnectorError;
}

describe.skipIf(!SPECS_PRESENT).each(['v1', 'v2'] as const)('a dynamically mapped task on %s', (api) => {
  it('lists each map index as its own task instance and reads each one\'s log with map_index', async () => {
    await start(api, [MAPPED]);
    fake.addRun('ecomm_files', RUN, LOGICAL, 'failed', 'success');
    fake.ti(RUN, 'transform', 1).state = 'failed';
    fake.ti(RUN, 'publish').state = 'upstream_failed';
    const tis = await client.listTaskInstances('ecomm_files', RUN);
    expect(tis.map((t) => [t.taskId, t.mapIndex, t.state])).toEqual(expect.arrayContaining([['transform', 0, 'success'], ['transform', 1, 'failed'], ['transform', 2, 'success']]));
    expect(tis).toHaveLength(5);
    expect((await client.readLog('ecomm_files', RUN, 'transform', 1, null, undefined, 2)).text).toMatch(/transform\[2\] try 1 ran\n$/);
    expect(fake.violations).toEqual([]);
  });

  it('tasks logs -m reads that map index; without -m on a mapped task it reads every map index in turn', async () => {
    await start(api, [MAPPED]);
    fake.addRun('ecomm_files', RUN, LOGICAL, 'success', 'success');
    const one = await exec(`tasks logs ecomm_files ${RUN} transform -m 1`);
    expect(one.outcome.status).toBe('succeeded');
    expect(one.logs).toContain('transform[1] · try 1');
    expect(one.logs).toContain('transform[1] try 1 ran');
    expect(one.logs).not.toContain('transform[0]');
    const all = await exec(`tasks logs ecomm_files ${RUN} transform`);
    expect(all.logs).toMatch(/transform\[0\] try 1 ran[\s\S]*transform\[1\] try 1 ran[\s\S]*transform\[2\] try 1 ran/);
    const missing = await exec(`tasks logs ecomm_files ${RUN} transform --map-index 7`);
    expect(missing.outcome.error?.message).toMatch(/no map index 7.*0, 1, 2/);
    expect(fake.requests.filter((r) => r.path.includes('/logs/')).map((r) => r.query.get('map_index'))).toEqual(['1', '0', '1', '2']);
    expect(fake.violations).toEqual([]);
  });

  it('a clear of a mapped task lists and clears every map index, then follows each one\'s state and log', async () => {
    await start(api, [MAPPED]);
    const run = fake.addRun('ecomm_files', RUN, LOGICAL, 'failed', 'success');
    fake.ti(RUN, 'transform', 0).state = 'failed';
    fake.ti(RUN, 'transform', 2).state = 'failed';
    const preview = await exec('tasks clear ecomm_files -t ^transform$ -f', {}, true);
    expect(preview.rows.map((r) => [r[2], r[4], r[3]])).toEqual([['transform', 0, 'failed'], ['transform', 2, 'failed']]);
    run.steps.push(progress('running', 'running'), progress('success'));
    const cleared = await exec('tasks clear ecomm_files -t ^transform$ -f');
    expect(cleared.outcome).toMatchObject({ status: 'succeeded' });
    const last = cleared.states.at(-1)!;
    expect(last.tasks.filter((t) => t.taskId === 'transform').map((t) => [t.mapIndex, t.state, t.tryNumber])).toEqual([[0, 'success', 2], [1, 'success', 1], [2, 'success', 2]]);
    expect(cleared.logs).toMatch(/transform\[0\] · try 2[\s\S]*transform\[0\] try 2 ran/);
    expect(cleared.logs).toMatch(/transform\[2\] · try 2[\s\S]*transform\[2\] try 2 ran/);
    expect(fake.violations).toEqual([]);
  });
});

describe.skipIf(!SPECS_PRESENT)('Airflow 3 restarted with a rotated JWT secret', () => {
  it('a 403 "Invalid JWT token" renews the token once and repeats the request before anything is reported', async () => {
    await start('v2', [MAPPED]);
    fake.addRun('ecomm_files', RUN, LOGICAL, 'success', 'success');
    await client.getRun('ecomm_files', RUN);
    fake.rotateSecret();
    expect((await client.getRun('ecomm_files', RUN)).state).toBe('success');
    expect(fake.tokensIssued).toBe(2);
    expect(fake.requests.map((r) => r.path.replace(/\/dagRuns\/.*/, '/dagRuns/…'))).toEqual(['/auth/token', '/api/v2/dags/ecomm_files/dagRuns/…', '/api/v2/dags/ecomm_files/dagRuns/…', '/auth/token', '/api/v2/dags/ecomm_files/dagRuns/…']);
  });

  it('a write is repeated too (a refused request did nothing), once', async () => {
    await start('v2', [MAPPED]);
    fake.addRun('ecomm_files', RUN, LOGICAL, 'failed', 'failed');
    await client.getDag('ecomm_files');
    fake.rotateSecret();
    const refs = await client.clearTaskInstances('ecomm_files', { taskIds: ['publish'], startDate: null, endDate: null, onlyFailed: true, includeDownstream: false, includeUpstream: false, dryRun: false });
    expect(refs).toHaveLength(1);
    expect(fake.requests.filter((r) => r.path.endsWith('/clearTaskInstances'))).toHaveLength(2);
  });

  it('a second 403 is reported as refused, saying the fresh token was refused too and what to check', async () => {
    await start('v2', [MAPPED]);
    await client.getDag('ecomm_files');
    fake.refuseAllTokens = true;
    const e = await rejection(client.getDag('ecomm_files'));
    expect(e.code).toBe('forbidden');
    expect(e.message).toMatch(/Invalid JWT token/);
    expect(e.hint).toMatch(/jwt_secret/);
    expect(fake.tokensIssued).toBe(2);
    expect(fake.requests.filter((r) => r.path === '/api/v2/dags/ecomm_files')).toHaveLength(3);
  });
});

describe.skipIf(!SPECS_PRESENT)('Airflow 2 task-instance pages that tie on their sort order', () => {
  const WIDE: ContractDag = { dagId: 'wide', hourUtc: 2, tasks: Array.from({ length: 128 }, (_, i) => ({ taskId: `t_${String(i).padStart(3, '0')}` })) };

  it('collects all 128 task instances of a run paged 10 at a time, each once, checked against total_entries', async () => {
    await start('v1', [WIDE], 10);
    fake.addRun('wide', RUN, LOGICAL, 'running', 'success');
    const tis = await client.listTaskInstances('wide', RUN);
    expect(tis).toHaveLength(128);
    expect(new Set(tis.map((t) => t.taskId)).size).toBe(128);
    expect(fake.violations).toEqual([]);
  });

  it('the task grid of a followed run shows all 128 tasks', async () => {
    await start('v1', [WIDE], 10);
    fake.addRun('wide', RUN, LOGICAL, 'success', 'success');
    const { states } = await exec(`tasks states-for-dag-run wide ${RUN}`);
    expect(new Set(states.at(-1)!.tasks.map((t) => t.taskId)).size).toBe(128);
    expect(states.at(-1)!.tasks).toHaveLength(128);
  });
});

describe.skipIf(!SPECS_PRESENT)('a one-day backfill on Airflow 3', () => {
  it('dags backfill -s D -e D creates and follows the run of day D (the DAG runs at 02:00)', async () => {
    await start('v2', [MAPPED]);
    const { outcome, logs } = await exec('dags backfill ecomm_files -s 2031-03-04 -e 2031-03-04');
    expect(fake.backfills).toHaveLength(1);
    expect(fake.backfills[0]!.runIds).toEqual(['backfill__2031-03-04T02:00:00.000Z']);
    expect(outcome.status).toBe('succeeded');
    expect(logs).toMatch(/run backfill__2031-03-04T02:00:00.000Z: success/);
    expect(fake.violations).toEqual([]);
  });
});

describe.skipIf(!SPECS_PRESENT)('Airflow 3.1 human-in-the-loop tasks (required actions)', () => {
  const HITL: ContractDag = { dagId: 'ecomm_publish', hourUtc: 2, tasks: [{ taskId: 'load' }, { taskId: 'approve_publish' }, { taskId: 'publish' }] };
  const waiting = (runId: string) => ({ runId, taskId: 'approve_publish', mapIndex: -1, subject: 'Publish the gold tables?', body: '3 rows held back', options: ['Publish', 'Hold'], multiple: false, chosen: null, userId: null, respondedAt: null });

  it('shows a waiting required action in the task grid while the run is followed, then its answer', async () => {
    await start('v2', [HITL]);
    const run = fake.addRun('ecomm_publish', RUN, LOGICAL, 'running', 'success');
    fake.ti(RUN, 'approve_publish').state = 'deferred';
    fake.ti(RUN, 'publish').state = null;
    fake.hitl.push(waiting(RUN));
    // One read of the run by the clear itself, one by the first poll, then Airflow gets the answer.
    run.steps.push(() => undefined, () => undefined, () => {
      fake.hitl[0]!.chosen = ['Publish'];
      fake.hitl[0]!.userId = 'someone';
      fake.ti(RUN, 'approve_publish').state = 'success';
    }, progress('success'));
    fake.ti(RUN, 'load').state = 'failed';
    const { states } = await exec('tasks clear ecomm_publish -t ^load$ -f');
    const first = states.find((s) => s.requiredActions?.length);
    expect(first!.requiredActions).toEqual([{ taskId: 'approve_publish', mapIndex: -1, subject: 'Publish the gold tables?', body: '3 rows held back', options: ['Publish', 'Hold'], multiple: false, chosen: null, answeredBy: null }]);
    expect(states.at(-1)!.requiredActions).toEqual([expect.objectContaining({ chosen: ['Publish'], answeredBy: 'someone' })]);
    expect(fake.violations).toEqual([]);
  });

  it('answers a required action once; a second answer is refused as already given', async () => {
    await start('v2', [HITL]);
    fake.addRun('ecomm_publish', RUN, LOGICAL, 'running', 'success');
    fake.ti(RUN, 'approve_publish').state = 'deferred';
    fake.hitl.push(waiting(RUN));
    const answered = await client.answerRequiredAction({ dagId: 'ecomm_publish', runId: RUN, taskId: 'approve_publish', mapIndex: -1 }, ['Hold']);
    expect(answered).toMatchObject({ chosen: ['Hold'], answeredBy: 'ops' });
    expect(fake.requests.find((r) => r.method === 'PATCH')).toMatchObject({ path: `/api/v2/hitlDetails/ecomm_publish/${RUN}/approve_publish`, body: { chosen_options: ['Hold'] } });
    const again = await rejection(client.answerRequiredAction({ dagId: 'ecomm_publish', runId: RUN, taskId: 'approve_publish', mapIndex: -1 }, ['Publish']));
    expect(again.message).toMatch(/already answered/);
    expect(fake.violations).toEqual([]);
  });

  it('an Airflow without /hitlDetails (3.0) or Airflow 2 has none, and is asked only once', async () => {
    await start('v1', [HITL]);
    expect(await client.listRequiredActions('ecomm_publish', RUN)).toEqual([]);
    expect(fake.requests).toEqual([]);
  });
});

describe.skipIf(!SPECS_PRESENT)('the contract fake itself', () => {
  it('records and refuses a request the spec does not allow (an unknown query parameter, a body field)', async () => {
    await start('v2', [MAPPED]);
    fake.addRun('ecomm_files', RUN, LOGICAL, 'success', 'success');
    await client.getDag('ecomm_files');
    const token = String(fake.requests.find((r) => r.path === '/api/v2/dags/ecomm_files')!.headers.authorization);
    const bogus = await fetch(`${fake.url}/api/v2/dags/ecomm_files/dagRuns/${encodeURIComponent(RUN)}/taskInstances?mapIndex=2`, { headers: { authorization: token } });
    expect(bogus.status).toBe(422);
    const body = await fetch(`${fake.url}/api/v2/backfills`, { method: 'POST', headers: { authorization: token, 'content-type': 'application/json' }, body: JSON.stringify({ dag_id: 'ecomm_files', from_date: '2031-03-04', to_date: LOGICAL, colour: 'red' }) });
    expect(body.status).toBe(422);
    expect(fake.violations).toEqual([expect.stringMatching(/query parameter "mapIndex" is not in the spec/), expect.stringMatching(/body field "colour" is not allowed/)]);
  });
});
