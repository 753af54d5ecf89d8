/** Streams a DuckDB result chunk by chunk into the sink, with backpressure and the row cap. */
import type { DuckDBDataChunk, DuckDBResult } from '@duckdb/node-api';
import type { Cell, ColumnInfo } from '../../protocol';
import type { RowSink, StatementOutcome } from '../types';
import { chunkRows } from './values';

export async function drain(result: DuckDBResult, maxRows: number, sink: RowSink, stopped: () => boolean): Promise<StatementOutcome> {
  const names = result.deduplicatedColumnNames();
  const types = result.columnTypes();
  const columns: ColumnInfo[] = names.map((name, i) => ({ name, type: String(types[i]) }));
  sink.columns(columns);
  const state = { rowCount: 0, truncated: false, firstValue: undefined as Cell | undefined };
  // The engine makes the next chunk (on its own thread) while this one is converted and sent: one chunk
  // ahead at most, so the socket's backpressure still bounds what the server holds.
  let next: Promise<DuckDBDataChunk | null> | null = result.fetchChunk();
  try {
    while (next && !stopped() && !state.truncated) {
      const chunk: DuckDBDataChunk | null = await next;
      next = chunk && chunk.rowCount > 0 && state.rowCount + chunk.rowCount <= maxRows ? result.fetchChunk() : null;
      // The converted rows live only inside forward(); this frame keeps just the pending promise (and
      // the unconverted chunk ahead), so a slow client does not pin converted batches while the socket drains.
      const pending = forward(chunk, maxRows, state, sink);
      if (!pending) break;
      await pending;
    }
  } finally {
    // The connection is closed after this returns: a fetch still running then would never settle.
    await next?.catch(() => undefined);
  }
  return state;
}

/** Converts one chunk and hands it to the sink; null at the end of the result (or of the cap). */
function forward(chunk: DuckDBDataChunk | null, maxRows: number, state: { rowCount: number; truncated: boolean; firstValue: Cell | undefined }, sink: RowSink): Promise<void> | null {
  if (!chunk || chunk.rowCount === 0) return null;
  if (state.rowCount >= maxRows) {
    state.truncated = true;
    return null;
  }
  let rows = chunkRows(chunk);
  if (state.rowCount + rows.length > maxRows) {
    rows = rows.slice(0, maxRows - state.rowCount);
    state.truncated = true;
  }
  if (state.rowCount === 0 && rows[0]) state.firstValue = rows[0][0];
  state.rowCount += rows.length;
  return sink.rows(rows);
}

