/**
 * The demo's dbt Cloud through the whole server: a dbt-cloud block previews the job run, then (confirmed)
 * triggers DailyRefresh at /demo/dbt-cloud, follows it to the end, and the metric tables are really rebuilt
 * in the warehouse; a steps override builds only the model it selects.
 */
import { describe, expect, it } from 'vitest';
import { useDemoBlocks } from '../testing/demoBlocks';
import { selectedModels } from './index';

const demo = useDemoBlocks({
  setupSql: `create schema ecomm_gold; create schema ecomm_silver; create schema ecomm_metrics;
    create table ecomm_gold.sales_analytics (order_date date, customer_id int, order_status varchar, revenue decimal(12,2));
    insert into ecomm_gold.sales_analytics values ('2026-11-30', 1, 'delivered', 10.5), ('2026-11-30', 2, 'cancelled', 3), ('2026-12-01', 1, 'delivered', 7);
    create table ecomm_silver.dim_customer (customer_id int, city varchar, loyalty_tier varchar, created_at timestamp);
    insert into ecomm_silver.dim_customer values (1, 'Hanoi', 'gold', '2026-11-01 00:00:00'), (2, 'Hue', null, '2026-11-30 03:00:00');
    create table ecomm_silver.fact_orders (order_date date, product_id int, quantity int, line_amount decimal(12,2), order_status varchar);
    insert into ecomm_silver.fact_orders values ('2026-12-01', 5, 2, 7, 'delivered');
    create table ecomm_silver.dim_product (product_id int, category varchar);
    insert into ecomm_silver.dim_product values (5, 'books');
    create schema ecomm_ops;
    create table ecomm_ops.dbt_runs (job_name varchar, run_id varchar, execution_date date, trigger varchar, model_name varchar, started_at timestamp, finished_at timestamp,
      status varchar, run_started_at timestamp, run_finished_at timestamp);
    insert into ecomm_ops.dbt_runs values ('DailyRefresh', 'DailyRefresh-20261202', '2026-12-01', 'scheduled (05:00 ICT)', 'agg_product_kpi', '2026-12-01 22:00:00', '2026-12-01 22:05:00', 'error', '2026-12-01 22:00:00', '2026-12-01 22:06:00');`,
  demoConnections: '      dbt: {kind: dbt-cloud, demo: true, pollMs: 20}\n',
  now: () => new Date('2026-12-02T03:00:00Z'),
  snippets: {
    'dbt/daily': { lang: 'dbt-cloud', target: 'dbt', mode: 'write', text: 'dbt-cloud job run --job-name DailyRefresh' },
    'dbt/one': { lang: 'dbt-cloud', target: 'dbt', mode: 'write', text: `dbt-cloud job run --job-name DailyRefresh --steps-override '["dbt run -m agg_customer_kpi"]'` },
    'dbt/runs': { lang: 'dbt-cloud', target: 'dbt', text: 'dbt-cloud run list --job-name DailyRefresh --limit 5' },
    'sql/kpi': { text: 'select kpi_date, orders, revenue from ecomm_metrics.agg_sales_kpi order by kpi_date' },
    'sql/record': { text: "select model_name, status, run_id, trigger from ecomm_ops.dbt_runs where execution_date = '2026-12-01' order by model_name" },
  },
});
const { run } = demo;

describe('the demo dbt Cloud', () => {
  it('previews DailyRefresh without starting it', async () => {
    const preview = await run('dbt/daily', { preview: true });
    expect(preview.done).toMatchObject({ status: 'succeeded', dryRun: true });
    expect(preview.rows[0]!.slice(1, 3)).toEqual(['DailyRefresh', 'dbt run --select agg_sales_kpi agg_product_kpi agg_customer_kpi']);
    expect((await run('dbt/runs')).rows).toEqual([]);
  });

  it('runs DailyRefresh once confirmed: the metric tables are rebuilt and the results listed', async () => {
    const daily = await run('dbt/daily', { confirmed: true });
    expect(daily.done).toMatchObject({ status: 'succeeded', rowCount: 3 });
    expect(daily.rows.map((r) => [r[0], r[2]])).toEqual([['model.ecomm.agg_sales_kpi', 'success'], ['model.ecomm.agg_product_kpi', 'success'], ['model.ecomm.agg_customer_kpi', 'success']]);
    expect(daily.logs).toMatch(/1 of 3 OK created sql table model ecomm_metrics\.agg_sales_kpi[\s\S]*SUCCESS/);
    const kpi = await run('sql/kpi');
    expect(kpi.rows.map((r) => [String(r[0]), Number(r[1])])).toEqual([['2026-11-30', 2], ['2026-12-01', 1]]);
    expect(demo.harness.audit.events.filter((e) => e.snippet === 'dbt/daily').at(-1)).toMatchObject({ status: 'succeeded', dryRun: false });
    // The run is the data day's record the runbook's checks read: the night's failed row of agg_product_kpi is replaced.
    const record = await run('sql/record');
    expect(record.rows.map((r) => [r[0], r[1], /^9\d{5}$/.test(String(r[2])), String(r[3]).startsWith('manual (dbt Cloud')])).toEqual([
      ['agg_customer_kpi', 'success', true, true], ['agg_product_kpi', 'success', true, true], ['agg_sales_kpi', 'success', true, true],
    ]);
  });

  it('builds only the model a steps override selects', async () => {
    const one = await run('dbt/one', { confirmed: true });
    expect(one.done.status).toBe('succeeded');
    expect(one.rows.map((r) => r[0])).toEqual(['model.ecomm.agg_customer_kpi']);
    expect((await run('dbt/runs')).rows.map((r) => r[1])).toEqual(['Success', 'Success']);
  });

  it('reads selections as dbt does for this project', () => {
    expect(selectedModels('dbt run -m agg_sales_kpi')).toEqual(['agg_sales_kpi']);
    expect(selectedModels('dbt run --select agg_sales_kpi+ --full-refresh')).toEqual(['agg_sales_kpi']);
    expect(selectedModels('dbt run')).toEqual(['agg_sales_kpi', 'agg_product_kpi', 'agg_customer_kpi']);
    expect(selectedModels('dbt test')).toEqual([]);
  });
});
