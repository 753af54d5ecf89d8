/**
 * PostgreSQL connector: a pool per profile (read, write), server-side cursors for streaming, reads in a
 * READ ONLY transaction, `statement_timeout` set per transaction, cancel with pg_cancel_backend from
 * a fresh connection, sessions reset (DISCARD ALL) between runs and destroyed after a failure, errors
 * carrying SQLSTATE and the server's hint, and a lost connection failing only its own run. One statement per snippet:
 * the extended protocol refuses several, so a read cannot COMMIT its way out of the read-only transaction.
 */
import type CursorType from 'pg-cursor';
import { rewritePlaceholders } from '../../../plugins/remark-runbook/syntax/sqlPlaceholders';
import type { BoundValue } from '../../../plugins/remark-runbook/syntax/params';
import type { Cell, ColumnInfo } from '../../protocol';
import { ConnectorError, notAdmitted, type PreviewRequest, type RowSink, type SqlConnector, type StatementOutcome, type StatementPreview } from '../types';
import { toConnectorError } from './errors';
import { connectAttempts } from './attempts';
import { openSession, type Session, type SessionSource } from './session';
import { connectionClosed } from './connectionClosed';
import { jsonSafe, jsonSafeTypes, needsConversion, typeName } from './types';

export interface PostgresProfiles {
  readonly read: string;
  readonly write: string | null;
  readonly poolMax: number;
  /** `env/connection`, so errors say which connection failed. */
  readonly label?: string;
  /** How long opening a connection may take (default 10 s). */
  readonly connectTimeoutMs?: number;
}

/**
 * Rows per cursor read after the first: as many as make about 32,000 cells, between 2,000 and 8,000 rows.
 * Each read is a round trip to the server and one frame to the page (its header, its socket write); for a
 * narrow result those per-batch costs were a tenth of the server's time streaming a million rows. A wide
 * result keeps smaller reads, so a batch (two are in hand: one sent, one read ahead) stays about as large in memory.
 */
export function cursorBatchRows(columnCount: number): number {
  return Math.min(8000, Math.max(2000, Math.floor(32_000 / Math.max(1, columnCount))));
}
/** The first read: small, so the first rows reach the page without waiting for a whole batch. */
const FIRST_BATCH = 100;

export async function openPostgres(profiles: PostgresProfiles): Promise<SqlConnector> {
  // Loaded lazily: a missing driver disables PostgreSQL connections, not the server.
  const { default: pg } = await import('pg');
  const { default: Cursor } = (await import('pg-cursor')) as { default: typeof CursorType };
  const label = profiles.label ?? 'this connection';
  const makeSource = (url: string): SessionSource => {
    // application_name lets a DBA find (and an operator's runs be told apart from) Opsbook's sessions;
    // a URL that sets its own wins.
    const attempts = connectAttempts(pg);
    const pool = new pg.Pool({ Client: attempts.Client, connectionString: url, application_name: 'opsbook', max: profiles.poolMax, types: jsonSafeTypes, connectionTimeoutMillis: profiles.connectTimeoutMs ?? 10_000, idleTimeoutMillis: 30_000 });
    // An idle client that loses its connection must not crash the process; the pool replaces it.
    pool.on('error', () => undefined);
    return { pg, pool, attempts, url, label };
  };
  const read = makeSource(profiles.read);
  const write = profiles.write ? makeSource(profiles.write) : null;
  const sourceFor = (mode: 'read' | 'write'): SessionSource => {
    if (mode === 'read') return read;
    if (!write) throw new ConnectorError('forbidden', 'This connection has no write profile; write snippets cannot run here.', 'Configure write: {url: …} for the connection, with a role allowed to write.');
    return write;
  };

  return {
    kind: 'postgres',
    dialect: 'postgres',
    waitsForReady: true,
    async stream(request, sink) {
      if (request.signal.aborted) throw new ConnectorError('cancelled', 'The run was cancelled before it started.');
      const session = await openBegunSession(sourceFor(request.mode), request.mode, request.timeoutMs, request.signal, (error, lost) => toConnectorError(error, { mode: request.mode, timeoutMs: request.timeoutMs, label, cancelled: false, lost }));
      // Connected, in its transaction and with its statement timeout set while the run's audit record was
      // written: the statement itself starts only once that record is durable (a read too — an attempt the
      // audit lost is a regression). Not admitted: nothing ran, and the open transaction goes with the session.
      if (request.ready && !(await request.ready)) {
        await session.end(true);
        throw notAdmitted();
      }
      // A cancel that came while the run waited for a connection, its BEGIN or its admission: the listener below
      // would never fire. The transaction is open, so the session is ended with it, not handed back.
      if (request.signal.aborted) {
        await session.end(true);
        throw new ConnectorError('cancelled', 'The run was cancelled before its statement started.');
      }
      const { client } = session;
      let cancelled = false;
      const onAbort = () => {
        cancelled = true;
        session.cancel();
      };
      request.signal.addEventListener('abort', onAbort, { once: true });
      let failed = true;
      try {
        const { text, order } = rewritePlaceholders(request.text, 'dollar-index');
        const cursor = client.query(new Cursor(text, order.map((n) => pgValue(request.binds[n])), { rowMode: 'array' }));
        const drained = await drainCursor(cursor, request.maxRows, sink, () => cancelled);
        await cursor.close();
        const outcome: StatementOutcome = { ...drained, rowsAffected: rowsAffectedOf(cursor) };
        if (cancelled) throw new ConnectorError('cancelled', 'The run was cancelled; the query was cancelled on the server.');
        if (request.mode === 'write' && request.commitWhen && !request.commitWhen(outcome)) {
          await client.query('ROLLBACK');
          failed = false;
          return { ...outcome, rolledBack: true };
        }
        await client.query(request.mode === 'read' ? 'ROLLBACK' : 'COMMIT');
        failed = false;
        return outcome;
      } catch (error) {
        // The session is destroyed below, which ends any open transaction on the server: no ROLLBACK
        // round trip on a connection that may be dead or mid-protocol.
        throw toConnectorError(error, { mode: request.mode, timeoutMs: request.timeoutMs, label, cancelled, lost: session.lost() });
      } finally {
        request.signal.removeEventListener('abort', onAbort);
        await session.end(failed);
      }
    },
    async preview(request) {
      return previewPg(await openSession(read), request, label);
    },
    async close() {
      // pool.end() waits for every client, including one still connecting to a server that never
      // answers: end those attempts first, or closing would take the whole connect timeout.
      read.attempts.endAll();
      write?.attempts.endAll();
      await Promise.allSettled([read.pool.end(), write?.pool.end()]);
    },
  };
}

function pgValue(bound: BoundValue | undefined): unknown {
  if (!bound) return null;
  return bound.value;
}

type Field = { name: string; dataTypeID: number };
// pg-cursor calls back without a result once the cursor is done; the fields come from its last result,
// and so do the command tag's verb and count ("UPDATE 3").
export type CursorLike = {
  read(n: number, cb: (err: Error | undefined, rows: unknown[][], result?: { fields: Field[] }) => void): void;
  _result?: { fields?: Field[]; command?: string | null; rowCount?: number | null };
};

const WRITE_COMMANDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

/** Rows a write changed, from its command tag; null for reads, or when the statement did not complete. */
function rowsAffectedOf(cursor: CursorLike): number | null {
  const result = cursor._result;
  if (!result?.command || !WRITE_COMMANDS.has(result.command.toUpperCase())) return null;
  return typeof result.rowCount === 'number' ? result.rowCount : null;
}

function readBatch(cursor: CursorLike, n: number): Promise<{ rows: unknown[][]; fields: Field[] }> {
  return new Promise((resolve, reject) =>
    cursor.read(n, (err, rows, result) => (err ? reject(err) : resolve({ rows, fields: result?.fields ?? cursor._result?.fields ?? [] }))),
  );
}

/** Exported for its test (drain.test.ts): the cursor loop, pipelined. */
export async function drainCursor(cursor: CursorLike, maxRows: number, sink: RowSink, stopped: () => boolean): Promise<StatementOutcome> {
  const state: DrainState = { rowCount: 0, truncated: false, firstValue: undefined, announced: false, convert: [] };
  // A small first read, so the page has its first rows as soon as the server has any; then full batches.
  // Each next batch is asked for before this one is converted and sent, so the database round trip
  // overlaps the work here (one batch ahead at most: the socket's backpressure still holds).
  let next: Promise<{ rows: unknown[][]; fields: Field[] }> | null = readBatch(cursor, Math.min(FIRST_BATCH, maxRows + 1));
  try {
    while (next && !stopped()) {
      const batch: { rows: unknown[][]; fields: Field[] } = await next;
      const afterThis = state.rowCount + batch.rows.length;
      next = batch.rows.length > 0 && afterThis <= maxRows ? readBatch(cursor, Math.min(cursorBatchRows(batch.fields.length), maxRows - afterThis + 1)) : null;
      const pending = forward(batch, maxRows, state, sink);
      if (!pending) break;
      await pending;
      if (state.truncated) break;
    }
  } finally {
    // The cursor is closed after this returns: let a read in flight finish first (its error, if any, is the loop's concern).
    await next?.catch(() => undefined);
  }
  return { rowCount: state.rowCount, truncated: state.truncated, firstValue: state.firstValue };
}

type DrainState = { rowCount: number; truncated: boolean; firstValue: Cell | undefined; announced: boolean; convert: number[] };

function forward(batch: { rows: unknown[][]; fields: Field[] }, maxRows: number, state: DrainState, sink: RowSink): Promise<void> | null {
  if (!state.announced) {
    state.announced = true;
    const columns: ColumnInfo[] = batch.fields.map((f) => ({ name: f.name, type: typeName(f.dataTypeID) }));
    // Only columns whose parsed values may not be JSON-safe (arrays, unknown types) are converted, in
    // place: the type parsers already give text for dates, timestamps, int8 and numeric.
    state.convert = batch.fields.flatMap((f, i) => (needsConversion(f.dataTypeID) ? [i] : []));
    sink.columns(columns);
  }
  if (batch.rows.length === 0) return null;
  let rows = batch.rows;
  if (state.convert.length) for (const row of rows) for (const i of state.convert) row[i] = jsonSafe(row[i]);
  if (state.rowCount + rows.length > maxRows) {
    rows = rows.slice(0, maxRows - state.rowCount);
    state.truncated = true;
  }
  if (state.rowCount === 0 && rows[0]) state.firstValue = rows[0][0] as Cell;
  state.rowCount += rows.length;
  return rows.length ? sink.rows(rows as Cell[][]) : null;
}

async function previewPg(session: Session, request: PreviewRequest, label: string): Promise<StatementPreview> {
  const { client } = session;
  let failed = true;
  try {
    await client.query('BEGIN TRANSACTION READ ONLY');
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.trunc(request.timeoutMs))}`);
    const { text, order } = rewritePlaceholders(request.text, 'dollar-index');
    // EXPLAIN without ANALYZE never executes the statement, so it is safe for writes in a read-only transaction.
    const plan = await client.query({ text: `EXPLAIN ${text}`, values: order.map((n) => pgValue(request.binds[n])) });
    await client.query('ROLLBACK');
    failed = false;
    return {
      plan: plan.rows.map((r: Record<string, unknown>) => String(r['QUERY PLAN'])).join('\n'),
      affectedRows: null,
      note: request.mode === 'write' ? 'PostgreSQL is not run to count rows before approval; the plan shows the estimate.' : 'A read: nothing changes.',
    };
  } catch (error) {
    throw toConnectorError(error, { mode: request.mode, timeoutMs: request.timeoutMs, label, cancelled: false, lost: session.lost() });
  } finally {
    await session.end(failed);
  }
}

/**
 * A pooled connection the server closed while it sat idle (a restart, a failover, pg_terminate_backend) may
 * still be handed out before the pool has heard of it: it fails the transaction's BEGIN. Nothing of the run has
 * happened then, so once — and only then — a fresh connection takes its place instead of failing the run.
 */
async function openBegunSession(source: SessionSource, mode: 'read' | 'write', timeoutMs: number, signal: AbortSignal, convert: (error: unknown, lost: Error | null) => Error): Promise<Session> {
  // One round trip: the transaction and its statement timeout in one simple query (two statements are allowed
  // there, and neither takes a parameter). The timeout is an integer this server computed, never page input.
  const begin = `${mode === 'read' ? 'BEGIN TRANSACTION READ ONLY' : 'BEGIN'}; SET LOCAL statement_timeout = ${Math.max(1, Math.trunc(timeoutMs))}`;
  for (let attempt = 1; ; attempt++) {
    const session = await openSession(source, signal);
    try {
      await session.client.query(begin);
      return session;
    } catch (error) {
      const lost = session.lost();
      await session.end(true);
      if (attempt === 1 && !signal.aborted && (lost || connectionClosed(error))) continue;
      throw convert(error, lost);
    }
  }
}

