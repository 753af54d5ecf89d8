/**
 * A small ecommerce warehouse for the demo Databricks' tests: the OLTP source of 2026-12-01 (ICT), empty bronze,
 * and the night's extract files as the extract task wrote them (one order came after the export).
 */
// Two orders of 2026-12-01 (ICT) in the source, and an order line the shop wrote without its order.
export const SETUP = `
  create schema ecomm_src; create schema ecomm_bronze; create schema ecomm_silver; create schema ecomm_gold; create schema ecomm_ops;
  create table ecomm_src.orders (order_id bigint, customer_id bigint, order_status varchar, order_ts timestamp, updated_at timestamp, total_amount decimal(12,2));
  insert into ecomm_src.orders values (1, 10, 'delivered', '2026-12-01 02:00:00', '2026-12-01 02:00:00', 30), (2, 11, 'placed', '2026-12-01 05:00:00', '2026-12-01 05:00:00', 12.5),
    (3, 11, 'placed', '2026-12-01 09:00:00', '2026-12-01 09:00:00', 99);
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
  create table ecomm_ops.dlt_events (execution_date date, update_id varchar, event_ts timestamp, level varchar, event_type varchar, flow_name varchar, message varchar, output_rows bigint, dropped_records bigint, expectation varchar);
`;

/** The night's extract files as the extract task wrote them (order 3 came after the export). */
const ts = (t: string) => `2026-12-01T${t}+07:00`;
export const FILES = {
  orders: { columns: ['order_id', 'customer_id', 'order_status', 'order_ts', 'updated_at', 'total_amount'], rows: [['1', '10', 'delivered', ts('09:00:00'), ts('09:00:00'), '30.00'], ['2', '11', 'placed', ts('12:00:00'), ts('12:00:00'), '12.50']] },
  order_items: {
    columns: ['order_item_id', 'order_id', 'product_id', 'quantity', 'unit_price', 'created_at', 'updated_at'],
    rows: [['11', '1', '5', '2', '15.00', ts('09:00:00'), ts('09:00:00')], ['21', '2', '6', '1', '12.50', ts('12:00:00'), ts('12:00:00')], ['99', null, '5', '1', '15.00', ts('13:00:00'), ts('13:00:00')]],
  },
  customers: {
    columns: ['customer_id', 'full_name', 'email', 'city', 'loyalty_tier', 'created_at', 'updated_at'],
    rows: [['10', 'Anong Srisuk', 'a@example.co.th', 'Bangkok', 'gold', ts('08:00:00'), ts('08:00:00')], ['11', 'Chai Suwan', 'c@example.co.th', 'Phuket', null, ts('08:30:00'), ts('08:30:00')]],
  },
  products: { columns: ['product_id', 'product_name', 'category', 'price', 'created_at', 'updated_at'], rows: [['5', 'books product 5', 'books', '15.00', ts('07:10:00'), ts('07:10:00')], ['6', 'toys product 6', 'toys', '12.50', ts('07:20:00'), ts('07:20:00')]] },
};

