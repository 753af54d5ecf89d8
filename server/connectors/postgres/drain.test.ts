/**
 * The PostgreSQL send loop (drainCursor): a small first read, so the first rows go out before a whole
 * batch is read; then the next batch is read while the current one is being sent, one ahead at most. Narrow
 * results are read in larger batches than wide ones.
 */
import pg from 'pg';
import Cursor from 'pg-cursor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresUnavailable, postgresUrl } from '../../testing/postgres';
import { HeldSink, settle } from '../../testing/heldSink';
import { jsonSafeTypes } from './types';
import { cursorBatchRows, drainCursor, type CursorLike } from './index';

let skip: string | null = null;
let client: pg.Client;
beforeAll(async () => {
  skip = await postgresUnavailable();
  if (skip) return;
  client = new pg.Client({ connectionString: postgresUrl(), types: jsonSafeTypes });
  await client.connect();
});
afterAll(async () => {
  if (!skip) await client.end();
});

/** A real cursor whose reads are recorded: how many rows each asked for, and when each finished. */
function recorded(sql: string): { cursor: CursorLike; asked: number[]; finished: number[]; close: () => Promise<void> } {
  const real = client.query(new Cursor(sql, [], { rowMode: 'array' })) as unknown as CursorLike & { close(): Promise<void> };
  const asked: number[] = [];
  const finished: number[] = [];
  const cursor: CursorLike = {
    read(n, cb) {
      asked.push(n);
      real.read(n, (err, rows, result) => {
        finished.push(n);
        cb(err, rows, result);
      });
    },
    get _result() {
      return real._result;
    },
  };
  return { cursor, asked, finished, close: () => real.close() };
}

describe('PostgreSQL send loop', () => {
  it('reads a small first batch, then reads ahead while a batch is sent, one batch at most', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const { cursor, asked, finished, close } = recorded('select i, i * 2 as j from generate_series(1, 10000) as t(i)');
    const sink = new HeldSink();
    const done = drainCursor(cursor, 1_000_000, sink, () => false);

    await expect.poll(() => sink.batches.length).toBe(1);
    expect(sink.batches[0]).toHaveLength(100);
    // While the first batch is held on the wire, the next read goes out and completes…
    await expect.poll(() => finished.length).toBe(2);
    await settle();
    // …and no third: the held socket still stops the reading.
    expect(asked).toEqual([100, 8000]);
    expect(sink.batches.length).toBe(1);

    sink.releaseAll();
    expect(await done).toMatchObject({ rowCount: 10000, truncated: false });
    expect(sink.batches.flat().map((row) => Number(row[0]))).toEqual(Array.from({ length: 10000 }, (_, i) => i + 1));
    await close();
  });

  it('keeps the row cap and its truncation', async (ctx) => {
    if (skip) return ctx.skip(skip);
    for (const [total, cap, truncated] of [[5000, 2100, true], [2100, 2100, false], [50, 100, false]] as const) {
      const { cursor, close } = recorded(`select i from generate_series(1, ${total}) as t(i)`);
      const sink = new HeldSink().releaseAllAndReturn();
      expect(await drainCursor(cursor, cap, sink, () => false)).toMatchObject({ rowCount: Math.min(total, cap), truncated });
      expect(sink.batches.flat()).toHaveLength(Math.min(total, cap));
      await close();
    }
  });

  it('reads a wide result in smaller batches than a narrow one, so a batch holds about as many cells', async (ctx) => {
    if (skip) return ctx.skip(skip);
    expect([1, 4, 8, 16, 40].map(cursorBatchRows)).toEqual([8000, 8000, 4000, 2000, 2000]);
    const columns = Array.from({ length: 20 }, (_, c) => `i + ${c} as c${c}`).join(', ');
    const { cursor, asked, close } = recorded(`select ${columns} from generate_series(1, 5000) as t(i)`);
    const sink = new HeldSink().releaseAllAndReturn();
    expect(await drainCursor(cursor, 1_000_000, sink, () => false)).toMatchObject({ rowCount: 5000, truncated: false });
    expect(asked.slice(0, 2)).toEqual([100, 2000]);
    await close();
  });
});
