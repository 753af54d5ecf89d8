/**
 * Reads a result set in batches: fetch one, hand it to the sink, fetch the next only when the sink
 * has taken it. One more row than the cap is asked for, so `truncated` is exact.
 */
import type { Cell } from '../../protocol';
import type { RowSink, StatementOutcome } from '../types';
import type { OracleResultSet } from './driver';
import { columnsOf, rowConverter, type OracleColumnMeta } from './types';

/** Rows per fetch round trip and per batch handed to the sink. */
export const BATCH = 1000;

interface DrainState {
  rowCount: number;
  truncated: boolean;
  exhausted: boolean;
  firstValue: Cell | undefined;
}

export async function drain(
  resultSet: OracleResultSet,
  metaData: readonly OracleColumnMeta[],
  maxRows: number,
  sink: RowSink,
  call: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<StatementOutcome> {
  sink.columns(columnsOf(metaData));
  const convert = rowConverter(metaData);
  const state: DrainState = { rowCount: 0, truncated: false, exhausted: false, firstValue: undefined };
  while (!state.truncated && !state.exhausted) {
    const want = Math.min(BATCH, maxRows - state.rowCount + 1);
    // The fetched batch lives only inside forward(): nothing holds it while the sink drains.
    const pending = forward(await call(() => resultSet.getRows(want)), want, convert, maxRows, state, sink);
    if (pending) await pending;
  }
  return { rowCount: state.rowCount, truncated: state.truncated, firstValue: state.firstValue };
}

function forward(raw: unknown[][], want: number, convert: (row: readonly unknown[]) => Cell[], maxRows: number, state: DrainState, sink: RowSink): Promise<void> | null {
  if (raw.length < want) state.exhausted = true;
  if (raw.length === 0) return null;
  let rows = raw.map(convert);
  if (state.rowCount + rows.length > maxRows) {
    rows = rows.slice(0, maxRows - state.rowCount);
    state.truncated = true;
  }
  if (state.rowCount === 0 && rows[0]) state.firstValue = rows[0][0];
  state.rowCount += rows.length;
  return rows.length ? sink.rows(rows) : null;
}

/** DML reports how many rows it touched as a one-cell result; PL/SQL and DDL report nothing. */
export async function reportNonQuery(rowsAffected: number | undefined, sink: RowSink): Promise<StatementOutcome> {
  if (rowsAffected === undefined) {
    sink.columns([]);
    return { rowCount: 0, truncated: false, firstValue: undefined };
  }
  sink.columns([{ name: 'rows_affected', type: 'NUMBER' }]);
  await sink.rows([[rowsAffected]]);
  return { rowCount: 1, truncated: false, firstValue: rowsAffected };
}

