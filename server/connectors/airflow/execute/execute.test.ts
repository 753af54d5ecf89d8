/**
 * The executor over the Airflow 2 API (the in-process runner test covers Airflow 3): it follows a run
 * to its end with Airflow 2's logs and tokens, previews a clear with the states v1 does not return, and
 * says plainly that a backfill needs Airflow 3.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoundValue } from '../../../../plugins/remark-runbook/syntax/params';
import type { ServerMessage } from '../../../protocol';
import { serveSandbox, type ServedSandbox } from '../../../demo/airflow/testing/serve';
import type { AirflowClient } from '../types';
import { executeAirflowSnippet } from './index';

let s: ServedSandbox;
let v1: AirflowClient;
beforeAll(async () => {
  s = await serveSandbox();
  v1 = s.client('v1');
}, 180_000);
afterAll(async () => s?.close());

async function exec(text: string, binds: Record<string, BoundValue> = {}, preview = false, confirmed = true) {
  const messages: ServerMessage[] = [];
  const outcome = await executeAirflowSnippet({
    client: v1, text, binds, preview, confirmed, id: 'x', signal: new AbortController().signal, maxRows: 100, pollMs: 50,
    channel: { send: (m) => void messages.push(m), rows: (batch) => ((messages.push({ type: 'rows', id: 'x', rows: batch }), Promise.resolve())) },
  });
  return { outcome, messages, logs: messages.flatMap((m) => (m.type === 'log' ? [m.text] : [])).join('') };
}

describe('the executor on Airflow 2 (/api/v1)', () => {
  it('triggers and follows the run to success, streaming the log to its end', async () => {
    const { outcome, messages, logs } = await exec(`dags trigger cdm_rdv_to_interface -c '{"business_date": "{{d}}"}'`, { d: { type: 'date', value: '2031-04-05' } });
    expect(outcome).toEqual({ status: 'succeeded', rowCount: 0, truncated: false, dryRun: false });
    expect(messages.filter((m) => m.type === 'state').at(-1)).toMatchObject({ state: { state: 'success', tasks: [{ taskId: 'build_interface', state: 'success' }] } });
    expect(logs).toMatch(/build_interface · try 1[\s\S]*business date 2031-04-05[\s\S]*Marking task as SUCCESS[\s\S]*cdm_rdv_to_interface run \S+: success \(1 success\)/);
  });

  it('previews a clear with the states the v1 answer leaves out, changing nothing', async () => {
    const { outcome, messages } = await exec("tasks clear cdm_ldz_to_rdv -t '^check' -s {{d}} -e {{d}} -u", { d: { type: 'date', value: (await v1.listRuns('cdm_ldz_to_rdv', { limit: 1 }))[0]!.logicalDate!.slice(0, 10) } }, true);
    expect(outcome).toMatchObject({ status: 'succeeded', rowCount: 4 });
    const rows = messages.flatMap((m) => (m.type === 'rows' ? m.rows : []));
    expect(rows.map((r) => [r[2], r[3]])).toEqual([['load_hubs', 'success'], ['load_links', 'success'], ['load_satellites', 'success'], ['check_rdv_keys', 'success']]);
  });

  it('previews an unconfirmed trigger — DAG, logical date, conf and the run it would create — and starts nothing', async () => {
    const before = await v1.listRuns('cdm_rdv_to_interface', {});
    const { outcome, messages, logs } = await exec(`dags trigger cdm_rdv_to_interface -c '{"business_date": "{{d}}"}' -l {{d}}`, { d: { type: 'date', value: '2031-05-06' } }, false, false);
    expect(outcome).toEqual({ status: 'succeeded', rowCount: 1, truncated: false, dryRun: true });
    expect(messages.find((m) => m.type === 'columns')).toMatchObject({ columns: [{ name: 'dag_id' }, { name: 'logical_date' }, { name: 'conf' }, { name: 'run_id' }, { name: 'dag_paused' }, { name: 'existing_run' }] });
    expect(messages.flatMap((m) => (m.type === 'rows' ? m.rows : []))).toEqual([
      ['cdm_rdv_to_interface', '2031-05-06T00:00:00Z', '{"business_date":"2031-05-06"}', 'manual__2031-05-06T00:00:00+00:00', false, null],
    ]);
    expect(messages.some((m) => m.type === 'state')).toBe(false);
    expect(logs).toMatch(/Dry run: confirming would start cdm_rdv_to_interface run manual__2031-05-06T00:00:00\+00:00[\s\S]*Nothing was started/);
    expect(await v1.listRuns('cdm_rdv_to_interface', {})).toHaveLength(before.length);

    // Confirmed, the same command creates exactly the run the preview named.
    const confirmed = await exec(`dags trigger cdm_rdv_to_interface -c '{"business_date": "{{d}}"}' -l {{d}}`, { d: { type: 'date', value: '2031-05-06' } }, false, true);
    expect(confirmed.outcome).toMatchObject({ status: 'succeeded', dryRun: false });
    expect(confirmed.logs).toMatch(/Triggered cdm_rdv_to_interface: run manual__2031-05-06T00:00:00\+00:00 /);
  });

  it('names the tasks when a regex matches none', async () => {
    const { outcome } = await exec("tasks clear cdm_ldz_to_rdv -t '^nothing$'");
    expect(outcome).toMatchObject({ status: 'failed', error: { message: 'No task of cdm_ldz_to_rdv matches /^nothing$/.', hint: 'Its tasks are: load_hubs, load_links, load_satellites, check_rdv_keys.' } });
  });

  it('says that a backfill needs Airflow 3', async () => {
    const { outcome } = await exec('dags backfill cdm_publish -s 2031-01-01 -e 2031-01-02');
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'unavailable', message: expect.stringMatching(/not supported on Airflow 2/) } });
  });

  it('pauses and unpauses, and sets a variable without echoing its value', async () => {
    expect((await exec('dags pause cdm_publish')).messages.filter((m) => m.type === 'rows').flatMap((m) => (m.type === 'rows' ? m.rows : []))).toEqual([['cdm_publish', true]]);
    expect((await exec('dags unpause cdm_publish')).outcome.status).toBe('succeeded');
    const set = await exec('variables set opsbook_secret_token {{v}}', { v: { type: 'string', value: 'hunter2' } });
    expect(set.logs).toBe('Variable opsbook_secret_token set.\n');
    const got = await exec('variables get opsbook_secret_token');
    expect(got.messages.flatMap((m) => (m.type === 'rows' ? m.rows : []))).toEqual([['opsbook_secret_token', '***']]);
  });
});
