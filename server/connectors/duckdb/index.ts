/**
 * DuckDB connector: the demo warehouse and any embedded DuckDB file. One instance per file, a fresh
 * connection per run (one opened ahead, before the run comes), chunk-by-chunk streaming with backpressure,
 * external access disabled, reads in a READ ONLY transaction, and cancel/timeout through
 * `connection.interrupt()` (DuckDB has no server-side statement timeout).
 */
import { DuckDBInstance, ResultReturnType, StatementType, type DuckDBConnection, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { rewritePlaceholders } from '../../../plugins/remark-runbook/syntax/sqlPlaceholders';
import { splitSqlText } from '../../../plugins/remark-runbook/syntax/sqlTokens';
import type { ColumnInfo } from '../../protocol';
import { ConnectorError, notAdmitted, type PreviewRequest, type RowSink, type SqlConnector, type StatementOutcome, type StatementPreview, type StatementRequest } from '../types';
import { drain } from './drain';
import { FORBIDDEN, refuseUnlessPlainRead, statementTextAt } from './statementPolicy';
import { toDuckDBBind } from './values';

/** Statements whose changed rows are a write's "rows affected". */
const WRITES: ReadonlySet<StatementType> = new Set([StatementType.INSERT, StatementType.UPDATE, StatementType.DELETE, StatementType.MERGE_INTO]);

export interface DuckDBConnectorOptions {
  /** Absolute path of the database file. */
  readonly file: string;
}

/** The instance's settings. Exported because the cache hands out one instance per file only to the same settings (the demo's day roll reuses it). */
export const DUCKDB_INSTANCE_OPTIONS: Readonly<Record<string, string>> = {
  enable_external_access: 'false',
  autoinstall_known_extensions: 'false',
  autoload_known_extensions: 'false',
  lock_configuration: 'true',
};

export async function openDuckDB(options: DuckDBConnectorOptions): Promise<SqlConnector> {
  // From the instance cache: two connections of one environment may name the same file (demo's
  // warehouse and source), and DuckDB allows one instance per file in a process.
  const instance = await DuckDBInstance.fromCache(options.file, DUCKDB_INSTANCE_OPTIONS);
  // Connections with work in flight, and that work: close() must let each finish unwinding before the
  // instance goes. Closing a connection under a running query leaves the query's promise unsettled
  // forever and makes process.exit() hang in native teardown (the server then ignores SIGTERM).
  const inFlight = new Map<DuckDBConnection, Promise<unknown>>();
  // Aborting this cancels every run through its own interrupt loop (one interrupt can land between statements).
  const closing = new AbortController();
  // A connection opened once a run ends, for the next run to start on: connecting is in the path to a run's
  // first row (it runs while the run's audit record is written, and on a small machine competes with it for
  // CPU). It has never run anything, so every run still starts on a fresh connection.
  let spare: DuckDBConnection | null = null;
  let refilling: Promise<void> | null = null;
  const refill = () => {
    if (spare || refilling || closing.signal.aborted) return;
    refilling = instance.connect().then(
      (connection) => {
        refilling = null;
        if (closing.signal.aborted || spare) connection.closeSync();
        else spare = connection;
      },
      () => void (refilling = null),
    );
  };
  const connect = (): Promise<DuckDBConnection> => {
    const ready = spare;
    spare = null;
    return ready ? Promise.resolve(ready) : instance.connect();
  };
  refill();
  const onConnection = async <T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> => {
    if (closing.signal.aborted) throw shuttingDown();
    const connection = await connect();
    if (closing.signal.aborted) {
      connection.closeSync();
      throw shuttingDown();
    }
    const running = work(connection);
    inFlight.set(connection, running.catch(() => undefined));
    try {
      return await running;
    } finally {
      inFlight.delete(connection);
      connection.closeSync();
      refill();
    }
  };
  return {
    kind: 'duckdb',
    dialect: 'duckdb',
    waitsForReady: true,
    stream: (request, sink) =>
      readOnceMoreOnInternalError(request, sink, (attemptSink) =>
        onConnection((connection) => runOnConnection(connection, { ...request, signal: AbortSignal.any([request.signal, closing.signal]) }, attemptSink)),
      ),
    preview: (request) => onConnection((connection) => previewOnConnection(connection, request)),
    async close() {
      closing.abort();
      await refilling;
      spare?.closeSync();
      spare = null;
      for (const c of inFlight.keys()) c.interrupt();
      // Interrupted runs unwind in milliseconds; one blocked on a slow socket gets a bounded wait, and
      // its connection is then left to the process's exit rather than closed under it.
      const settled = Promise.allSettled(inFlight.values());
      const bound = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref());
      await Promise.race([settled, bound]);
      if (inFlight.size === 0) instance.closeSync();
    },
  };
}

/**
 * DuckDB 1.5 can fail a valid query with an internal assertion in its parallel window operator ("Attempted to
 * access index 0 within vector of size 0"), about once in two thousand runs of the demo's checks; the database
 * stays usable and the same query then succeeds. A read that failed so before sending anything runs once more,
 * so an operator's check does not go red on an engine hiccup; writes and partly-sent results never repeat.
 */
export async function readOnceMoreOnInternalError(request: StatementRequest, sink: RowSink, attempt: (sink: RowSink) => Promise<StatementOutcome>): Promise<StatementOutcome> {
  if (request.mode !== 'read') return attempt(sink);
  // The columns wait for the first rows (or the end), so a repeated attempt never announces them twice.
  let columns: readonly ColumnInfo[] | null = null;
  let sentRows = false;
  const flushColumns = () => {
    if (columns) sink.columns(columns);
    columns = null;
  };
  const watched: RowSink = {
    columns: (c) => void (columns = c),
    rows: (batch) => {
      flushColumns();
      sentRows = true;
      return sink.rows(batch);
    },
  };
  try {
    const outcome = await attempt(watched);
    flushColumns();
    return outcome;
  } catch (error) {
    const internal = error instanceof ConnectorError && error.code === 'connector_error' && /^INTERNAL Error/.test(error.message);
    if (!internal || sentRows || request.signal.aborted) {
      flushColumns();
      throw error;
    }
    return attempt(sink);
  }
}

function shuttingDown(): ConnectorError {
  return new ConnectorError('unavailable', 'This DuckDB connection is closing (the server is shutting down).', 'Run it again once the server is back.');
}

/** How long close() waits for interrupted runs to unwind: well inside the 10 s shutdown budget. */
const CLOSE_WAIT_MS = 3000;

async function runOnConnection(connection: DuckDBConnection, request: StatementRequest, sink: RowSink): Promise<StatementOutcome> {
  let stoppedBy: 'cancelled' | 'timeout' | null = null;
  let interrupting: NodeJS.Timeout | null = null;
  const stop = (why: 'cancelled' | 'timeout') => {
    stoppedBy ??= why;
    connection.interrupt();
    // An interrupt that lands between two statements (or before the query starts) is lost; repeat it
    // until the run unwinds.
    interrupting ??= setInterval(() => connection.interrupt(), 25);
  };
  const onAbort = () => stop('cancelled');
  if (request.signal.aborted) throw new ConnectorError('cancelled', 'The run was cancelled before it started.');
  request.signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => stop('timeout'), request.timeoutMs);
  let inTransaction = false;
  try {
    await connection.run(request.mode === 'read' ? 'BEGIN TRANSACTION READ ONLY' : 'BEGIN TRANSACTION');
    inTransaction = true;
    const { text } = rewritePlaceholders(request.text, 'dollar-name');
    const statements = await connection.extractStatements(text);
    if (statements.count === 0) throw new ConnectorError('connector_error', 'The snippet contains no SQL statement.');
    const texts = splitSqlText(text);
    let outcome: StatementOutcome = { rowCount: 0, truncated: false, firstValue: undefined };
    // Null until a statement writes: a read has no "rows changed", and must not show 0.
    let rowsAffected: number | null = null;
    for (let i = 0; i < statements.count; i++) {
      if (stoppedBy) break;
      const prepared = await statements.prepare(i);
      const forbidden = FORBIDDEN.get(prepared.statementType);
      if (forbidden) {
        throw new ConnectorError('forbidden', `Snippets may not use ${forbidden}.`, 'Remove the statement from the runbook; the server manages sessions and transactions.');
      }
      if (request.mode === 'read') refuseUnlessPlainRead(prepared.statementType, texts[i] ?? text, i);
      bindUsed(prepared, request, i);
      // Connected, in its transaction and prepared while the run's audit record was written: the statement
      // itself runs only once that record is durable (a read, too — an attempt the audit lost is a regression).
      if (i === 0 && request.ready && !(await request.ready)) throw notAdmitted();
      if (stoppedBy) break;
      const writes = WRITES.has(prepared.statementType);
      if (i < statements.count - 1) {
        const result = await prepared.run();
        if (writes) rowsAffected = (rowsAffected ?? 0) + (result.returnType === ResultReturnType.CHANGED_ROWS ? result.rowsChanged : result.rowCount);
        continue;
      }
      const result = await prepared.stream();
      if (result.returnType === ResultReturnType.CHANGED_ROWS) {
        // A plain write answers with a one-row "Count" table: report it as rows changed, not as a result row.
        rowsAffected = (rowsAffected ?? 0) + result.rowsChanged;
      } else {
        outcome = await drain(result, request.maxRows, sink, () => stoppedBy !== null);
        // A write with RETURNING streams the rows it changed.
        if (writes) rowsAffected = (rowsAffected ?? 0) + outcome.rowCount;
      }
    }
    if (stoppedBy) throw stoppedError(stoppedBy, request.timeoutMs);
    outcome = { ...outcome, rowsAffected };
    if (request.mode === 'write' && request.commitWhen && !request.commitWhen(outcome)) {
      await connection.run('ROLLBACK');
      inTransaction = false;
      return { ...outcome, rolledBack: true };
    }
    await connection.run(request.mode === 'read' ? 'ROLLBACK' : 'COMMIT');
    inTransaction = false;
    return outcome;
  } catch (error) {
    if (stoppedBy) throw stoppedError(stoppedBy, request.timeoutMs);
    throw toConnectorError(error, request);
  } finally {
    clearTimeout(timer);
    if (interrupting) clearInterval(interrupting);
    request.signal.removeEventListener('abort', onAbort);
    if (inTransaction) await connection.run('ROLLBACK').catch(() => undefined);
  }
}

/**
 * EXPLAIN for the plan, then — for writes — the statements run inside a transaction that is always
 * rolled back, to count the rows they would change. DuckDB's transactions make that safe for the demo
 * and embedded files; other engines decide for themselves what they can preview.
 */
async function previewOnConnection(connection: DuckDBConnection, request: PreviewRequest): Promise<StatementPreview> {
  const timer = setTimeout(() => connection.interrupt(), request.timeoutMs);
  try {
    const { text } = rewritePlaceholders(request.text, 'dollar-name');
    const statements = await connection.extractStatements(text);
    const plans: string[] = [];
    let affected = 0;
    await connection.run('BEGIN TRANSACTION');
    try {
      for (let i = 0; i < statements.count; i++) {
        const prepared = await statements.prepare(i);
        if (FORBIDDEN.has(prepared.statementType)) throw new ConnectorError('forbidden', `Snippets may not use ${FORBIDDEN.get(prepared.statementType)}.`);
        const statementText = statementTextAt(text, i);
        const explain = await connection.prepare(`EXPLAIN ${statementText}`).catch(() => null);
        if (explain) {
          bindUsed(explain, request, i);
          const rows = (await explain.runAndReadAll()).getRows();
          plans.push(rows.map((r) => String(r[1] ?? '')).join('\n'));
        }
        if (request.mode === 'write') {
          bindUsed(prepared, request, i);
          affected += (await prepared.run()).rowsChanged;
        }
      }
    } finally {
      await connection.run('ROLLBACK').catch(() => undefined);
    }
    return {
      plan: plans.join('\n\n') || null,
      affectedRows: request.mode === 'write' ? affected : null,
      note: request.mode === 'write' ? 'Rows counted by running the statements in a transaction that was rolled back.' : 'A read: nothing changes.',
    };
  } catch (error) {
    throw toConnectorError(error, request);
  } finally {
    clearTimeout(timer);
  }
}

/** Binds only the parameters this statement mentions: DuckDB rejects values for absent parameters. */
function bindUsed(prepared: { parameterCount: number; parameterName(i: number): string; bind(v: Record<string, DuckDBValue>, t: Record<string, DuckDBType>): void }, request: Pick<StatementRequest, 'binds'>, index: number): void {
  if (prepared.parameterCount === 0) return;
  const values: Record<string, DuckDBValue> = {};
  const types: Record<string, DuckDBType> = {};
  for (let p = 1; p <= prepared.parameterCount; p++) {
    const name = prepared.parameterName(p);
    const bound = request.binds[name];
    if (!bound) throw new ConnectorError('connector_error', `Statement ${index + 1} uses parameter "${name}" but no value was bound.`);
    const b = toDuckDBBind(bound);
    values[name] = b.value;
    types[name] = b.type;
  }
  prepared.bind(values, types);
}

function stoppedError(why: 'cancelled' | 'timeout', timeoutMs: number): ConnectorError {
  return why === 'cancelled'
    ? new ConnectorError('cancelled', 'The run was cancelled; the query was interrupted on the server.')
    : new ConnectorError('timeout', `The statement ran longer than the ${Math.round(timeoutMs / 1000)} s statement timeout and was stopped.`, 'Narrow the query (a date filter, a LIMIT) or ask for a longer limit in opsbook.config.yaml.');
}

function toConnectorError(error: unknown, request: Pick<StatementRequest, 'mode'>): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const engineCode = /^([A-Za-z ]+ Error):/.exec(message)?.[1];
  let hint: string | undefined;
  if (/read-only mode|read only mode/i.test(message) && request.mode === 'read') {
    hint = 'This snippet is mode=read, so it runs in a read-only transaction. If it is meant to change data, the runbook must mark it mode=write.';
  } else if (/Catalog Error/.test(message)) {
    hint = 'Check the table and column names against the environment (the demo warehouse is reseeded by npm run demo:reset).';
  } else if (/Parser Error/.test(message)) {
    hint = 'The SQL does not parse on DuckDB; if the runbook targets several engines, add a dialect=duckdb variant.';
  }
  return new ConnectorError('connector_error', message, hint, engineCode);
}
