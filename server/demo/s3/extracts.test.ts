/**
 * S3 is where the ecommerce extracts are, on the demo as in production: the demo S3 (a real S3-compatible server)
 * starts with the files bronze was loaded from, a training fault that loses the night's extract deletes the
 * objects (the runbook's listing goes red, and the bronze load has nothing to read), and the backfill's extract
 * task writes them again with PutObject before DLT loads bronze from them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeededDemo } from '../../../drills/runner/testing/seededDemo';
import type { DemoEnvironment } from '../../../drills/runner/environment';
import { parseCsv, toCsv } from './extracts';

let env: DemoEnvironment;
const run = (snippet: string, params: Record<string, string> = {}) => env.run({ snippet: `ecomm-data-pipeline/${snippet}`, ...(Object.keys(params).length ? { params } : {}) });

beforeAll(async () => {
  env = await startSeededDemo();
}, 240_000);
afterAll(async () => {
  await env?.close();
});

describe('the extract files', () => {
  it('round-trip through CSV: commas and quotes quoted, NULL an empty field, an empty extract 0 bytes', () => {
    const file = { columns: ['id', 'name', 'note'], rows: [['1', 'Smith, "Jo"', null], ['2', '', 'x']] };
    expect(parseCsv(toCsv(file))).toEqual(file);
    expect(toCsv({ columns: ['id'], rows: [] })).toBe('');
  });
});

describe('the demo S3 holds the ecommerce extracts', () => {
  it('starts with the files bronze was loaded from, every table of the day', async () => {
    for (const table of ['orders', 'order_items', 'customers', 'products']) {
      expect(await run('extract-orders-s3', { table })).toMatchObject({ status: 'succeeded', rowCount: 1 });
    }
    expect(await run('bronze-vs-files')).toMatchObject({ status: 'succeeded', check: { passed: true } });
  }, 60_000);

  it('loses the night\'s files under the missing-extract fault, and the backfill writes and loads them again', async () => {
    await env.activate('ecomm_missing_extract');
    const listing = await run('extract-orders-s3');
    expect(listing.status).toBe('failed');
    expect(listing.error?.message).toMatch(/^Nothing under s3:\/\/ecomm-data\/ecomm_db_extracts\/daily_extracts\/orders\//);
    expect(await run('file-schema')).toMatchObject({ check: { passed: false } });
    // The backfill: the extract task puts the day's files in S3, then DLT loads bronze from them.
    expect(await run('trigger-execution-date')).toMatchObject({ status: 'succeeded' });
    for (const table of ['orders', 'order_items', 'customers', 'products']) {
      expect(await run('extract-orders-s3', { table })).toMatchObject({ status: 'succeeded', rowCount: 1 });
    }
    expect(await run('bronze-vs-files')).toMatchObject({ status: 'succeeded', check: { passed: true } });
    expect(await run('file-schema')).toMatchObject({ status: 'succeeded', check: { passed: true } });
    await env.deactivate('ecomm_missing_extract');
    expect(await run('extract-orders-s3')).toMatchObject({ status: 'succeeded', rowCount: 1 });
  }, 240_000);
});
