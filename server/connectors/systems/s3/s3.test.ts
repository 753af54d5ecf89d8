/**
 * The S3 system against a real S3-compatible server (s3rver, started here on a loopback port): the client's
 * paging, heads and error translation, and what `s3 run` blocks stream — listing lines, rows, an empty or
 * missing extract — through the same executor the runner uses.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoundValue } from '../../../../plugins/remark-runbook/syntax/params';
import type { ServerMessage } from '../../../protocol';
import { startLocalS3, type LocalS3 } from '../../../demo/s3/server';
import { ConnectorError } from '../../types';
import { executeSystemSnippet } from '../run';
import type { DemoEndpoints, OpenSystem } from '../types';
import { createObjectStore, type ObjectStore } from './client';
import { S3_SYSTEM } from './index';

let s3: LocalS3;
let store: ObjectStore;
let open: OpenSystem;
let demoEndpoints: DemoEndpoints;
const BUCKET = 'ecomm-extracts';
const FILES: Record<string, string> = {
  'daily/2026-12-01/orders.csv': 'order_id,amount\n1,10\n2,20\n',
  'daily/2026-12-01/order_items.csv': 'order_id,sku\n1,a\n',
  'daily/2026-12-01/customers.csv': '',
  'daily/2026-12-02/orders.csv': 'order_id,amount\n3,30\n',
};
const size = (key: string) => Buffer.byteLength(FILES[key]!);

beforeAll(async () => {
  s3 = await startLocalS3([BUCKET, 'empty-bucket']);
  for (const [key, body] of Object.entries(FILES)) await s3.put(BUCKET, key, body);
  // More keys than one ListObjectsV2 page holds (1,000), so listing must follow the continuation token.
  for (let start = 0; start < 1005; start += 100) {
    await Promise.all(Array.from({ length: Math.min(100, 1005 - start) }, (_, i) => s3.put(BUCKET, `many/part-${String(start + i).padStart(5, '0')}.csv`, 'x')));
  }
  store = createObjectStore({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
  const demo: DemoEndpoints = { s3: async () => s3, dbtCloud: () => Promise.reject(new Error('no dbt Cloud here')) };
  demoEndpoints = demo;
  open = await S3_SYSTEM.open({ kind: 's3', demo: true }, demo);
}, 120_000);

afterAll(async () => {
  store?.close();
  open?.close();
  await s3?.close();
});

async function exec(text: string, binds: Record<string, BoundValue> = {}, maxRows = 10_000, signal = new AbortController().signal) {
  const messages: ServerMessage[] = [];
  const outcome = await executeSystemSnippet({
    system: S3_SYSTEM, open, text, binds, preview: false, confirmed: false, id: 'x', signal, maxRows,
    channel: { send: (m) => void messages.push(m), rows: (batch) => ((messages.push({ type: 'rows', id: 'x', rows: batch }), Promise.resolve())) },
  });
  const rows = messages.flatMap((m) => (m.type === 'rows' ? m.rows : []));
  const stdout = messages.flatMap((m) => (m.type === 'log' && m.stream === 'stdout' ? [m.text] : [])).join('');
  const stderr = messages.flatMap((m) => (m.type === 'log' && m.stream === 'stderr' ? [m.text] : [])).join('');
  return { outcome, messages, rows, stdout, stderr };
}

describe('the S3 client on a real S3-compatible server', () => {
  it('lists one level with common prefixes, or every key with recursion, across pages', async () => {
    const top: string[] = [];
    for await (const page of store.list(BUCKET, 'daily/', false, new AbortController().signal)) top.push(...page.prefixes, ...page.objects.map((o) => o.key));
    expect(top).toEqual(['daily/2026-12-01/', 'daily/2026-12-02/']);
    let count = 0;
    let pages = 0;
    for await (const page of store.list(BUCKET, 'many/', true, new AbortController().signal)) {
      count += page.objects.length;
      pages++;
    }
    expect({ count, pages }).toEqual({ count: 1005, pages: 2 });
  });

  it('heads an object, and answers null (not an error) for a missing key', async () => {
    const head = await store.head(BUCKET, 'daily/2026-12-01/orders.csv', new AbortController().signal);
    expect(head).toMatchObject({ key: 'daily/2026-12-01/orders.csv', size: size('daily/2026-12-01/orders.csv'), contentType: 'text/csv' });
    expect(head!.lastModified).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(await store.head(BUCKET, 'daily/2026-12-03/orders.csv', new AbortController().signal)).toBeNull();
  });

  it('names a missing bucket and refused credentials so an operator can act', async () => {
    const missing = async () => {
      for await (const page of store.list('no-such-bucket', '', false, new AbortController().signal)) return page;
    };
    await expect(missing()).rejects.toMatchObject({ code: 'connector_error', engineCode: 'NoSuchBucket', message: 'There is no bucket for s3://no-such-bucket/.' });
    // s3rver checks the access key id but not V4 signatures, so an unknown key stands for refused credentials.
    const wrong = createObjectStore({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'NOT-A-KEY', secretAccessKey: s3.secretAccessKey } });
    try {
      const listing = async () => {
        for await (const page of wrong.list(BUCKET, '', false, new AbortController().signal)) return page;
      };
      await expect(listing()).rejects.toMatchObject({ code: 'forbidden', engineCode: 'InvalidAccessKeyId', hint: expect.stringMatching(/credentials\.accessKeyId/) });
    } finally {
      wrong.close();
    }
  });

  it('reports an unreachable endpoint as unavailable', async () => {
    const closed = createObjectStore({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', forcePathStyle: true, credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, timeoutMs: 5_000 });
    try {
      await expect(closed.head(BUCKET, 'k', new AbortController().signal)).rejects.toBeInstanceOf(ConnectorError);
      await expect(closed.head(BUCKET, 'k', new AbortController().signal)).rejects.toMatchObject({ code: 'unavailable' });
    } finally {
      closed.close();
    }
  });
});

describe('s3 run blocks', () => {
  it('lists an extract day as the AWS CLI prints it, with the objects as rows and the empty one called out', async () => {
    const { outcome, messages, rows, stdout, stderr } = await exec('aws s3 ls s3://ecomm-extracts/daily/{{d}}/ --summarize', { d: { type: 'date', value: '2026-12-01' } });
    expect(outcome).toEqual({ status: 'succeeded', rowCount: 3, truncated: false, dryRun: false });
    expect(messages.find((m) => m.type === 'columns')).toMatchObject({ columns: [{ name: 'last_modified' }, { name: 'size' }, { name: 'key' }, { name: 'kind' }] });
    expect(rows.map((r) => [r[2], r[1], r[3]])).toEqual([
      ['daily/2026-12-01/customers.csv', 0, 'object'],
      ['daily/2026-12-01/order_items.csv', size('daily/2026-12-01/order_items.csv'), 'object'],
      ['daily/2026-12-01/orders.csv', size('daily/2026-12-01/orders.csv'), 'object'],
    ]);
    expect(stdout).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\s+0 customers\.csv$/m);
    expect(stdout).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\s+${size('daily/2026-12-01/orders.csv')} orders\\.csv$`, 'm'));
    expect(stdout).toContain(`Total Objects: 3\n   Total Size: ${size('daily/2026-12-01/orders.csv') + size('daily/2026-12-01/order_items.csv')}`);
    expect(stderr).toMatch(/s3:\/\/ecomm-extracts\/daily\/2026-12-01\/customers\.csv is empty \(0 bytes\)/);
  });

  it('shows prefixes as PRE lines without --recursive', async () => {
    const { outcome, rows, stdout } = await exec('aws s3 ls s3://ecomm-extracts/daily/');
    expect(outcome.status).toBe('succeeded');
    expect(rows).toEqual([[null, null, 'daily/2026-12-01/', 'prefix'], [null, null, 'daily/2026-12-02/', 'prefix']]);
    expect(stdout).toMatch(/PRE 2026-12-01\/\n\s+PRE 2026-12-02\//);
  });

  it('lists nothing under a prefix with no objects as an empty grid, as the CLI prints nothing: the check judges it', async () => {
    const { outcome, messages, rows, stderr } = await exec('aws s3 ls s3://ecomm-extracts/daily/2026-12-03/ --summarize');
    expect(outcome).toEqual({ status: 'succeeded', rowCount: 0, truncated: false, dryRun: false });
    expect(messages.find((m) => m.type === 'columns')).toMatchObject({ columns: [{ name: 'last_modified' }, { name: 'size' }, { name: 'key' }, { name: 'kind' }] });
    expect(rows).toEqual([]);
    expect(stderr).toContain('Nothing under s3://ecomm-extracts/daily/2026-12-03/: no file there');
  });

  it('still fails a listing of a bucket that does not exist, as a connector error', async () => {
    const { outcome } = await exec('aws s3 ls s3://no-such-bucket/daily/');
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'connector_error', message: expect.stringMatching(/^There is no bucket for s3:\/\/no-such-bucket\//) } });
  });

  it('stops at the run row cap and says it was truncated', async () => {
    const { outcome, rows } = await exec('aws s3 ls s3://ecomm-extracts/many/ --recursive', {}, 10);
    expect(outcome).toMatchObject({ status: 'succeeded', rowCount: 10, truncated: true });
    expect(rows).toHaveLength(10);
  });

  it('heads an object, and fails for a missing one with the CLI\'s 404 line', async () => {
    const found = await exec('aws s3api head-object --bucket ecomm-extracts --key daily/2026-12-02/orders.csv');
    expect(found.outcome).toEqual({ status: 'succeeded', rowCount: 1, truncated: false, dryRun: false });
    expect(found.rows[0]!.slice(0, 2)).toEqual(['daily/2026-12-02/orders.csv', size('daily/2026-12-02/orders.csv')]);
    expect(found.stdout).toContain(`"ContentLength": ${size('daily/2026-12-02/orders.csv')}`);
    const missing = await exec('aws s3api head-object --bucket ecomm-extracts --key daily/2026-12-09/orders.csv');
    expect(missing.outcome).toMatchObject({ status: 'failed', error: { message: 'There is no object s3://ecomm-extracts/daily/2026-12-09/orders.csv.' } });
    expect(missing.stderr).toMatch(/\(404\) when calling the HeadObject operation: Not Found/);
  });

  it('refuses a dry run of a read, and a parameter value that is not a valid URI part', async () => {
    const messages: ServerMessage[] = [];
    const preview = await executeSystemSnippet({
      system: S3_SYSTEM, open, text: 'aws s3 ls s3://ecomm-extracts/', binds: {}, preview: true, confirmed: false, id: 'x', signal: new AbortController().signal, maxRows: 10,
      channel: { send: (m) => void messages.push(m), rows: async () => undefined },
    });
    expect(preview).toMatchObject({ status: 'failed', dryRun: true, error: { code: 'bad_message' } });
    const { outcome } = await exec('aws s3api head-object --bucket {{b}} --key x', { b: { type: 'string', value: 'Not A Bucket' } });
    expect(outcome).toMatchObject({ status: 'failed', error: { code: 'invalid_params' } });
  });

  it('is cancelled by the run signal', async () => {
    const controller = new AbortController();
    controller.abort();
    const { outcome } = await exec('aws s3 ls s3://ecomm-extracts/many/ --recursive', {}, 10_000, controller.signal);
    expect(outcome.status).toBe('cancelled');
  });

  it('probes the connection for --check-config', async () => {
    expect(await open.probe(AbortSignal.timeout(10_000))).toMatch(/demo S3-compatible server answered/);
    const withBucket = await S3_SYSTEM.open({ kind: 's3', demo: true, probeBucket: BUCKET }, demoEndpoints);
    try {
      expect(await withBucket.probe(AbortSignal.timeout(10_000))).toMatch(/listed s3:\/\/ecomm-extracts\//);
    } finally {
      withBucket.close();
    }
  });
});
