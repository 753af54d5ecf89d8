/**
 * Turns mssql's streamed events into batches for the sink, with backpressure: the request is paused
 * while a batch is with the sink (tedious then stops reading the socket) and resumed when the sink
 * takes it. Rows tedious had already parsed when paused still arrive; they wait for the next batch.
 *
 * One result set per snippet: the first is shown and later ones are drained unseen. A batch that returns
 * no result set (DML) reports the rows it affected. At the row cap a read is cancelled on the server; a
 * write keeps draining so it completes.
 */
import type { Cell } from '../../protocol';
import type { RowSink, StatementOutcome } from '../types';
import type { Mode } from '../../../plugins/remark-runbook/types';
import type { MssqlRequest } from './driver';
import { columnsOf, rowConverter } from './types';

export const BATCH = 1000;

export interface PumpOptions {
  readonly maxRows: number;
  readonly mode: Mode;
  readonly sink: RowSink;
  readonly batch?: number;
}

export function pump(request: MssqlRequest, text: string, options: PumpOptions): Promise<StatementOutcome> {
  const batchSize = options.batch ?? BATCH;
  const { sink, maxRows } = options;
  return new Promise((resolve, reject) => {
    let recordsets = 0;
    let convert: ((row: readonly unknown[]) => Cell[]) | null = null;
    let buffer: Cell[][] = [];
    let flushing = false;
    let done = false;
    let settled = false;
    let rowCount = 0;
    let truncated = false;
    let firstValue: Cell | undefined;
    let affected: number | null = null;
    let failure: unknown = null;
    let cancelledForCap = false;

    const finish = () => {
      if (settled || flushing) return;
      settled = true;
      if (failure) return reject(failure);
      if (recordsets > 0) return resolve({ rowCount, truncated, firstValue });
      reportAffected(affected, sink).then(resolve, reject);
    };

    const flush = () => {
      if (flushing || buffer.length === 0) return;
      const batch = buffer;
      buffer = [];
      flushing = true;
      if (!done) request.pause();
      sink.rows(batch).then(
        () => {
          flushing = false;
          if (failure) buffer = [];
          if (buffer.length >= batchSize || (done && buffer.length > 0)) return flush();
          if (done) return finish();
          request.resume(); // after a failure too: the request must run to its end to free the connection
        },
        (error: unknown) => {
          flushing = false;
          failure ??= error;
          buffer = [];
          if (done) finish();
          else request.cancel();
        },
      );
    };

    request.on('recordset', (columns) => {
      recordsets++;
      if (recordsets > 1) return;
      sink.columns(columnsOf(columns));
      convert = rowConverter(columns);
    });
    request.on('row', (row) => {
      if (recordsets !== 1 || !convert || truncated || failure) return;
      if (rowCount === maxRows) {
        truncated = true;
        if (options.mode === 'read') {
          cancelledForCap = true;
          request.cancel();
        }
        return;
      }
      const cells = convert(row);
      if (rowCount === 0) firstValue = cells[0];
      rowCount++;
      buffer.push(cells);
      if (buffer.length >= batchSize) flush();
    });
    request.on('rowsaffected', (count) => {
      affected = (affected ?? 0) + count;
    });
    request.on('error', (error) => {
      // Our own cancel at the row cap comes back as ECANCEL: the rows we kept are the answer.
      if (cancelledForCap && (error as { code?: string }).code === 'ECANCEL') return;
      failure ??= error;
    });
    request.on('done', () => {
      done = true;
      if (buffer.length > 0 && !failure) flush();
      else finish();
    });
    // In stream mode everything, failures included, arrives through the events above.
    request.query(text).catch(() => undefined);
  });
}

/** DML and other statements without a result set: one cell with the rows they touched, if any. */
async function reportAffected(affected: number | null, sink: RowSink): Promise<StatementOutcome> {
  if (affected === null) {
    sink.columns([]);
    return { rowCount: 0, truncated: false, firstValue: undefined };
  }
  sink.columns([{ name: 'rows_affected', type: 'INT' }]);
  await sink.rows([[affected]]);
  return { rowCount: 1, truncated: false, firstValue: affected };
}
