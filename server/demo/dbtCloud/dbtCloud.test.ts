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
    create table ecomm_ops.dbt_runs (job_name varchar, run_id bigint, execution_date date, trigger varchar, model_name varchar, started_at timestamp, finished_at timestamp,
      status varchar, run_started_at timestamp, run_finished_at timestamp, step_index integer, invocation varchar, message varchar);
    insert into ecomm_ops.dbt_runs values ('DailyRefresh', 282526000, '2026-12-01', 'Kicked off by schedule', 'agg_product_kpi', '2026-12-01 22:00:00', '2026-12-01 22:05:00', 'error',
      '2026-12-01 22:00:00', '2026-12-01 22:06:00', 3, 'dbt run --select agg_sales_kpi agg_product_kpi agg_customer_kpi', 'SQL warehouse is STOPPED');
    create table ecomm_ops.pipeline_runs (execution_date date, run_id varchar, stage varchar, stage_order int, started_at timestamp, finished_at timestamp,
      duration_min decimal(8,1), status varchar, attempts int);
    insert into ecomm_ops.pipeline_runs values ('2026-12-01', '282526000', 'dbt', 3, '2026-12-01 22:00:00', '2026-12-01 22:06:00', 6.0, 'failed', 1);`,
  demoConnections: '      dbt: {kind: dbt-cloud, demo: true, pollMs: 20}\n',
  now: () => new Date('2026-12-02T03:00:00Z'),
  snippets: {
    'dbt/daily': { lang: 'dbt-cloud', target: 'dbt', mode: 'write', text: 'dbt-cloud job run --job-name DailyRefresh' },
    'dbt/one': { lang: 'dbt-cloud', target: 'dbt', mode: 'write', text: `dbt-cloud job run --job-name DailyRefresh --steps-override '["dbt run -m agg_customer_kpi"]'` },
    'dbt/runs': { lang: 'dbt-cloud', target: 'dbt', text: 'dbt-cloud run list --job-name DailyRefresh --limit 5' },
    'sql/kpi': { text: 'select kpi_date, orders, revenue from ecomm_metrics.agg_sales_kpi order by kpi_date' },
    'sql/record': { text: "select model_name, status, run_id, trigger from ecomm_ops.dbt_runs where run_id = (select max(run_id) from ecomm_ops.dbt_runs) order by model_name" },
    'sql/stage': { text: "select run_id, status from ecomm_ops.pipeline_runs where execution_date = '2026-12-01' and stage = 'dbt'" },
  },
});
const { run } = demo;

describe('the demo dbt Cloud', () => {
  it('previews DailyRefresh without starting it', async () => {
    const preview = await run('dbt/daily', { preview: true });
    expect(preview.done).toMatchObject({ status: 'succeeded', dryRun: true });
    expect(preview.rows[0]!.slice(1, 3)).toEqual(['DailyRefresh', 'dbt run --select agg_sales_kpi agg_product_kpi agg_customer_kpi']);
    // dbt Cloud's history is the recorded night (the failed run), nothing new.
    expect((await run('dbt/runs')).rows.map((r) => [r[0], r[1]])).toEqual([[282526000, 'Error']]);
  });

  it('runs DailyRefresh once confirmed: the metric tables are rebuilt and the results listed', async () => {
    const daily = await run('dbt/daily', { confirmed: true });
    expect(daily.done).toMatchObject({ status: 'succeeded', rowCount: 3 });
    expect(daily.rows.map((r) => [r[0], r[2]])).toEqual([['model.ecomm.agg_sales_kpi', 'success'], ['model.ecomm.agg_product_kpi', 'success'], ['model.ecomm.agg_customer_kpi', 'success']]);
    expect(daily.logs).toMatch(/1 of 3 OK created sql table model ecomm_metrics\.agg_sales_kpi[\s\S]*SUCCESS/);
    const kpi = await run('sql/kpi');
    expect(kpi.rows.map((r) => [String(r[0]), Number(r[1])])).toEqual([['2026-11-30', 2], ['2026-12-01', 1]]);
    expect(demo.harness.audit.events.filter((e) => e.snippet === 'dbt/daily').at(-1)).toMatchObject({ status: 'succeeded', dryRun: false });
    // The run is appended to dbt Cloud's record under a new id above the night's, and is the night's dbt stage.
    const record = await run('sql/record');
    expect(record.rows.map((r) => [r[0], r[1], Number(r[2]) > 282526000, r[3]])).toEqual([
      ['agg_customer_kpi', 'success', true, 'Triggered from an Opsbook runbook'], ['agg_product_kpi', 'success', true, 'Triggered from an Opsbook runbook'], ['agg_sales_kpi', 'success', true, 'Triggered from an Opsbook runbook'],
    ]);
    expect((await run('sql/stage')).rows).toEqual([[String(record.rows[0]![2]), 'success']]);
  });

  it('builds only the model a steps override selects', async () => {
    const one = await run('dbt/one', { confirmed: true });
    // Said in full when it fails: which step and why (it failed once in a loaded full run and never alone).
    expect(one.done.status, `${JSON.stringify(one.done)}\n${one.logs}`).toBe('succeeded');
    expect(one.rows.map((r) => r[0])).toEqual(['model.ecomm.agg_customer_kpi']);
    expect((await run('dbt/runs')).rows.map((r) => r[1])).toEqual(['Success', 'Success', 'Error']);
    // A selective re-run is not the night's stage: the stage stays the whole job's run.
    expect((await run('sql/stage')).rows.map((r) => r[1])).toEqual(['success']);
  });

  it('reads selections as dbt does for this project', () => {
    expect(selectedModels('dbt run -m agg_sales_kpi')).toEqual(['agg_sales_kpi']);
    expect(selectedModels('dbt run --select agg_sales_kpi+ --full-refresh')).toEqual(['agg_sales_kpi']);
    expect(selectedModels('dbt run')).toEqual(['agg_sales_kpi', 'agg_product_kpi', 'agg_customer_kpi']);
    expect(selectedModels('dbt test')).toEqual([]);
  });
});
