/**
 * S3 is where the ecommerce extracts are, on the demo as in production: the demo S3 (a real S3-compatible server)
 * starts with the files bronze was loaded from, a training fault that loses the night's extract deletes the
 * objects (the runbook's listing check fails on an empty listing, and the bronze load has nothing to read), a fault
 * whose export found no rows leaves a 0-byte file (the check fails on its size), and the backfill's extract
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
      expect(await run('extract-orders-s3', { table })).toMatchObject({ status: 'succeeded', rowCount: 1, check: { passed: true } });
    }
    expect(await run('bronze-vs-files')).toMatchObject({ status: 'succeeded', check: { passed: true } });
  }, 60_000);

  it('holds a 0-byte orders file under the empty-extract fault: the listing check fails on its size, the backfill writes it again', async () => {
    await env.activate('ecomm_empty_extract');
    const listing = await run('extract-orders-s3');
    expect(listing).toMatchObject({ status: 'failed', rowCount: 1, check: { passed: false, verdict: 'error' } });
    expect(listing.check?.detail).toMatch(/count\(size = 0\) of 1 row 1/);
    expect(await run('extract-orders-s3', { table: 'customers' })).toMatchObject({ status: 'succeeded', check: { passed: true } });
    expect(await run('bronze-vs-files')).toMatchObject({ check: { passed: false } });
    expect(await run('trigger-execution-date')).toMatchObject({ status: 'succeeded' });
    expect(await run('extract-orders-s3')).toMatchObject({ status: 'succeeded', rowCount: 1, check: { passed: true } });
    await env.deactivate('ecomm_empty_extract');
    expect(await run('extract-orders-s3')).toMatchObject({ status: 'succeeded', rowCount: 1, check: { passed: true } });
  }, 240_000);

  it('loses the night\'s files under the missing-extract fault, and the backfill writes and loads them again', async () => {
    await env.activate('ecomm_missing_extract');
    // No file for the day: an empty listing, which the check judges (not a connector error).
    const listing = await run('extract-orders-s3');
    expect(listing).toMatchObject({ status: 'failed', rowCount: 0, check: { passed: false, verdict: 'error' } });
    expect(listing.error).toBeUndefined();
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
