/**
 * PostgreSQL connector: a pool per profile (read, write), server-side cursors for streaming, reads in a
 * READ ONLY transaction, `statement_timeout` set per transaction, cancel with pg_cancel_backend from
 * another connection, and errors carrying SQLSTATE and the server's hint. One statement per snippet:
 * the extended protocol refuses several, so a read cannot COMMIT its way out of the read-only transaction.
 */
import type { Pool, PoolClient } from 'pg';
import type CursorType from 'pg-cursor';
import { rewritePlaceholders } from '../../../plugins/remark-runbook/syntax/sqlPlaceholders';
import type { BoundValue } from '../../../plugins/remark-runbook/syntax/params';
import type { Cell, ColumnInfo } from '../../protocol';
import { ConnectorError, type PreviewRequest, type RowSink, type SqlConnector, type StatementOutcome, type StatementPreview, type StatementRequest } from '../types';
import { jsonSafe, jsonSafeTypes, needsConversion, typeName } from './types';

export interface PostgresProfiles {
  readonly read: string;
  readonly write: string | null;
  readonly poolMax: number;
}

const BATCH = 2000;

export async function openPostgres(profiles: PostgresProfiles): Promise<SqlConnector> {
  // Loaded lazily: a missing driver disables PostgreSQL connections, not the server.
  const { default: pg } = await import('pg');
  const { default: Cursor } = (await import('pg-cursor')) as { default: typeof CursorType };
  const makePool = (url: string): Pool => {
    const pool = new pg.Pool({ connectionString: url, max: profiles.poolMax, types: jsonSafeTypes, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000 });
    // An idle client that loses its connection must not crash the process; the pool replaces it.
    pool.on('error', () => undefined);
    return pool;
  };
  const readPool = makePool(profiles.read);
  const writePool = profiles.write ? makePool(profiles.write) : null;
  const poolFor = (mode: 'read' | 'write'): Pool => {
    if (mode === 'read') return readPool;
    if (!writePool) throw new ConnectorError('forbidden', 'This connection has no write profile; write snippets cannot run here.', 'Configure write: {url: …} for the connection, with a role allowed to write.');
    return writePool;
  };

  async function checkout(mode: 'read' | 'write'): Promise<PoolClient> {
    try {
      return await poolFor(mode).connect();
    } catch (error) {
      if (error instanceof ConnectorError) throw error;
      throw new ConnectorError('unavailable', `Cannot connect to PostgreSQL: ${(error as Error).message}`, 'Check that the database is up and the connection URL in the configuration is right.');
    }
  }

  return {
    kind: 'postgres',
    dialect: 'postgres',
    async stream(request, sink) {
      const client = await checkout(request.mode);
      const pid = (client as PoolClient & { processID: number }).processID;
      let cancelled = false;
      const onAbort = () => {
        cancelled = true;
        // Cancel from another connection: the running one is busy with the query.
        void readPool.query('select pg_cancel_backend($1)', [pid]).catch(() => undefined);
      };
      request.signal.addEventListener('abort', onAbort, { once: true });
      let broken = false;
      try {
        await client.query(request.mode === 'read' ? 'BEGIN TRANSACTION READ ONLY' : 'BEGIN');
        await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.trunc(request.timeoutMs))}`);
        const { text, order } = rewritePlaceholders(request.text, 'dollar-index');
        const cursor = client.query(new Cursor(text, order.map((n) => pgValue(request.binds[n])), { rowMode: 'array' }));
        const drained = await drain(cursor, request.maxRows, sink, () => cancelled);
        await cursor.close();
        const outcome: StatementOutcome = { ...drained, rowsAffected: rowsAffectedOf(cursor) };
        if (!cancelled && request.mode === 'write' && request.commitWhen && !request.commitWhen(outcome)) {
          await client.query('ROLLBACK');
          return { ...outcome, rolledBack: true };
        }
        await client.query(request.mode === 'read' ? 'ROLLBACK' : 'COMMIT');
        if (cancelled) throw new ConnectorError('cancelled', 'The run was cancelled; the query was cancelled on the server.');
        return outcome;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw toConnectorError(error, request, cancelled);
      } finally {
        request.signal.removeEventListener('abort', onAbort);
        client.release(broken);
      }
    },
    async preview(request) {
      return previewPg(await checkout('read'), request);
    },
    async close() {
      await Promise.allSettled([readPool.end(), writePool?.end()]);
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
type CursorLike = {
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

async function drain(cursor: CursorLike, maxRows: number, sink: RowSink, stopped: () => boolean): Promise<StatementOutcome> {
  const state: DrainState = { rowCount: 0, truncated: false, firstValue: undefined, announced: false, convert: [] };
  while (!stopped()) {
    const pending = forward(await readBatch(cursor, Math.min(BATCH, maxRows - state.rowCount + 1)), maxRows, state, sink);
    if (!pending) break;
    await pending;
    if (state.truncated) break;
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

async function previewPg(client: PoolClient, request: PreviewRequest): Promise<StatementPreview> {
  try {
    await client.query('BEGIN TRANSACTION READ ONLY');
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.trunc(request.timeoutMs))}`);
    const { text, order } = rewritePlaceholders(request.text, 'dollar-index');
    // EXPLAIN without ANALYZE never executes the statement, so it is safe for writes in a read-only transaction.
    const plan = await client.query({ text: `EXPLAIN ${text}`, values: order.map((n) => pgValue(request.binds[n])) });
    return {
      plan: plan.rows.map((r: Record<string, unknown>) => String(r['QUERY PLAN'])).join('\n'),
      affectedRows: null,
      note: request.mode === 'write' ? 'PostgreSQL is not run to count rows before approval; the plan shows the estimate.' : 'A read: nothing changes.',
    };
  } catch (error) {
    throw toConnectorError(error, request, false);
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

function toConnectorError(error: unknown, request: Pick<StatementRequest, 'mode' | 'timeoutMs'>, cancelled: boolean): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const e = error as Error & { code?: string; hint?: string; detail?: string; position?: string };
  if (e.code === '57014') {
    if (cancelled) return new ConnectorError('cancelled', 'The run was cancelled; the query was cancelled on the server.');
    return new ConnectorError('timeout', `The statement ran longer than the ${Math.round(request.timeoutMs / 1000)} s statement timeout and was stopped.`, 'Narrow the query (a date filter, a LIMIT) or ask for a longer limit.', e.code);
  }
  if (!e.code) {
    return new ConnectorError('unavailable', `Lost the PostgreSQL connection: ${e.message}`, 'The next run opens a new connection.');
  }
  let hint = e.hint;
  if (e.code === '25006' && request.mode === 'read') hint = 'This snippet is mode=read, so it runs in a read-only transaction. If it is meant to change data, the runbook must mark it mode=write.';
  const detail = [e.detail, e.position ? `at character ${e.position}` : null].filter(Boolean).join('; ');
  return new ConnectorError('connector_error', `${e.message}${detail ? ` (${detail})` : ''} [SQLSTATE ${e.code}]`, hint, e.code);
}
