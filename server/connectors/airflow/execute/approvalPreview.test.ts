import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveSandbox, type ServedSandbox } from '../../../demo/airflow/testing/serve';
import { previewAirflowSnippet } from './approvalPreview';

let s: ServedSandbox;
beforeAll(async () => {
  s = await serveSandbox();
}, 180_000);
afterAll(async () => s?.close());

const yesterday = (() => {
  const d = new Date();
  d.setDate(d.getDate() - 1);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
})();

describe('the approver preview of an escalated Airflow write', () => {
  it('lists the task instances a clear would reset, from a dry run that changes nothing', async () => {
    const client = s.client('v2');
    const p = await previewAirflowSnippet(client, 'tasks clear cdm_360_refresh -t "refresh_(campaign|flowchart)_360" -s {{d}} -e {{d}}', { d: { type: 'date', value: yesterday } });
    expect(p.kind).toBe('airflow');
    if (p.kind !== 'airflow') return;
    expect(p.taskInstances.map((t) => t.taskId).sort()).toEqual(['refresh_campaign_360', 'refresh_flowchart_360']);
    expect(p.taskInstances.every((t) => t.dagId === 'cdm_360_refresh' && t.state === 'success')).toBe(true);
    const runId = p.taskInstances[0]!.runId;
    expect((await client.getRun('cdm_360_refresh', runId)).state).toBe('success');
  });

  it('describes other writes in a sentence, and says when a clear would match nothing', async () => {
    const client = s.client('v1');
    expect(await previewAirflowSnippet(client, 'dags pause cdm_publish', {})).toMatchObject({ kind: 'airflow', note: expect.stringMatching(/Pauses cdm_publish/) });
    expect(await previewAirflowSnippet(client, 'tasks clear cdm_publish -t "^nothing$"', {})).toMatchObject({ kind: 'airflow', taskInstances: [], note: expect.stringMatching(/No task of cdm_publish matches/) });
  });
});
