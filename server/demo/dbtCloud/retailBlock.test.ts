/**
 * A retail dbt-cloud block through the whole server: `dbt test` of a model run on the demo dbt Cloud shows each
 * test with its status and failing rows in the grid, and a failing test makes the block fail with the test named.
 */
import { describe, expect, it } from 'vitest';
import { useDemoBlocks } from '../testing/demoBlocks';
import { RETAIL_WAREHOUSE } from './testing/retailWarehouse';

const demo = useDemoBlocks({
  setupSql: RETAIL_WAREHOUSE,
  demoConnections: '      dbt: {kind: dbt-cloud, demo: true, pollMs: 20}\n',
  snippets: {
    'dbt/build': { lang: 'dbt-cloud', target: 'dbt', mode: 'write', text: `dbt-cloud job run --job-name retail_adhoc --steps-override '["dbt run --select fact_orders+"]'` },
    'dbt/test': { lang: 'dbt-cloud', target: 'dbt', mode: 'write', text: `dbt-cloud job run --job-name retail_adhoc --steps-override '["dbt test --select fact_orders"]'` },
    'sql/dup': { text: 'insert into retail_gold.fact_orders select * from retail_gold.fact_orders', mode: 'write' },
  },
});
const { run } = demo;

describe('a retail dbt test block', () => {
  it('lists each test of the model with its status and failing rows, and fails on a failing test', async () => {
    expect((await run('dbt/build', { confirmed: true })).done.status).toBe('succeeded');
    const pass = await run('dbt/test', { confirmed: true });
    expect(pass.done.status).toBe('succeeded');
    expect(pass.columns).toEqual(['unique_id', 'resource_type', 'status', 'execution_time', 'failures', 'message']);
    expect(pass.rows.map((r) => [r[0], r[1], r[2], r[4]])).toEqual([
      ['test.retail.assert_mart_revenue_matches_fact_orders', 'test', 'pass', 0],
      ['test.retail.unique_fact_orders_order_id', 'test', 'pass', 0],
    ]);
    expect((await run('sql/dup', { confirmed: true })).done.status).toBe('succeeded');
    const fail = await run('dbt/test', { confirmed: true });
    expect(fail.done.status).toBe('failed');
    expect(fail.done.error?.message).toMatch(/ended error\. Failed: .*test\.retail\.unique_fact_orders_order_id/);
    expect(fail.rows.find((r) => r[0] === 'test.retail.unique_fact_orders_order_id')!.slice(2, 5)).toEqual(['fail', expect.any(Number), 3]); // every order of fact_orders landed twice
  });
});
