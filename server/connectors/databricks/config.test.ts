/**
 * The `kind: databricks` connection as opsbook.config.yaml gives it: schema messages, tokens from
 * ${ENV}, and --check-config trying both profiles through the registry against the contract fake.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConnections, formatChecks } from '../../checkConfig';
import { parseConfig } from '../../config';
import { databricksConnectionSchema } from './config';
import { DATABRICKS_READ_NOTE } from './readBoundary';
import { startDatabricksFake, type DatabricksFake } from './testing/index';

const base = { kind: 'databricks', host: 'https://dbc-a1b2c3d4-e5f6.cloud.databricks.com', warehouseId: 'a1b2c3d4e5f60718', read: { token: 'r' } };

function problems(input: unknown): string[] {
  const r = databricksConnectionSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('the databricks connection schema', () => {
  it('accepts a workspace, a warehouse and one or two tokens', () => {
    expect(problems(base)).toEqual([]);
    expect(problems({ ...base, catalog: 'main', schema: 'ops', waitTimeoutSeconds: 0, pollMs: 500, write: { token: 'w' } })).toEqual([]);
  });

  it('takes a connection for DLT blocks only (no warehouse), and the demo Databricks with nothing else', async () => {
    const { warehouseId: _, ...pipelinesOnly } = base;
    expect(problems(pipelinesOnly)).toEqual([]);
    expect(problems({ kind: 'databricks', demo: true })).toEqual([]);
    expect(problems({ kind: 'databricks', demo: true, host: base.host })).toEqual(["host: a demo Databricks connection takes no host: it is the demo's own DLT stand-in"]);
    expect(problems({ kind: 'databricks', warehouseId: 'a1b2' })).toEqual([
      'host: set host to the workspace URL, e.g. https://dbc-a1b2c3d4-e5f6.cloud.databricks.com (or demo: true)',
      'read: set read: {token: "${DATABRICKS_READ_TOKEN}"}',
    ]);
    // SQL on a connection without a warehouse is refused with what to set.
    const { openDatabricks } = await import('./index');
    await expect(openDatabricks({ connection: databricksConnectionSchema.parse(pipelinesOnly) })).rejects.toMatchObject({ message: expect.stringMatching(/has no warehouseId, so sql blocks cannot run on it/), hint: expect.stringMatching(/Set warehouseId/) });
    await expect(openDatabricks({ connection: databricksConnectionSchema.parse({ kind: 'databricks', demo: true }) })).rejects.toMatchObject({ hint: expect.stringMatching(/target=warehouse/) });
  });

  it('says how to fix the usual mistakes', () => {
    expect(problems({ ...base, host: 'https://dbc-a1.cloud.databricks.com/sql/1.0/warehouses/a1b2' })).toEqual(['host: give the workspace URL only (https://<workspace>.cloud.databricks.com); the warehouse goes in warehouseId']);
    expect(problems({ ...base, host: 'dbc-a1.cloud.databricks.com' })[0]).toMatch(/^host: host must be the workspace URL/);
    expect(problems({ ...base, warehouseId: '/sql/1.0/warehouses/a1b2' })[0]).toMatch(/^warehouseId: set warehouseId: the id of the SQL warehouse/);
    expect(problems({ ...base, waitTimeoutSeconds: 60 })).toEqual(['waitTimeoutSeconds: waitTimeoutSeconds must be 0 or between 5 and 50 (the range the Statement Execution API accepts)']);
    expect(problems({ ...base, read: { token: '' } })).toEqual(['read.token: token is empty: is its ${ENV_VAR} set?']);
    expect(problems({ ...base, read: { user: 'u', password: 'p' } })[0]).toMatch(/^read/);
    expect(problems({ ...base, write: { token: 'r' } })).toEqual(['write.token: the write profile must use another token than the read profile: the read token (a principal with only SELECT) is what keeps read snippets from changing data']);
  });
});

describe('--check-config on a Databricks connection', () => {
  let fake: DatabricksFake;
  beforeAll(async () => {
    fake = await startDatabricksFake({
      warehouseId: 'a1b2c3d4e5f60718',
      principals: [{ token: 'dapi-ro', name: 'sp-read', readOnly: true }],
      pollsBeforeDone: 0,
    });
  });
  afterAll(async () => {
    await fake?.close();
  });

  it("reads tokens from ${ENV}, runs select 1 per profile, and says the read profile's token is the read boundary", async () => {
    const yaml = `environments:
  prod:
    production: true
    connections:
      lakehouse: {kind: databricks, host: "${fake.url}", warehouseId: a1b2c3d4e5f60718, waitTimeoutSeconds: 5, read: {token: "\${DBX_READ}"}, write: {token: "\${DBX_WRITE}"}}
auth: {mode: proxy, trustedProxies: [10.0.0.0/8], roleMap: {ops: [service-team]}}
`;
    const config = parseConfig(yaml, 'check.yaml', { DBX_READ: 'dapi-ro', DBX_WRITE: 'dapi-revoked' });
    const results = await checkConnections(config, process.cwd());
    expect(results.map((r) => [r.connection, r.kind, r.profile, r.ok])).toEqual([
      ['lakehouse', 'databricks', 'read', true],
      ['lakehouse', 'databricks', 'write', false],
    ]);
    expect(results[0]!.detail).toBe(`select 1 ok; ${DATABRICKS_READ_NOTE}`);
    expect(results[1]!.detail).toMatch(/^Databricks refused the token of the write profile: Invalid access token\. \[HTTP 401 UNAUTHENTICATED\] — Check write\.token/);
    expect(formatChecks(results, 'check.yaml', process.cwd())).not.toContain('dapi-');
    const submits = fake.requests.filter((r) => r.method === 'POST');
    expect(submits.map((r) => [r.principal, (r.body as { statement: string }).statement])).toEqual([['sp-read', 'select 1'], [null, 'select 1']]);
  });
});
