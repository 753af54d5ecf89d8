/**
 * The DuckDB send loop (drain.ts) asks the engine for the next chunk while the current one is on its way
 * to the page, and never more than one ahead: a page that stops reading still stops the reading. The first
 * rows go out on their own before the rest of the first chunk is converted; the cells are the driver's own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, JsonDuckDBValueConverter, type DuckDBConnection, type DuckDBDataChunk, type DuckDBResult } from '@duckdb/node-api';
import { HeldSink, settle } from '../../testing/heldSink';
import { drain, FIRST_ROWS } from './drain';
import { chunkRows } from './values';

let instance: DuckDBInstance;
let connection: DuckDBConnection;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});
afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

/** The real result, with every fetch counted and kept, so a test can wait for a fetch to finish. */
function counted(result: DuckDBResult): { result: DuckDBResult; fetches: Promise<DuckDBDataChunk | null>[] } {
  const fetches: Promise<DuckDBDataChunk | null>[] = [];
  const wrapper = {
    deduplicatedColumnNames: () => result.deduplicatedColumnNames(),
    columnTypes: () => result.columnTypes(),
    fetchChunk: () => {
      const p = result.fetchChunk();
      fetches.push(p);
      return p;
    },
  };
  return { result: wrapper as unknown as DuckDBResult, fetches };
}

describe('DuckDB send loop', () => {
  it('fetches the next chunk while a batch is being sent, one ahead at most, and keeps every row in order', async () => {
    const { result, fetches } = counted(await connection.stream('select i, i * 2 as j from range(10000) t(i)'));
    const sink = new HeldSink();
    const done = drain(result, 1_000_000, sink, () => false);

    await expect.poll(() => sink.batches.length).toBe(1);
    // The first batch is held "on the wire": the next chunk is asked for meanwhile…
    await expect.poll(() => fetches.length).toBe(2);
    await fetches[1];
    await settle();
    // …and nothing past it: the held socket still stops the reading.
    expect(fetches.length).toBe(2);
    expect(sink.batches.length).toBe(1);

    sink.releaseAll();
    const outcome = await done;
    expect(outcome).toMatchObject({ rowCount: 10000, truncated: false });
    const ids = sink.batches.flat().map((row) => Number(row[0]));
    expect(ids).toEqual(Array.from({ length: 10000 }, (_, i) => i));
  });

  it('stops at the row cap with the same truncation as before, and leaves no fetch running', async () => {
    const { result, fetches } = counted(await connection.stream('select i from range(10000) t(i)'));
    const sink = new HeldSink();
    sink.releaseAll();
    expect(await drain(result, 4096, sink, () => false)).toMatchObject({ rowCount: 4096, truncated: true });
    expect(sink.batches.flat()).toHaveLength(4096);
    await Promise.all(fetches); // every fetch it started has settled by the time it returned
    const exact = counted(await connection.stream('select i from range(4096) t(i)'));
    expect(await drain(exact.result, 4096, new HeldSink().releaseAllAndReturn(), () => false)).toMatchObject({ rowCount: 4096, truncated: false });
  });

  it('sends the first rows of the first chunk on their own, and converts the rest of it only once they are taken', async () => {
    const { result, fetches } = counted(await connection.stream('select i from range(10000) t(i)'));
    const sink = new HeldSink();
    const done = drain(result, 1_000_000, sink, () => false);
    await expect.poll(() => sink.batches.length).toBe(1);
    expect(sink.batches[0]).toHaveLength(FIRST_ROWS);
    await fetches[1];
    await settle();
    // The rest of the first chunk waits for the first frame to be taken, as any batch waits for the socket.
    expect(sink.batches).toHaveLength(1);
    sink.release();
    await expect.poll(() => sink.batches.length).toBe(2);
    expect(sink.batches[0]!.length + sink.batches[1]!.length).toBe(2048);
    sink.releaseAll();
    expect(await done).toMatchObject({ rowCount: 10000, truncated: false, firstValue: '0' });
    expect(sink.batches.flat().map((row) => Number(row[0]))).toEqual(Array.from({ length: 10000 }, (_, i) => i));
  });

  it('cuts a first chunk at a row cap below the first frame without a second frame', async () => {
    const { result } = counted(await connection.stream('select i from range(10000) t(i)'));
    const sink = new HeldSink().releaseAllAndReturn();
    expect(await drain(result, 30, sink, () => false)).toMatchObject({ rowCount: 30, truncated: true });
    expect(sink.batches.map((b) => b.length)).toEqual([30]);
  });

  it('converts cells exactly as the driver\'s own convertRows does, whole chunks and slices of them', async () => {
    const sql = `select i, i::bigint * 3000000000 as big, (i * 1.25)::decimal(18, 2) as amount, i::hugeint * 1e20::hugeint as huge,
        date '2026-01-01' + i::int as day, timestamp '2026-01-01 00:00:00' + to_seconds(i) as at, 'label_' || i as label,
        case when i % 3 = 0 then null else i end as sometimes, [i, i + 1] as list, {'a': i, 'b': 'x' || i} as struct,
        i % 2 = 0 as even, i / 7 as ratio, uuid() is not null as has_uuid
      from range(3000) t(i)`;
    const result = await connection.stream(sql);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const expected = chunk.convertRows(JsonDuckDBValueConverter);
      expect(chunkRows(chunk)).toEqual(expected);
      expect(chunkRows(chunk, 0, 100)).toEqual(expected.slice(0, 100));
      expect(chunkRows(chunk, 100, chunk.rowCount)).toEqual(expected.slice(100));
    }
  });
});
