/**
 * A large result end to end (issue 14, item 4): a read over the real socket streams the page's window, the
 * server keeps the rest and says so (`kept`), and GET /api/results/:runId pages, sorts, filters and exports
 * it for the user who ran it — nobody else — with every first read and export in the audit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoneMessage, ServerMessage } from '../protocol';
import { ADMIN, APPROVER, OPERATOR, startHarness, type Harness } from '../testing/harness';

const ROWS = 30_000;
const WINDOW = 1_000;
type Kept = Extract<ServerMessage, { type: 'kept' }>;

let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    setupSql: 'select 1',
    snippets: {
      'big/orders': { text: `select i as n, 'row ' || i as label, (i * 7919) % 1000 as amount from range(0, ${ROWS}) t(i)` },
      'big/small': { text: `select i as n from range(0, ${WINDOW - 1}) t(i)` },
      'big/huge': { text: 'select i as n from range(0, 100000) t(i)' },
    },
    limits: { rowsPerRun: WINDOW, rowsHardCap: WINDOW },
    extraConfig: 'results: {maxRows: 50000}\n',
    keptResults: true,
  });
});
afterAll(async () => {
  await h?.close();
});

async function run(snippet: string, id: string): Promise<{ done: DoneMessage; kept: Kept | undefined; streamed: number; firstRows: unknown[]; runId: string }> {
  const client = await h.connect();
  try {
    client.send({ type: 'run', id, snippet, sha256: h.manifest.snippets[snippet]!.sha256, env: 'demo', params: {} });
    const done = await client.done(id, 120_000);
    const mine = client.of(id);
    const firstRows = mine.flatMap((m) => (m.type === 'rows' ? m.rows : []));
    const streamed = firstRows.length;
    const accepted = mine.find((m): m is Extract<ServerMessage, { type: 'accepted' }> => m.type === 'accepted');
    const kept = mine.find((m): m is Kept => m.type === 'kept');
    // `kept` comes before `done`, which stays last.
    expect(mine[mine.length - 1]?.type).toBe('done');
    return { done, kept, streamed, firstRows, runId: accepted!.runId };
  } finally {
    client.close();
  }
}

/** The rows the snippet yields, in its order, as the socket sends them (BIGINT as text: JSON-safe). */
const expectedRows = Array.from({ length: ROWS }, (_, i) => [String(i), `row ${i}`, String((i * 7919) % 1000)]);

describe('a result kept on the server', () => {
  let runId = '';
  let window: unknown[] = [];

  it('streams the page its window and keeps the whole result, saying so before done', async () => {
    const result = await run('big/orders', 'r1');
    runId = result.runId;
    window = result.firstRows;
    expect(result.done).toMatchObject({ status: 'succeeded', rowCount: ROWS, truncated: false });
    expect(result.streamed).toBe(WINDOW);
    expect(result.kept).toMatchObject({ runId, rows: ROWS, truncated: false });
    expect(Date.parse(result.kept!.expiresAt)).toBeGreaterThan(Date.now());
  });

  it('pages it for the user who ran it, in the order it came, cell for cell as the socket sent it', async () => {
    const first = await h.api('GET', `/api/results/${runId}?offset=0&limit=${WINDOW}`, OPERATOR);
    expect(first.body.rows).toEqual(window);
    const page = await h.api('GET', `/api/results/${runId}?offset=${ROWS - 10}&limit=50`, OPERATOR);
    expect(page.status).toBe(200);
    expect(page.body.total).toBe(ROWS);
    expect(page.body.columns.map((c: { name: string }) => c.name)).toEqual(['n', 'label', 'amount']);
    expect(page.body.rows).toEqual(expectedRows.slice(ROWS - 10));
  });

  it('sorts and filters on the server', async () => {
    const sorted = await h.api('GET', `/api/results/${runId}?offset=0&limit=20&sort=2&desc=1`, OPERATOR);
    const byAmountDesc = [...expectedRows].sort((a, b) => Number(b[2]) - Number(a[2]) || Number(a[0]) - Number(b[0]));
    expect(sorted.body.rows).toEqual(byAmountDesc.slice(0, 20));
    const filtered = await h.api('GET', `/api/results/${runId}?offset=0&limit=100&filter=ROW%202999&column=1`, OPERATOR);
    const matching = expectedRows.filter((r) => (r[1] as string).includes('row 2999'));
    expect(filtered.body.total).toBe(matching.length);
    expect(filtered.body.rows).toEqual(matching);
  });

  it('exports every matching row as CSV', async () => {
    const csv = await h.api('GET', `/api/results/${runId}/csv?sort=0&desc=1`, OPERATOR);
    expect(csv.status).toBe(200);
    const lines = (csv.body as string).split('\r\n');
    expect(lines[0]).toBe('n,label,amount');
    expect(lines).toHaveLength(ROWS + 2); // header, rows, and the empty string after the last CRLF
    expect(lines[1]).toBe(`${ROWS - 1},row ${ROWS - 1},${((ROWS - 1) * 7919) % 1000}`);
    expect(lines[ROWS]).toBe('0,row 0,0');
  });

  it('refuses anyone else, approvers and admins included', async () => {
    for (const other of [APPROVER, ADMIN]) {
      const page = await h.api('GET', `/api/results/${runId}?offset=0&limit=5`, other);
      expect(page.status, other.user).toBe(403);
      expect(page.body.error.code).toBe('forbidden');
      expect((await h.api('GET', `/api/results/${runId}/csv`, other)).status, other.user).toBe(403);
    }
  });

  it('records the first page read and each export as reads of the result', async () => {
    await h.audit.flush();
    const reads = h.audit.events.filter((e) => e.kind === 'result_read' && e.runId === runId);
    expect(reads.map((e) => [e.user, e.detail])).toEqual([
      [OPERATOR.user, 'read the kept result in the page'],
      [OPERATOR.user, 'exported the kept result as CSV'],
    ]);
  });

  it('keeps nothing for a result the page got whole', async () => {
    const small = await run('big/small', 'r2');
    expect(small.kept).toBeUndefined();
    expect(small.streamed).toBe(WINDOW - 1);
    const page = await h.api('GET', `/api/results/${small.runId}?offset=0&limit=5`, OPERATOR);
    expect(page.status).toBe(404);
    expect(page.body.error.message).toMatch(/Run it again/);
  });

  it('cuts a result past results.maxRows and says it is truncated', async () => {
    const huge = await run('big/huge', 'r3');
    expect(huge.kept).toMatchObject({ rows: 50_000, truncated: true });
    expect(huge.done.truncated).toBe(true);
  });

  it('answers a bad page request with 400', async () => {
    expect((await h.api('GET', `/api/results/${runId}?offset=0&limit=0`, OPERATOR)).status).toBe(400);
    expect((await h.api('GET', `/api/results/${runId}?sort=7`, OPERATOR)).status).toBe(400);
  });
});
