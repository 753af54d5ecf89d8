/**
 * One statement on one session: execute with the statement's own parameters (query tag, timeouts,
 * one statement only), cancel through the statement on abort, then stream the result with
 * backpressure — the row stream is only read while the sink has room, and the driver fetches result
 * chunks only as far as the stream is read (plus its prefetch).
 */
import type { Readable } from 'node:stream';
import type { Cell } from '../../protocol';
import type { RowSink, StatementOutcome } from '../types';
import type { SfStatement } from './driver';
import { ConnectorError } from '../types';
import { cancelledError, isLostSession, isNetworkFailure, statementError, timeoutError } from './errors';
import { baselineOf, sameBaseline, type Session } from './sessions';
import type { SnowflakeSql } from './sql';
import { columnInfo, convertRow, converters } from './values';

export interface StatementRun {
  readonly sql: SnowflakeSql;
  readonly queryTag: string;
  readonly mode: 'read' | 'write';
  readonly role: string;
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  readonly maxRows: number;
}

export interface RunResult {
  readonly outcome: StatementOutcome;
  /** False when the session must not be reused (it changed, or a cancel went unanswered). */
  readonly reusable: boolean;
}

/** A failed run: the error for the user, the driver's own for retry decisions, and the session's fate. */
export class RunFailed extends Error {
  constructor(
    readonly error: ConnectorError,
    readonly raw: unknown,
    readonly reusable: boolean,
    readonly accepted: boolean = false,
  ) {
    super(error.message);
    this.name = 'RunFailed';
  }
}

const BATCH = 2000;
/** How long a cancelled statement may take to report back before the run gives up on it. */
const CANCEL_GRACE_MS = 5000;
/** Snowflake times the statement out first; this only covers a server that never answers. */
const DEADLINE_SLACK_MS = 5000;

export async function runStatement(session: Session, run: StatementRun, sink: RowSink): Promise<RunResult> {
  const seconds = Math.max(1, Math.ceil(run.timeoutMs / 1000));
  let stoppedBy: 'cancelled' | 'timeout' | null = null;
  let statement: SfStatement | null = null;
  let rows: Readable | null = null;
  let giveUp: ((error: Error) => void) | null = null;
  let graceTimer: NodeJS.Timeout | null = null;
  let executed = false;
  let abandoned = false;
  const stop = (why: 'cancelled' | 'timeout') => {
    if (stoppedBy) return;
    stoppedBy = why;
    // The driver aborts by request id before the query id is known, by query id after. Once the
    // statement has finished there is nothing left to cancel in Snowflake, only the stream to stop.
    if (!executed) statement?.cancel(() => undefined);
    rows?.destroy(why === 'cancelled' ? cancelledError() : timeoutError(run.timeoutMs));
    graceTimer = setTimeout(() => {
      abandoned = !executed;
      giveUp?.(why === 'cancelled' ? cancelledError() : timeoutError(run.timeoutMs));
    }, CANCEL_GRACE_MS);
  };
  // Read through a function: TypeScript would otherwise keep the `null` it narrowed at declaration.
  const stopped = (): 'cancelled' | 'timeout' | null => stoppedBy;
  const onAbort = () => stop('cancelled');
  if (run.signal.aborted) throw new RunFailed(cancelledError(), null, true);
  run.signal.addEventListener('abort', onAbort, { once: true });
  const deadline = setTimeout(() => stop('timeout'), seconds * 1000 + DEADLINE_SLACK_MS);
  try {
    const done = await new Promise<SfStatement>((resolve, reject) => {
      giveUp = reject;
      statement = session.connection.execute({
        sqlText: run.sql.text,
        binds: [...run.sql.binds],
        parameters: {
          QUERY_TAG: run.queryTag,
          STATEMENT_TIMEOUT_IN_SECONDS: seconds,
          // Time queued behind a busy warehouse does not count towards the statement timeout.
          STATEMENT_QUEUED_TIMEOUT_IN_SECONDS: seconds,
          // Whatever the account allows: one statement, so a read cannot smuggle in a second one.
          MULTI_STATEMENT_COUNT: 1,
        },
        streamResult: true,
        rowMode: 'array',
        fetchAsString: ['Number'],
        complete: (err, stmt) => (err ? reject(err) : resolve(stmt)),
      });
    });
    executed = true;
    clearTimeout(deadline);
    // A cancel that lost the race with completion still cancels the run: nothing is streamed.
    if (stopped()) throw stopped() === 'cancelled' ? cancelledError() : timeoutError(run.timeoutMs);
    const outcome = await stream(done, run.maxRows, sink, (r) => (rows = r), () => stopped() !== null);
    if (stopped()) throw stopped() === 'cancelled' ? cancelledError() : timeoutError(run.timeoutMs);
    return { outcome, reusable: sameBaseline(session.baseline, baselineOf(done.getSessionState())) };
  } catch (error) {
    const mapped = statementError(error, { mode: run.mode, role: run.role, timeoutMs: run.timeoutMs, stoppedBy: stopped() });
    // A statement given up on may still run on this session; a lost session cannot be reused anyway.
    // Snowflake knew the statement (it had a query id): it may have run, so it must not run again.
    const accepted = Boolean((statement as SfStatement | null)?.getQueryId());
    throw new RunFailed(mapped, error, !abandoned && !isLostSession(error) && !isNetworkFailure(error), accepted);
  } finally {
    clearTimeout(deadline);
    if (graceTimer) clearTimeout(graceTimer);
    run.signal.removeEventListener('abort', onAbort);
  }
}

async function stream(statement: SfStatement, maxRows: number, sink: RowSink, expose: (r: Readable) => void, stopped: () => boolean): Promise<StatementOutcome> {
  const columns = statement.getColumns() ?? [];
  sink.columns(columns.map(columnInfo));
  const total = statement.getNumRows() ?? 0;
  const wanted = Math.min(total, maxRows);
  const state = { rowCount: 0, firstValue: undefined as Cell | undefined };
  if (wanted > 0) {
    // Only the rows under the cap are requested, so chunks past it are never downloaded.
    const rows = statement.streamRows({ start: 0, end: wanted - 1 });
    expose(rows);
    const convert = converters(columns);
    try {
      while (!stopped()) {
        // The batch lives only inside forward(): this frame holds just the sink's promise, so a
        // slow client does not pin converted rows in memory while the socket drains.
        const pending = forward(await readBatch(rows, BATCH), convert, state, sink);
        if (!pending) break;
        await pending;
      }
    } finally {
      rows.destroy();
    }
  }
  return { rowCount: state.rowCount, truncated: total > maxRows, firstValue: state.firstValue };
}

function forward(batch: unknown[][] | null, convert: ReturnType<typeof converters>, state: { rowCount: number; firstValue: Cell | undefined }, sink: RowSink): Promise<void> | null {
  if (!batch) return null;
  const cells = batch.map((row) => convertRow(row, convert));
  if (state.rowCount === 0 && cells[0]) state.firstValue = cells[0][0];
  state.rowCount += cells.length;
  return sink.rows(cells);
}

/**
 * Up to `max` rows from the stream: whatever is buffered now, or the next rows to arrive; null at the
 * end. Reading only here is what pauses the driver while the sink is busy.
 */
function readBatch(stream: Readable, max: number): Promise<unknown[][] | null> {
  return new Promise((resolve, reject) => {
    if (stream.errored) return reject(stream.errored);
    if (stream.readableEnded) return resolve(null);
    const batch: unknown[][] = [];
    const finish = (error: Error | null, value: unknown[][] | null) => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (error) reject(error);
      else resolve(value);
    };
    const onReadable = () => {
      let row: unknown;
      while (batch.length < max && (row = stream.read()) !== null) batch.push(row as unknown[]);
      if (batch.length > 0) finish(null, batch);
    };
    const onEnd = () => finish(null, batch.length > 0 ? batch : null);
    const onError = (error: Error) => finish(error, null);
    // Destroyed without an error (a cancel races the end): nothing more will come.
    const onClose = () => finish(stream.errored ?? null, batch.length > 0 ? batch : null);
    stream.on('readable', onReadable);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}
