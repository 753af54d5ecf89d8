/**
 * The contract fake refuses what Databricks refuses: a fake that accepted anything could not catch a
 * client drifting from the Statement Execution API. Raw HTTP here, no connector.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDatabricksFake, type DatabricksFake } from './index';

const WAREHOUSE = 'abc123';
let fake: DatabricksFake;

async function post(body: unknown, token: string | null = 'tok-a', headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const res = await fetch(`${fake.url}/api/2.0/sql/statements`, { method: 'POST', headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const ok = { statement: 'select 1', warehouse_id: WAREHOUSE, wait_timeout: '0s' };

beforeAll(async () => {
  fake = await startDatabricksFake({ warehouseId: WAREHOUSE, principals: [{ token: 'tok-a', name: 'a', readOnly: false }, { token: 'tok-b', name: 'b', readOnly: true }], pollsBeforeDone: 0 });
});
afterAll(async () => {
  await fake?.close();
});

describe('the Databricks contract fake', () => {
  it('refuses requests without a known bearer token', async () => {
    expect(await post(ok, null)).toEqual({ status: 401, json: { error_code: 'UNAUTHENTICATED', message: 'Credential was not sent or was of an unsupported type for this API.' } });
    expect((await post(ok, 'nope')).status).toBe(401);
  });

  it.each([
    [{ ...ok, extra: 1 }, /Unrecognized key/],
    [{ ...ok, wait_timeout: '3s' }, /wait_timeout must be 0s or between 5s and 50s/],
    [{ ...ok, format: 'CSV' }, /INLINE disposition supports only JSON_ARRAY/],
    [{ ...ok, parameters: [{ name: 'x', value: '1', type: 'WIDGET' }] }, /unsupported parameter type/],
    [{ ...ok, parameters: [{ name: 'x', value: 1 }] }, /parameters\.0\.value/],
    [{ ...ok, row_limit: 0 }, /row_limit/],
    [{ warehouse_id: WAREHOUSE }, /statement/],
  ])('refuses a malformed submit (%j)', async (body, message) => {
    const r = await post(body);
    expect(r.status).toBe(400);
    expect(r.json.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(String(r.json.message)).toMatch(message);
  });

  it('refuses a body that is not declared JSON and an unknown warehouse', async () => {
    expect((await post(ok, 'tok-a', { 'content-type': 'text/plain' })).status).toBe(400);
    expect(await post({ ...ok, warehouse_id: 'zzz' })).toMatchObject({ status: 404, json: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
  });

  it('fails a statement whose marker has no parameter, and keeps statements to their principal', async () => {
    const r = await post({ ...ok, statement: 'select :x', wait_timeout: '5s' });
    expect(r.json.status).toMatchObject({ state: 'FAILED', sql_state: '42P02', error: { message: expect.stringMatching(/^\[UNBOUND_SQL_PARAMETER\]/) } });
    const other = await fetch(`${fake.url}/api/2.0/sql/statements/${String(r.json.statement_id)}`, { headers: { authorization: 'Bearer tok-b' } });
    expect(other.status).toBe(403);
  });
});
