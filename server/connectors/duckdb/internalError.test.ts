/**
 * A read that DuckDB fails with an internal assertion before any row is sent runs once more (the engine stays
 * usable; see readOnceMoreOnInternalError); writes, partly-sent results and ordinary errors never repeat.
 */
import { describe, expect, it } from 'vitest';
import type { ColumnInfo } from '../../protocol';
import { ConnectorError, type RowSink, type StatementOutcome, type StatementRequest } from '../types';
import { readOnceMoreOnInternalError } from './index';

const INTERNAL = new ConnectorError('connector_error', 'INTERNAL Error: Attempted to access index 0 within vector of size 0');
const request = (mode: 'read' | 'write'): StatementRequest => ({ text: 'select 1', binds: {}, mode, signal: new AbortController().signal, timeoutMs: 1000, maxRows: 10 });
const COLUMNS: readonly ColumnInfo[] = [{ name: 'one', type: 'INTEGER' }];

function recordingSink() {
  const seen: string[] = [];
  const sink: RowSink = { columns: (c) => void seen.push(`columns ${c.map((x) => x.name).join(',')}`), rows: async (b) => void seen.push(`rows ${b.length}`) };
  return { sink, seen };
}

/** Fails with `errors` in turn, announcing columns (and rows when asked) first, then succeeds. */
function attempts(errors: readonly Error[], rowsBeforeError = false) {
  let calls = 0;
  const attempt = async (sink: RowSink): Promise<StatementOutcome> => {
    const error = errors[calls++];
    sink.columns(COLUMNS);
    if (error) {
      if (rowsBeforeError) await sink.rows([[1]]);
      throw error;
    }
    await sink.rows([[1]]);
    return { rowCount: 1, truncated: false, firstValue: 1 };
  };
  return { attempt, calls: () => calls };
}

describe('a DuckDB internal error on a read', () => {
  it('runs the read once more and announces the columns once', async () => {
    const { sink, seen } = recordingSink();
    const a = attempts([INTERNAL]);
    await expect(readOnceMoreOnInternalError(request('read'), sink, a.attempt)).resolves.toMatchObject({ rowCount: 1 });
    expect(a.calls()).toBe(2);
    expect(seen).toEqual(['columns one', 'rows 1']);
  });

  it('does not repeat twice, nor a write, nor a read that already sent rows, nor another error', async () => {
    await expect(readOnceMoreOnInternalError(request('read'), recordingSink().sink, attempts([INTERNAL, INTERNAL]).attempt)).rejects.toBe(INTERNAL);
    const write = attempts([INTERNAL]);
    await expect(readOnceMoreOnInternalError(request('write'), recordingSink().sink, write.attempt)).rejects.toBe(INTERNAL);
    expect(write.calls()).toBe(1);
    const partly = attempts([INTERNAL], true);
    await expect(readOnceMoreOnInternalError(request('read'), recordingSink().sink, partly.attempt)).rejects.toBe(INTERNAL);
    expect(partly.calls()).toBe(1);
    const missing = new ConnectorError('connector_error', 'Catalog Error: Table with name nope does not exist!');
    const other = attempts([missing]);
    await expect(readOnceMoreOnInternalError(request('read'), recordingSink().sink, other.attempt)).rejects.toBe(missing);
    expect(other.calls()).toBe(1);
  });
});
