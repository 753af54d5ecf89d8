/**
 * A dbt Cloud read command with a condition is a check (issue 13): `dbt-cloud run list` of the retail job, with
 * "no run of the last one errored", is judged by the server on the grid the block shows, recorded in the check
 * history and listed on the Health page. Against the demo dbt Cloud: a run whose test fails turns it red, a
 * clean run turns it green again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness, type TestClient } from '../../testing/harness';
import type { DoneMessage } from '../../protocol';
import type { CheckEntry } from '../../checks/api';
import type { CheckResultRecord } from '../../checks/types';
import { RETAIL_WAREHOUSE } from './testing/retailWarehouse';

let h: Harness;
let client: TestClient;
let n = 0;

const LAST_RUN_CLEAN = "count(status = 'Error') = 0";

beforeAll(async () => {
  h = await startHarness({
    setupSql: RETAIL_WAREHOUSE,
    demoConnections: '      dbt: {kind: dbt-cloud, demo: true, pollMs: 20}\n',
    snippets: {
      'dbt/last-run-clean': { lang: 'dbt-cloud', target: 'dbt', mode: 'read', text: 'dbt-cloud run list --job-name retail_adhoc --limit 1', expect: LAST_RUN_CLEAN, title: 'The last retail_adhoc run did not error' },
      'dbt/test': { lang: 'dbt-cloud', target: 'dbt', mode: 'write', text: `dbt-cloud job run --job-name retail_adhoc --steps-override '["dbt test --select fact_orders"]'` },
      'sql/dup': { text: 'insert into retail_gold.fact_orders select * from retail_gold.fact_orders', mode: 'write' },
      'dbt/build': { lang: 'dbt-cloud', target: 'dbt', mode: 'write', text: `dbt-cloud job run --job-name retail_adhoc --steps-override '["dbt run --select fact_orders+"]'` },
    },
  });
  client = await h.connect();
}, 60_000);
afterAll(async () => {
  client?.close();
  await h?.close();
});

async function run(snippet: string, extra: Record<string, unknown> = {}): Promise<DoneMessage> {
  const id = `r${++n}`;
  client.send({ type: 'run', id, snippet, sha256: h.manifest.snippets[snippet]!.sha256, env: 'demo', params: {}, ...extra });
  return client.done(id, 60_000);
}

const history = async (): Promise<CheckResultRecord[]> => (await h.api('GET', `/api/checks/history?env=demo&key=${encodeURIComponent('dbt/last-run-clean')}&limit=50`)).body.results;

describe('a check on a dbt Cloud read command', () => {
  it('fails on an errored run and passes on a clean one, judged on the grid, recorded and listed on the Health page', async () => {
    // No run yet: no run errored.
    expect(await run('dbt/last-run-clean')).toMatchObject({ status: 'succeeded', check: { passed: true, verdict: 'ok', value: 0 } });

    expect((await run('sql/dup', { confirmed: true })).status).toBe('succeeded');
    expect((await run('dbt/test', { confirmed: true })).status).toBe('failed');
    const red = await run('dbt/last-run-clean');
    expect(red).toMatchObject({ status: 'failed', rowCount: 1, check: { passed: false, verdict: 'error', value: 1 } });
    expect(red.check?.detail).toMatch(/count\(status = 'Error'\) of 1 row 1/);

    // The repair: rebuild the facts and the mart from staging, then test again.
    expect((await run('dbt/build', { confirmed: true })).status).toBe('succeeded');
    expect((await run('dbt/test', { confirmed: true })).status).toBe('succeeded');
    expect(await run('dbt/last-run-clean')).toMatchObject({ status: 'succeeded', check: { passed: true, verdict: 'ok', value: 0 } });

    expect((await history()).map((r) => [r.verdict, r.value, r.rows, r.origin])).toEqual([
      ['ok', 0, 1, 'page'],
      ['error', 1, 1, 'page'],
      ['ok', 0, 0, 'page'],
    ]);
    const checks = (await h.api('GET', '/api/checks?env=demo')).body.checks as CheckEntry[];
    expect(checks.find((c) => c.key === 'dbt/last-run-clean')).toMatchObject({ status: 'ok', conditions: { expect: LAST_RUN_CLEAN } });
    // A job run is not a check: it changes something, and reports its own success.
    expect(checks.map((c) => c.key)).not.toContain('dbt/test');
  });
});
