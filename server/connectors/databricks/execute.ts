/**
 * One statement through the Statement Execution API: submit (waiting up to wait_timeout for it to
 * finish), poll GET /statements/{id} while it is PENDING or RUNNING, then stream the INLINE JSON_ARRAY
 * chunks into the sink, following next_chunk_internal_link only as far as the sink takes rows.
 *
 * A cancel or the run's timeout sends POST /statements/{id}/cancel. A submit already on the wire is let
 * finish first — aborting it would leave a statement running in Databricks with an id nobody knows.
 * row_limit is the run's maxRows, so Databricks itself trims the result and says `truncated`.
 */
import type { Cell } from '../../protocol';
import { ConnectorError, type RowSink, type StatementOutcome, type StatementRequest } from '../types';
import { cancelledError, httpError, statementFailed, timeoutError, type ErrorContext } from './errors';
import type { DatabricksHttp, Sleep } from './http';
import { toParameters } from './params';
import { convertRows, converterFor, columnInfo } from './values';
import { isTerminal, resultDataSchema, statementResponseSchema, type ExecuteStatementRequest, type ResultData, type StatementResponse } from './wire';

export interface StatementTarget {
  readonly warehouseId: string;
  readonly catalog?: string;
  readonly schema?: string;
  readonly host: string;
  readonly waitTimeoutSeconds: number;
  readonly pollMs: number;
  readonly sleep: Sleep;
}

const BASE = '/api/2.0/sql/statements';
const SUBMIT_SLACK_MS = 5000;
/** A cancel is best effort: the run ends for the user whether or not Databricks answers it. */
const CANCEL_LIMIT_MS = 5000;

export async function runStatement(http: DatabricksHttp, target: StatementTarget, request: StatementRequest, sink: RowSink): Promise<StatementOutcome> {
  const ctx: ErrorContext = { mode: request.mode, host: target.host, warehouseId: target.warehouseId };
  if (request.signal.aborted) throw cancelledError();
  const parameters = toParameters(request.text, request.binds);
  const body: ExecuteStatementRequest = {
    statement: request.text,
    warehouse_id: target.warehouseId,
    ...(target.catalog ? { catalog: target.catalog } : {}),
    ...(target.schema ? { schema: target.schema } : {}),
    ...(parameters.length ? { parameters } : {}),
    row_limit: Math.max(1, request.maxRows),
    disposition: 'INLINE',
    format: 'JSON_ARRAY',
    wait_timeout: `${target.waitTimeoutSeconds}s`,
    on_wait_timeout: 'CONTINUE',
  };

  // Polls, sleeps and chunk fetches stop on `stop`; the submit does not (see above).
  const stop = new AbortController();
  let stoppedBy: 'cancelled' | 'timeout' | null = null;
  const halt = (why: 'cancelled' | 'timeout') => {
    if (stoppedBy) return;
    stoppedBy = why;
    stop.abort(new Error(why));
  };
  const onAbort = () => halt('cancelled');
  request.signal.addEventListener('abort', onAbort, { once: true });
  const deadline = setTimeout(() => halt('timeout'), request.timeoutMs);
  const stopped = (): 'cancelled' | 'timeout' | null => stoppedBy;
  const stoppedError = () => (stopped() === 'timeout' ? timeoutError(request.timeoutMs) : cancelledError());
  let statementId: string | null = null;
  let finished = false;

  try {
    let response: StatementResponse;
    try {
      // Not aborted by a cancel (see above), only when no answer comes within the whole run's time plus
      // the wait Databricks was allowed: a server that never answers must not hold the run for ever.
      const submitLimit = AbortSignal.timeout(request.timeoutMs + target.waitTimeoutSeconds * 1000 + SUBMIT_SLACK_MS);
      response = await http.call('POST', BASE, body, statementResponseSchema, submitLimit, false);
    } catch (error) {
      if (stopped()) throw stoppedError();
      throw httpError(error, ctx);
    }
    statementId = response.statement_id;
    while (!isTerminal(response.status.state)) {
      if (stopped()) throw stoppedError();
      try {
        await target.sleep(target.pollMs, stop.signal);
        response = await http.call('GET', `${BASE}/${encodeURIComponent(statementId)}`, undefined, statementResponseSchema, stop.signal, true);
      } catch (error) {
        if (stopped()) throw stoppedError();
        throw httpError(error, ctx);
      }
    }
    finished = true;
    switch (response.status.state) {
      case 'FAILED':
        throw statementFailed(response, ctx);
      case 'CANCELED':
        // Cancelled by us (a race with the cancel call), or by someone in Databricks.
        if (stopped()) throw stoppedError();
        throw new ConnectorError('cancelled', `The statement was cancelled in Databricks (statement ${response.statement_id}).`, 'Someone cancelled it in the Databricks query history, or the warehouse stopped; run it again.');
      case 'CLOSED':
        throw new ConnectorError('connector_error', `The result of statement ${response.statement_id} is no longer available in Databricks.`, 'Run it again.');
      default:
        break;
    }
    if (stopped() && request.mode === 'write') {
      // The cancel lost the race: Databricks autocommits, so the write stands and the user must know it.
      throw new ConnectorError(
        stopped() === 'timeout' ? 'timeout' : 'cancelled',
        `The statement finished in Databricks before it could be stopped: its changes are committed (statement ${response.statement_id}).`,
        'Check the data before running it again.',
      );
    }
    if (stopped()) throw stoppedError();
    return await streamResult(http, response, sink, stop.signal, ctx, stopped, stoppedError);
  } finally {
    clearTimeout(deadline);
    request.signal.removeEventListener('abort', onAbort);
    if (stopped() && statementId && !finished) {
      // Best effort: the run is over for the user either way, the warehouse should stop working on it.
      await http.call('POST', `${BASE}/${encodeURIComponent(statementId)}/cancel`, {}, resultDataSchema, AbortSignal.timeout(CANCEL_LIMIT_MS), true).catch(() => undefined);
    }
  }
}

async function streamResult(
  http: DatabricksHttp,
  response: StatementResponse,
  sink: RowSink,
  signal: AbortSignal,
  ctx: ErrorContext,
  stopped: () => string | null,
  stoppedError: () => ConnectorError,
): Promise<StatementOutcome> {
  const columns = response.manifest?.schema?.columns ?? [];
  sink.columns(columns.map(columnInfo));
  const convert = columns.map(converterFor);
  let rowCount = 0;
  let firstValue: Cell | undefined;
  let chunk: ResultData | undefined = response.result;
  while (chunk) {
    const rows = convertRows(chunk.data_array ?? [], convert);
    if (rows.length) {
      if (rowCount === 0) firstValue = rows[0]![0];
      rowCount += rows.length;
      await sink.rows(rows);
    }
    if (stopped()) throw stoppedError();
    const link = chunk.next_chunk_internal_link;
    if (!link) break;
    try {
      chunk = await http.call('GET', link, undefined, resultDataSchema, signal, true);
    } catch (error) {
      if (stopped()) throw stoppedError();
      throw httpError(error, ctx);
    }
  }
  const truncated = response.manifest?.truncated === true;
  return { rowCount, truncated, firstValue, rowsAffected: affectedRows(columns.map((c) => c.name), rowCount, firstValue) };
}

/** Delta DML answers with one row whose first column is num_affected_rows. */
function affectedRows(names: readonly string[], rowCount: number, first: Cell | undefined): number | null {
  return names[0] === 'num_affected_rows' && rowCount === 1 && typeof first === 'number' ? first : null;
}
