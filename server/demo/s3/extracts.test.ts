/**
 * The demo S3 follows the demo pipeline: the files ecomm_ops.s3_extracts records are in the bucket (an empty
 * extract as a 0-byte file), and a file the pipeline loses (a training fault deletes its record) is gone at
 * the next read — so an `aws s3 ls` block on demo shows what the pipeline did, through a real S3 server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness, type TestClient } from '../../testing/harness';
import type { DoneMessage } from '../../protocol';

let h: Harness;
let client: TestClient;
let n = 0;
const ls = (table: string) => ({ lang: 's3' as const, target: 's3', text: `aws s3 ls s3://ecomm-data/ecomm_db_extracts/daily_extracts/${table}/2026-12-01/` });

beforeAll(async () => {
  h = await startHarness({
    setupSql: `create schema ecomm_ops;
      create table ecomm_ops.s3_extracts (execution_date date, s3_path varchar, row_count bigint, columns varchar, status varchar);
      insert into ecomm_ops.s3_extracts values
        ('2026-12-01', 's3://ecomm-data/ecomm_db_extracts/daily_extracts/orders/2026-12-01/orders_20261201.csv', 3, 'order_id,total_amount', 'success'),
        ('2026-12-01', 's3://ecomm-data/ecomm_db_extracts/daily_extracts/customers/2026-12-01/customers_20261201.csv', 0, 'customer_id,email', 'success');`,
    demoConnections: '      s3: {kind: s3, demo: true}\n',
    snippets: {
      's3/orders': ls('orders'),
      's3/customers': ls('customers'),
      'w/lose-orders': { text: "delete from ecomm_ops.s3_extracts where s3_path like '%orders%'", mode: 'write' },
    },
  });
  client = await h.connect();
}, 60_000);
afterAll(async () => {
  client?.close();
  await h?.close();
});

async function run(snippet: string): Promise<{ done: DoneMessage; rows: readonly (readonly unknown[])[]; stderr: string }> {
  const id = `m${++n}`;
  client.send({ type: 'run', id, snippet, sha256: h.manifest.snippets[snippet]!.sha256, env: 'demo', params: {} });
  const done = await client.done(id, 30_000);
  const messages = client.of(id);
  return { done, rows: messages.flatMap((m) => (m.type === 'rows' ? m.rows : [])), stderr: messages.flatMap((m) => (m.type === 'log' && m.stream === 'stderr' ? [m.text] : [])).join('') };
}

describe('the demo S3', () => {
  it('holds the extracts the demo pipeline recorded, an empty one as 0 bytes', async () => {
    const orders = await run('s3/orders');
    expect(orders.done.status).toBe('succeeded');
    expect(orders.rows.map((r) => [r[2], r[1]])).toEqual([['ecomm_db_extracts/daily_extracts/orders/2026-12-01/orders_20261201.csv', Buffer.byteLength('order_id,total_amount\nx,x\nx,x\nx,x\n')]]);
    const customers = await run('s3/customers');
    expect(customers.rows.map((r) => r[1])).toEqual([0]);
    expect(customers.stderr).toMatch(/customers_20261201\.csv is empty \(0 bytes\)/);
  });

  it('loses a file when the pipeline loses it, and the listing goes red', async () => {
    expect((await run('w/lose-orders')).done.status).toBe('succeeded');
    const orders = await run('s3/orders');
    expect(orders.done).toMatchObject({ status: 'failed', error: { message: expect.stringMatching(/^Nothing under s3:\/\/ecomm-data\/ecomm_db_extracts\/daily_extracts\/orders\/2026-12-01\//) } });
  });
});
