/**
 * Bronze's schema handling on a real DuckDB, through the extract file: the export of the source table is written
 * as CSV and parsed back, as the bronze load reads it from S3. A file column bronze knows is loaded as text, one
 * it does not know is rescued into _rescued_data (the fault of the new-source-column drill), and a bronze column
 * the file no longer has (a rename) stays empty rather than failing the load.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv, toCsv } from '../../s3/extracts';
import { bronzeSelect, extractTable } from './ecommerce';

let db: DuckDBInstance;
let c: DuckDBConnection;
const X = '2026-11-30';

async function rows(sql: string, binds: Record<string, string> = {}): Promise<Record<string, unknown>[]> {
  // The warehouse's :name binds, as DuckDB's $name ones (not the :: of a cast).
  return (await c.runAndReadAll(sql.replace(/(?<![:\w]):([a-z_]\w*)/g, '$$$1'), binds)).getRowObjectsJson() as Record<string, unknown>[];
}

/** Exports the day's ecomm_src.orders to CSV, then loads the file into a fresh bronze table. */
async function load(bronze: string[]): Promise<{ rescued: string[]; loaded: Record<string, unknown>[]; csv: string }> {
  await c.run(`CREATE OR REPLACE TABLE orders_raw (${bronze.map((b) => `${b} ${b === '_ingested_at' ? 'TIMESTAMP' : b === '_execution_date' ? 'DATE' : 'VARCHAR'}`).join(', ')})`);
  const csv = toCsv(await extractTable({ sql: (text, binds) => rows(text, Object.fromEntries(Object.entries(binds ?? {}).map(([k, v]) => [k, String(v)]))) }, 'orders', X));
  const file = parseCsv(csv);
  const { columns, select, rescued } = bronzeSelect(file.columns, bronze);
  await rows(`INSERT INTO orders_raw (${columns}) ${select}`, { x: X, now: `${X} 18:40:00`, file: 's3://ecomm-data/ecomm_db_extracts/daily_extracts/orders/2026-11-30/orders_20261130.csv', data: JSON.stringify(file.rows) });
  return { rescued, loaded: await rows(`SELECT * FROM orders_raw ORDER BY order_id`), csv };
}

const META = ['_rescued_data', '_source_file', '_ingested_at', '_execution_date'];

beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:');
  c = await db.connect();
  await c.run(`CREATE SCHEMA ecomm_src`);
  await c.run(`USE ecomm_src`);
  await c.run(`CREATE TABLE orders (order_id BIGINT, order_status VARCHAR, updated_at TIMESTAMP, total_amount DECIMAL(12, 2))`);
  // Two orders updated in the ICT day of X (17:00 UTC the day before to 17:00 UTC), one the day before it.
  await c.run(`INSERT INTO orders VALUES (1, 'placed, gift', TIMESTAMP '2026-11-30 03:00:00', 12.50), (2, 'delivered', TIMESTAMP '2026-11-30 04:00:00', 7.00),
    (3, 'placed', TIMESTAMP '2026-11-29 09:00:00', 1.00)`);
});
afterAll(() => {
  c?.closeSync();
  db?.closeSync();
});

describe('the bronze load of one extract file', () => {
  it('loads every known column as text, timestamps with the ICT offset, and rescues nothing', async () => {
    const { rescued, loaded } = await load(['order_id', 'order_status', 'updated_at', 'total_amount', ...META]);
    expect(rescued).toEqual([]);
    expect(loaded).toHaveLength(2);
    expect(loaded[0]).toMatchObject({ order_id: '1', order_status: 'placed, gift', updated_at: '2026-11-30T10:00:00+07:00', total_amount: '12.50', _rescued_data: null, _execution_date: X });
    expect(loaded[0]!._source_file).toBe('s3://ecomm-data/ecomm_db_extracts/daily_extracts/orders/2026-11-30/orders_20261130.csv');
  });

  it('rescues a column the source added into _rescued_data as JSON', async () => {
    await c.run(`ALTER TABLE orders ADD COLUMN sales_channel VARCHAR`);
    await c.run(`UPDATE orders SET sales_channel = CASE order_id WHEN 1 THEN 'web' ELSE 'ios' END`);
    const { rescued, loaded } = await load(['order_id', 'order_status', 'updated_at', 'total_amount', ...META]);
    expect(rescued).toEqual(['sales_channel']);
    expect(loaded.map((r) => JSON.parse(String(r._rescued_data)) as unknown)).toEqual([{ sales_channel: 'web' }, { sales_channel: 'ios' }]);
  });

  it('fills the column once bronze has it (the reload after schema evolution)', async () => {
    const { rescued, loaded } = await load(['order_id', 'order_status', 'updated_at', 'total_amount', ...META, 'sales_channel']);
    expect(rescued).toEqual([]);
    expect(loaded.map((r) => [r.sales_channel, r._rescued_data])).toEqual([['web', null], ['ios', null]]);
  });

  it('leaves a bronze column the file no longer has empty, and rescues its new name', async () => {
    await c.run(`ALTER TABLE orders RENAME COLUMN total_amount TO order_total`);
    const { rescued, loaded } = await load(['order_id', 'order_status', 'updated_at', 'total_amount', ...META, 'sales_channel']);
    expect(rescued).toEqual(['order_total']);
    expect(loaded[0]).toMatchObject({ total_amount: null, _rescued_data: '{"order_total":"12.50"}' });
  });
});
