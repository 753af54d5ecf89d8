/**
 * An `s3 run` snippet through the whole server: the socket, the manifest hash, the environment's connection,
 * the demo S3 (a real S3-compatible server) and the audit record of every attempt.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness, type TestClient } from '../../../testing/harness';

let h: Harness;
let client: TestClient;
let n = 0;
const EXTRACT_OK = 'rows > 0 and count(size = 0) = 0';
const listing = { lang: 's3' as const, target: 's3', text: 'aws s3 ls s3://ecomm-extracts/daily/{{execution_date}}/', params: [{ name: 'execution_date', type: 'date', default: 'yesterday' }] };

beforeAll(async () => {
  h = await startHarness({
    setupSql: 'select 1',
    demoConnections: '      s3: {kind: s3, demo: true}\n',
    now: () => new Date('2026-12-02T03:00:00Z'),
    demoSystems: {
      seedS3: async (s3) => {
        await s3.put('ecomm-extracts', 'daily/2026-12-01/orders.csv', 'order_id\n1\n');
        // The export of 2026-11-29 found no rows: a 0-byte file.
        await s3.put('ecomm-extracts', 'daily/2026-11-29/orders.csv', '');
      },
    },
    snippets: { 's3/extract-files': listing, 's3/extract-ok': { ...listing, expect: EXTRACT_OK, title: "The day's extract exists and is not empty" }, 's3/on-warehouse': { ...listing, target: 'warehouse' } },
  });
  client = await h.connect();
}, 60_000);
afterAll(async () => {
  client?.close();
  await h?.close();
});

function run(snippet: string, params: Record<string, string> = {}) {
  const id = `s${++n}`;
  client.send({ type: 'run', id, snippet, sha256: h.manifest.snippets[snippet]!.sha256, env: 'demo', params });
  return { id, done: client.done(id, 30_000) };
}

describe('s3 snippets on the server', () => {
  it('list the demo extracts for the runbook day and audit the run', async () => {
    const { id, done } = run('s3/extract-files');
    expect(await done).toMatchObject({ status: 'succeeded', rowCount: 1 });
    expect(client.of(id).flatMap((m) => (m.type === 'rows' ? m.rows : []))).toEqual([[expect.any(String), 11, 'daily/2026-12-01/orders.csv', 'object']]);
    expect(h.audit.events.filter((e) => e.snippet === 's3/extract-files').at(-1)).toMatchObject({ status: 'succeeded', rowCount: 1, params: { execution_date: '2026-12-01' } });
  });

  it('list a day with no extract as an empty grid, audited: the listing itself worked', async () => {
    const { done } = run('s3/extract-files', { execution_date: '2026-11-30' });
    expect(await done).toMatchObject({ status: 'succeeded', rowCount: 0 });
    expect(h.audit.events.filter((e) => e.snippet === 's3/extract-files').at(-1)).toMatchObject({ status: 'succeeded', rowCount: 0 });
  });

  it('as a check, fail as a verdict for a day with no file and for a 0-byte file, and pass for a day with data', async () => {
    const missing = await run('s3/extract-ok', { execution_date: '2026-11-30' }).done;
    expect(missing).toMatchObject({ status: 'failed', rowCount: 0, check: { passed: false, verdict: 'error' } });
    expect(missing.error).toBeUndefined();
    expect(missing.check?.detail).toMatch(/rows 0/);
    const empty = await run('s3/extract-ok', { execution_date: '2026-11-29' }).done;
    expect(empty).toMatchObject({ status: 'failed', rowCount: 1, check: { passed: false, verdict: 'error' } });
    expect(empty.check?.detail).toMatch(/count\(size = 0\) of 1 row 1/);
    expect(await run('s3/extract-ok').done).toMatchObject({ status: 'succeeded', rowCount: 1, check: { passed: true, verdict: 'ok' } });
  });

  it('are refused on a connection that is not S3, with how to fix it', async () => {
    const { done } = run('s3/on-warehouse');
    expect(await done).toMatchObject({ status: 'failed', error: { code: 'unavailable', message: 'Environment demo has no s3 connection named "warehouse".', hint: expect.stringMatching(/Add \{kind: s3, …\} as "warehouse"/) } });
  });
});
