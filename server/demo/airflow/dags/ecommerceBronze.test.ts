/**
 * Bronze's schema handling on a real DuckDB: a file column bronze knows is loaded as text, one it does not know
 * is rescued into _rescued_data (the fault of the new-source-column drill), and a bronze column the file no
 * longer has (a rename) stays empty rather than failing the load.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bronzeSelect, type Column } from './ecommerce';

let db: DuckDBInstance;
let c: DuckDBConnection;
const X = '2026-11-30';

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  return (await c.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
}

/** Loads ecomm_src.orders into a fresh bronze table, binds written in as the warehouse would pass them. */
async function load(bronze: string[]): Promise<{ rescued: string[]; loaded: Record<string, unknown>[] }> {
  await c.run(`CREATE OR REPLACE TABLE orders_raw (${bronze.map((b) => `${b} ${b === '_ingested_at' ? 'TIMESTAMP' : b === '_execution_date' ? 'DATE' : 'VARCHAR'}`).join(', ')})`);
  const file = (await rows(`SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_name = 'orders' ORDER BY ordinal_position`)) as unknown as Column[];
  const { columns, select, rescued } = bronzeSelect('orders', file, bronze);
  const sql = `INSERT INTO orders_raw (${columns}) ${select} FROM orders`.replaceAll(':x', `'${X}'`).replaceAll(':now', `'${X} 18:40:00'`);
  await c.run(sql);
  return { rescued, loaded: await rows(`SELECT * FROM orders_raw ORDER BY order_id`) };
}

const META = ['_rescued_data', '_source_file', '_ingested_at', '_execution_date'];

beforeAll(async () => {
  db = await DuckDBInstance.create(':memory:');
  c = await db.connect();
  await c.run(`CREATE TABLE orders (order_id BIGINT, order_status VARCHAR, updated_at TIMESTAMP, total_amount DECIMAL(12, 2))`);
  await c.run(`INSERT INTO orders VALUES (1, 'placed', TIMESTAMP '2026-11-30 03:00:00', 12.50), (2, 'delivered', TIMESTAMP '2026-11-30 04:00:00', 7.00)`);
});
afterAll(() => {
  c?.closeSync();
  db?.closeSync();
});

describe('the bronze load of one extract file', () => {
  it('loads every known column as text, timestamps with the ICT offset, and rescues nothing', async () => {
    const { rescued, loaded } = await load(['order_id', 'order_status', 'updated_at', 'total_amount', ...META]);
    expect(rescued).toEqual([]);
    expect(loaded[0]).toMatchObject({ order_id: '1', updated_at: '2026-11-30T10:00:00+07:00', total_amount: '12.50', _rescued_data: null, _execution_date: X });
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
