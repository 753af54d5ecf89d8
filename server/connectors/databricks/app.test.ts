/**
 * A Databricks connection of opsbook.config.yaml, end to end through the real app: a read snippet's rows
 * stream into the page's grid messages, a failure names the connection it came from, and both are
 * audited. Databricks is the Statement Execution API contract fake on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness, type TestClient } from '../../testing/harness';
import { startDatabricksFake, type DatabricksFake } from './testing/index';

let fake: DatabricksFake;
let h: Harness;
let client: TestClient;

beforeAll(async () => {
  fake = await startDatabricksFake({
    warehouseId: 'wh01',
    principals: [{ token: 'dapi-ro', name: 'sp-read', readOnly: true }],
    chunkRows: 40,
    pollsBeforeDone: 0,
    setup: ['create table loads as select i as id, date \'2026-11-01\' + (i % 5)::int as business_date from range(100) t(i)'],
  });
  process.env.OPSBOOK_TEST_DBX_RO = 'dapi-ro';
  h = await startHarness({
    setupSql: 'select 1',
    demoConnections: `      lakehouse: {kind: databricks, host: "${fake.url}", warehouseId: wh01, waitTimeoutSeconds: 5, read: {token: "\${OPSBOOK_TEST_DBX_RO}"}}\n`,
    snippets: {
      'dbx/loads': { text: 'select id, business_date from loads where business_date = :d order by id', target: 'lakehouse', dialect: 'databricks', params: [{ name: 'd', type: 'date', default: null }] },
      'dbx/missing': { text: 'select * from no_such_table', target: 'lakehouse', dialect: 'databricks' },
    },
  });
  client = await h.connect();
}, 60_000);

afterAll(async () => {
  client?.close();
  await h?.close();
  await fake?.close();
  delete process.env.OPSBOOK_TEST_DBX_RO;
});

describe('a runbook snippet on a Databricks warehouse', () => {
  it('streams its rows into the grid and audits the run', async () => {
    client.send({ type: 'run', id: 'd1', snippet: 'dbx/loads', sha256: h.manifest.snippets['dbx/loads']!.sha256, env: 'demo', params: { d: '2026-11-03' } });
    const done = await client.done('d1', 30_000);
    expect(done).toMatchObject({ status: 'succeeded', rowCount: 20, truncated: false });
    const messages = client.of('d1');
    expect(messages.find((m) => m.type === 'columns')).toMatchObject({ columns: [{ name: 'id', type: 'BIGINT' }, { name: 'business_date', type: 'DATE' }] });
    const rows = messages.flatMap((m) => (m.type === 'rows' ? m.rows : []));
    expect(rows[0]).toEqual([2, '2026-11-03']);
    expect(rows.map((r) => r[0])).toEqual(Array.from({ length: 20 }, (_, i) => 2 + i * 5));
    const submit = fake.requests.find((r) => r.method === 'POST')!;
    expect(submit.principal).toBe('sp-read');
    expect((submit.body as { parameters: unknown }).parameters).toEqual([{ name: 'd', value: '2026-11-03', type: 'DATE' }]);
    expect(h.audit.events.filter((e) => e.snippet === 'dbx/loads').at(-1)).toMatchObject({ env: 'demo' });
  });

  it("reports a failure with Databricks' message and where it came from", async () => {
    client.send({ type: 'run', id: 'd2', snippet: 'dbx/missing', sha256: h.manifest.snippets['dbx/missing']!.sha256, env: 'demo', params: {} });
    const done = await client.done('d2', 30_000);
    expect(done.status).toBe('failed');
    expect(done.error?.message).toMatch(/^\[TABLE_OR_VIEW_NOT_FOUND\]/);
    expect(done.error?.hint).toMatch(/Source: demo \/ lakehouse \(databricks\)\.$/);
    expect(h.audit.events.filter((e) => e.snippet === 'dbx/missing')).not.toEqual([]);
  });
});
