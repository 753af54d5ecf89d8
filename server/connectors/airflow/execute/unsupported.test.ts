/**
 * A backfill on an Airflow 2 environment (REST API v1, no backfill endpoint) is refused before anything
 * is spent on it: the approval request is refused with the reason (and recorded), and a run offering an
 * approval is refused before the approval is checked or consumed. Airflow itself is never called.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../../api';
import { ADMIN, OPERATOR, startHarness, type Harness } from '../../../testing/harness';
import { startContractAirflow, type ContractAirflow } from '../testing/contractAirflow';
import { SPECS_PRESENT } from '../../../demo/airflow/testing/specCheck';

let h: Harness;
let v1: ContractAirflow;
let v2: ContractAirflow;
const dags = [{ dagId: 'cdm_publish', hourUtc: 2, tasks: [{ taskId: 'publish' }] }];
const backfill = (target: string) => ({
  text: 'dags backfill cdm_publish -s {{from}} -e {{to}}', lang: 'airflow' as const, target, mode: 'write' as const, role: 'escalation' as const, approver: 'approver',
  params: [{ name: 'from', type: 'date', default: '2031-02-01' }, { name: 'to', type: 'date', default: '2031-02-01' }],
});

beforeAll(async () => {
  if (!SPECS_PRESENT) return;
  v1 = await startContractAirflow({ api: 'v1', dags });
  v2 = await startContractAirflow({ api: 'v2', dags });
  const conn = (name: string, url: string, api: string) => `      ${name}: {kind: airflow, url: ${JSON.stringify(url)}, api: ${api}, auth: {username: ops, password: s3cret-pw}}\n`;
  h = await startHarness({
    setupSql: 'select 1',
    demoConnections: conn('airflow2', v1.url, 'v1') + conn('airflow3', v2.url, 'v2'),
    extraConfig: 'approvals: {ttlMinutes: 30, requestsPerMinute: 50}\n',
    snippets: { 'af/backfill-2': backfill('airflow2'), 'af/backfill-3': backfill('airflow3') },
  });
}, 60_000);
afterAll(async () => {
  await h?.close();
  await v1?.close();
  await v2?.close();
});

const ask = (snippet: string) => h.api('POST', '/api/approvals', OPERATOR, { snippet, sha256: h.manifest.snippets[snippet]!.sha256, env: 'demo', params: {}, reason: 'reload the missing day' });

describe.skipIf(!SPECS_PRESENT)('a backfill where the environment runs Airflow 2', () => {
  it('refuses the approval request, saying why, and records the refusal', async () => {
    const res = await ask('af/backfill-2');
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/dags backfill is not supported on Airflow 2.*tasks clear/);
    const records = (await h.api('GET', '/api/audit?limit=50&kind=approval_request&status=rejected', ADMIN)).body.records as AuditRecord[];
    expect(records.find((r) => r.snippet === 'af/backfill-2')).toMatchObject({ errorCode: 'unavailable', user: OPERATOR.user });
    expect(v1.requests).toEqual([]);
  });

  it('refuses a run before the approval it offers is checked or spent', async () => {
    const client = await h.connect();
    client.send({ type: 'run', id: 'b1', snippet: 'af/backfill-2', sha256: h.manifest.snippets['af/backfill-2']!.sha256, env: 'demo', params: {}, approval: 'any-approval', confirmed: true });
    expect(await client.done('b1')).toMatchObject({ status: 'rejected', error: { code: 'unavailable', message: expect.stringMatching(/not supported on Airflow 2/) } });
    client.close();
    expect(v1.requests).toEqual([]);
  });

  it('an Airflow 3 environment takes the same request', async () => {
    const res = await ask('af/backfill-3');
    expect(res.status).toBeLessThan(300);
    expect(res.body).toMatchObject({ status: 'pending', preview: { kind: 'airflow', note: expect.stringMatching(/Backfills cdm_publish from 2031-02-01 to 2031-02-01/) } });
  });
});
