/**
 * The demo's Databricks through the whole server: a databricks block previews a DLT update, then (confirmed)
 * starts one of ecommerce_dlt at /demo/databricks, follows it to COMPLETED, and the warehouse's bronze, silver
 * and gold tables are really rebuilt from the source; the event log the events block reads is the one the
 * update wrote (ecomm_ops.dlt_events), with the silver expectations' dropped records.
 */
import { describe, expect, it } from 'vitest';
import { useDemoBlocks } from '../testing/demoBlocks';

// Two orders of 2026-12-01 (ICT) in the source, and an order line the shop wrote without its order.
const SETUP = `
  create schema ecomm_src; create schema ecomm_bronze; create schema ecomm_silver; create schema ecomm_gold; create schema ecomm_ops;
  create table ecomm_src.orders (order_id bigint, customer_id bigint, order_status varchar, order_ts timestamp, updated_at timestamp, total_amount decimal(12,2));
  insert into ecomm_src.orders values (1, 10, 'delivered', '2026-12-01 02:00:00', '2026-12-01 02:00:00', 30), (2, 11, 'placed', '2026-12-01 05:00:00', '2026-12-01 05:00:00', 12.5);
  create table ecomm_src.order_items (order_item_id bigint, order_id bigint, product_id integer, quantity integer, unit_price decimal(10,2), created_at timestamp, updated_at timestamp);
  insert into ecomm_src.order_items values (11, 1, 5, 2, 15, '2026-12-01 02:00:00', '2026-12-01 02:00:00'), (21, 2, 6, 1, 12.5, '2026-12-01 05:00:00', '2026-12-01 05:00:00'), (99, null, 5, 1, 15, '2026-12-01 06:00:00', '2026-12-01 06:00:00');
  create table ecomm_src.customers (customer_id bigint, full_name varchar, email varchar, city varchar, loyalty_tier varchar, created_at timestamp, updated_at timestamp);
  insert into ecomm_src.customers values (10, 'Anong Srisuk', 'a@example.co.th', 'Bangkok', 'gold', '2026-12-01 01:00:00', '2026-12-01 01:00:00'), (11, 'Chai Suwan', 'c@example.co.th', 'Phuket', null, '2026-12-01 01:30:00', '2026-12-01 01:30:00');
  create table ecomm_src.products (product_id integer, product_name varchar, category varchar, price decimal(10,2), created_at timestamp, updated_at timestamp);
  insert into ecomm_src.products values (5, 'books product 5', 'books', 15, '2026-12-01 00:10:00', '2026-12-01 00:10:00'), (6, 'toys product 6', 'toys', 12.5, '2026-12-01 00:20:00', '2026-12-01 00:20:00');
  create table ecomm_bronze.orders_raw (order_id varchar, customer_id varchar, order_status varchar, order_ts varchar, updated_at varchar, total_amount varchar, _rescued_data varchar, _source_file varchar, _ingested_at timestamp, _execution_date date);
  create table ecomm_bronze.order_items_raw (order_item_id varchar, order_id varchar, product_id varchar, quantity varchar, unit_price varchar, created_at varchar, updated_at varchar, _rescued_data varchar, _source_file varchar, _ingested_at timestamp, _execution_date date);
  create table ecomm_bronze.customers_raw (customer_id varchar, full_name varchar, email varchar, city varchar, loyalty_tier varchar, created_at varchar, updated_at varchar, _rescued_data varchar, _source_file varchar, _ingested_at timestamp, _execution_date date);
  create table ecomm_bronze.products_raw (product_id varchar, product_name varchar, category varchar, price varchar, created_at varchar, updated_at varchar, _rescued_data varchar, _source_file varchar, _ingested_at timestamp, _execution_date date);
  create table ecomm_gold.sales_analytics (order_id bigint);
  create table ecomm_ops.s3_extracts (execution_date date, table_name varchar);
  insert into ecomm_ops.s3_extracts values ('2026-12-01', 'orders');
  create table ecomm_ops.dlt_events (execution_date date, update_id varchar, event_ts timestamp, level varchar, event_type varchar, flow_name varchar, message varchar, output_rows bigint, dropped_records bigint, expectation varchar);
`;

const demo = useDemoBlocks({
  setupSql: SETUP,
  demoConnections: '      databricks: {kind: databricks, demo: true, pipelinePollMs: 20}\n',
  snippets: {
    'dlt/update': { lang: 'databricks', target: 'databricks', mode: 'write', text: 'databricks pipelines start-update "ecommerce_dlt"' },
    'dlt/events': { lang: 'databricks', target: 'databricks', text: 'databricks pipelines events "ecommerce_dlt" --max-results 100' },
    'dlt/warnings': { lang: 'databricks', target: 'databricks', text: 'databricks pipelines events "ecommerce_dlt" --level WARN,ERROR' },
    'sql/gold': { text: 'select order_id, revenue from ecomm_gold.sales_analytics order by order_id' },
    'sql/bronze': { text: 'select count(*) from ecomm_bronze.orders_raw where _execution_date = DATE \'2026-12-01\'' },
  },
});
const { run } = demo;

describe('the demo Databricks (DLT)', () => {
  it('previews an update of ecommerce_dlt without starting it', async () => {
    const preview = await run('dlt/update', { preview: true });
    expect(preview.done).toMatchObject({ status: 'succeeded', dryRun: true });
    expect(preview.logs).toMatch(/Dry run: confirming would start an update of pipeline "ecommerce_dlt"/);
    expect((await run('sql/gold')).rows).toEqual([]);
    expect((await run('dlt/events')).rows).toEqual([]);
  });

  it('starts the update once confirmed, follows it to COMPLETED, and bronze, silver and gold are rebuilt', async () => {
    const update = await run('dlt/update', { confirmed: true });
    expect(update.done.status).toBe('succeeded');
    expect(update.done.dryRun).not.toBe(true);
    expect(update.logs).toMatch(/Update [0-9a-f-]{36}: COMPLETED/);
    expect(update.rows).toContainEqual(['bronze_orders', 'COMPLETED', 2, null, null]);
    expect(update.rows).toContainEqual(['silver_fact_orders', 'COMPLETED', 2, 1, 'valid_pk: 1 failed']);
    expect(Number((await run('sql/bronze')).rows[0]![0])).toBe(2);
    expect((await run('sql/gold')).rows.map((r) => [Number(r[0]), Number(r[1])])).toEqual([[1, 30], [2, 12.5]]);
    expect(demo.harness.audit.events.filter((e) => e.snippet === 'dlt/update').at(-1)).toMatchObject({ status: 'succeeded', dryRun: false });
  });

  it('serves the event log the update wrote: one row per expectation with its dropped records', async () => {
    const events = await run('dlt/events');
    expect(events.done.status).toBe('succeeded');
    expect(events.rows[0]!.slice(0, 5)).toEqual([expect.any(String), 'INFO', 'update_progress', null, 'Update COMPLETED']);
    expect(events.rows).toContainEqual([expect.any(String), 'INFO', 'flow_progress', 'silver_fact_orders', 'Flow silver_fact_orders COMPLETED', 'valid_pk', 2, 1, expect.stringMatching(/^[0-9a-f-]{36}$/)]);
    expect(events.rows.at(-1)!.slice(0, 3)).toEqual([expect.any(String), 'INFO', 'create_update']);
    expect((await run('dlt/warnings')).rows).toEqual([]);
  });
});
