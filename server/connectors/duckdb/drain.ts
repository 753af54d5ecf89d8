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

/**
 * Rows of the result's first frame: converted and sent on their own, so the page has them while the rest of the
 * first chunk (2,048 rows) is still being converted.
 */
export const FIRST_ROWS = 100;

/** Converts one chunk and hands it to the sink; null at the end of the result (or of the cap). */
function forward(chunk: DuckDBDataChunk | null, maxRows: number, state: { rowCount: number; truncated: boolean; firstValue: Cell | undefined }, sink: RowSink): Promise<void> | null {
  if (!chunk || chunk.rowCount === 0) return null;
  if (state.rowCount >= maxRows) {
    state.truncated = true;
    return null;
  }
  let end = chunk.rowCount;
  if (state.rowCount + end > maxRows) {
    end = maxRows - state.rowCount;
    state.truncated = true;
  }
  const first = state.rowCount === 0;
  state.rowCount += end;
  if (!first || end <= FIRST_ROWS) return sendRows(chunkRows(chunk, 0, end), state, sink);
  return sendRows(chunkRows(chunk, 0, FIRST_ROWS), state, sink).then(() => sendRows(chunkRows(chunk, FIRST_ROWS, end), state, sink));
}

function sendRows(rows: Cell[][], state: { firstValue: Cell | undefined }, sink: RowSink): Promise<void> {
  if (state.firstValue === undefined && rows[0]) state.firstValue = rows[0][0];
  return sink.rows(rows);
}
