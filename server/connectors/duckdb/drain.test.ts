/**
 * The DuckDB send loop (drain.ts) asks the engine for the next chunk while the current one is on its way
 * to the page, and never more than one ahead: a page that stops reading still stops the reading.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection, type DuckDBDataChunk, type DuckDBResult } from '@duckdb/node-api';
import { HeldSink, settle } from '../../testing/heldSink';
import { drain } from './drain';

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
});
