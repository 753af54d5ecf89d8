/**
 * The sandbox's answers against the official specs (required fields, types, enums, nulls, status codes),
 * for every endpoint the Opsbook client uses, in both API versions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveSandbox, waitForRun, type ServedSandbox } from './testing/serve';
import { conform, SPECS_DIR, SPECS_PRESENT } from './testing/specCheck';

if (!SPECS_PRESENT) console.log(`Skipping the Airflow spec contract tests: the official specs are not at ${SPECS_DIR}.`);

let s: ServedSandbox;
let bearer = '';
let basic = '';
let runId = '';

beforeAll(async () => {
  if (!SPECS_PRESENT) return;
  s = await serveSandbox();
  const login = await fetch(`${s.url}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(s.sandbox.credentials) });
  const body = (await login.json()) as { access_token: string };
  expect(login.status).toBe(201);
  expect(conform('v2-simple-auth-manager-generated.yaml', 'LoginResponse', body)).toEqual([]);
  bearer = `Bearer ${body.access_token}`;
  basic = `Basic ${Buffer.from(`${s.sandbox.credentials.username}:${s.sandbox.credentials.password}`).toString('base64')}`;
  const v2 = s.client('v2');
  const run = await v2.triggerRun('cdm_ldz_to_rdv', { conf: { business_date: '2031-02-03' }, logicalDate: null });
  runId = run.runId;
  await waitForRun(v2, 'cdm_ldz_to_rdv', run.runId);
}, 180_000);
afterAll(async () => s?.close());

async function call(api: 'v1' | 'v2', method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${s.url}/api/${api}${path}`, {
    method, headers: { authorization: api === 'v2' ? bearer : basic, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json() };
}
const run = () => encodeURIComponent(runId);

describe.skipIf(!SPECS_PRESENT)('/api/v2 answers as v2-rest-api-generated.yaml says', () => {
  const spec = 'v2-rest-api-generated.yaml' as const;
  const cases: [string, string, () => string, unknown, number, string][] = [
    ['a DAG', 'GET', () => '/dags/cdm_ldz_to_rdv', undefined, 200, 'DAGResponse'],
    ['a pause', 'PATCH', () => '/dags/cdm_publish?update_mask=is_paused', { is_paused: false }, 200, 'DAGResponse'],
    ['its tasks', 'GET', () => '/dags/cdm_ldz_to_rdv/tasks', undefined, 200, 'TaskCollectionResponse'],
    ['its runs', 'GET', () => '/dags/cdm_ldz_to_rdv/dagRuns?limit=5', undefined, 200, 'DAGRunCollectionResponse'],
    ['a run', 'GET', () => `/dags/cdm_ldz_to_rdv/dagRuns/${run()}`, undefined, 200, 'DAGRunResponse'],
    ['a trigger', 'POST', () => '/dags/cdm_publish/dagRuns', { logical_date: null, conf: {} }, 200, 'DAGRunResponse'],
    ['task instances', 'GET', () => `/dags/cdm_ldz_to_rdv/dagRuns/${run()}/taskInstances`, undefined, 200, 'TaskInstanceCollectionResponse'],
    ['a dry-run clear', 'POST', () => '/dags/cdm_ldz_to_rdv/clearTaskInstances', { dry_run: true, only_failed: false, task_ids: ['load_hubs'] }, 200, 'TaskInstanceCollectionResponse'],
    ['a log', 'GET', () => `/dags/cdm_ldz_to_rdv/dagRuns/${run()}/taskInstances/load_hubs/logs/1`, undefined, 200, 'TaskInstancesLogResponse'],
    ['a variable', 'GET', () => '/variables/cdm_target_engine', undefined, 200, 'VariableResponse'],
    ['a variable update', 'PATCH', () => '/variables/cdm_batch_id', { key: 'cdm_batch_id', value: 'auto' }, 200, 'VariableResponse'],
    ['a new variable', 'POST', () => '/variables', { key: 'opsbook_contract', value: 'x' }, 201, 'VariableResponse'],
    ['a backfill', 'POST', () => '/backfills', { dag_id: 'cdm_publish', from_date: '2031-03-01T00:00:00Z', to_date: '2031-03-01T00:00:00Z' }, 200, 'BackfillResponse'],
    ['the backfills', 'GET', () => '/backfills?dag_id=cdm_publish', undefined, 200, 'BackfillCollectionResponse'],
    ['an unknown DAG', 'GET', () => '/dags/cdm_nope', undefined, 404, 'HTTPExceptionResponse'],
    ['a trigger without logical_date', 'POST', () => '/dags/cdm_publish/dagRuns', { conf: {} }, 422, 'HTTPValidationError'],
    ['an unknown body field', 'POST', () => '/dags/cdm_ldz_to_rdv/clearTaskInstances', { dry_run: true, bogus: 1 }, 422, 'HTTPValidationError'],
    ['a run id that exists', 'POST', () => '/dags/cdm_ldz_to_rdv/dagRuns', () => ({ logical_date: null, dag_run_id: runId }), 409, 'HTTPExceptionResponse'],
  ];
  for (const [what, method, path, body, status, schema] of cases) {
    it(`${what}: ${method} → ${status} ${schema}`, async () => {
      const res = await call('v2', method, path(), typeof body === 'function' ? (body as () => unknown)() : body);
      expect(res.status, JSON.stringify(res.json).slice(0, 300)).toBe(status);
      expect(conform(spec, schema, res.json)).toEqual([]);
    });
  }

  it('refuses a request without a valid token with 401 {detail}', async () => {
    const res = await fetch(`${s.url}/api/v2/dags/cdm_ldz_to_rdv`, { headers: { authorization: 'Bearer nope' } });
    expect(res.status).toBe(401);
    expect(conform(spec, 'HTTPExceptionResponse', await res.json())).toEqual([]);
  });

  it('refuses bad credentials on /auth/token with 401', async () => {
    const res = await fetch(`${s.url}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'opsbook', password: 'wrong' }) });
    expect(res.status).toBe(401);
  });
});

describe.skipIf(!SPECS_PRESENT)('/api/v1 answers as v1.yaml says', () => {
  const spec = 'v1.yaml' as const;
  const cases: [string, string, () => string, unknown, number, string][] = [
    ['a DAG', 'GET', () => '/dags/cdm_ldz_to_rdv', undefined, 200, 'DAG'],
    ['a pause', 'PATCH', () => '/dags/cdm_publish?update_mask=is_paused', { is_paused: false }, 200, 'DAG'],
    ['its tasks', 'GET', () => '/dags/cdm_ldz_to_rdv/tasks', undefined, 200, 'TaskCollection'],
    ['its runs', 'GET', () => '/dags/cdm_ldz_to_rdv/dagRuns?limit=5', undefined, 200, 'DAGRunCollection'],
    ['a run', 'GET', () => `/dags/cdm_ldz_to_rdv/dagRuns/${run()}`, undefined, 200, 'DAGRun'],
    ['a trigger', 'POST', () => '/dags/cdm_publish/dagRuns', { conf: {} }, 200, 'DAGRun'],
    ['task instances', 'GET', () => `/dags/cdm_ldz_to_rdv/dagRuns/${run()}/taskInstances`, undefined, 200, 'TaskInstanceCollection'],
    ['a dry-run clear', 'POST', () => '/dags/cdm_ldz_to_rdv/clearTaskInstances', { dry_run: true, only_failed: false, task_ids: ['load_hubs'] }, 200, 'TaskInstanceReferenceCollection'],
    ['a variable', 'GET', () => '/variables/cdm_target_engine', undefined, 200, 'Variable'],
    ['an unknown DAG', 'GET', () => '/dags/cdm_nope', undefined, 404, 'Error'],
    ['a run id that exists', 'POST', () => '/dags/cdm_ldz_to_rdv/dagRuns', () => ({ dag_run_id: runId }), 409, 'Error'],
    ['an unknown body field', 'POST', () => '/dags/cdm_ldz_to_rdv/dagRuns', { bogus: 1 }, 400, 'Error'],
  ];
  for (const [what, method, path, body, status, schema] of cases) {
    it(`${what}: ${method} → ${status} ${schema}`, async () => {
      const res = await call('v1', method, path(), typeof body === 'function' ? (body as () => unknown)() : body);
      expect(res.status, JSON.stringify(res.json).slice(0, 300)).toBe(status);
      expect(conform(spec, schema, res.json)).toEqual([]);
    });
  }

  it('answers a log as {continuation_token, content}', async () => {
    const res = await call('v1', 'GET', `/dags/cdm_ldz_to_rdv/dagRuns/${run()}/taskInstances/load_hubs/logs/1`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ continuation_token: expect.any(String), content: expect.stringMatching(/^\[\('opsbook-sandbox-worker-1', ['"]/) });
  });

  it('refuses a request without basic auth with a 401 problem', async () => {
    const res = await fetch(`${s.url}/api/v1/dags/cdm_ldz_to_rdv`);
    expect(res.status).toBe(401);
    expect(conform(spec, 'Error', await res.json())).toEqual([]);
  });
});
