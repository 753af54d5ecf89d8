/**
 * SQL Server failures as ConnectorErrors. mssql reports server errors as RequestError with the error
 * `number`, `lineNumber` and `class`; connection problems as ConnectionError with a code (ELOGIN,
 * ESOCKET, ETIMEOUT, EINSTLOOKUP); the request timeout as ETIMEOUT and a cancel as ECANCEL.
 */
import { ConnectorError } from '../types';
import type { Mode } from '../../../plugins/remark-runbook/types';

export interface MssqlDriverError {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly number?: number;
  readonly lineNumber?: number;
  readonly originalError?: MssqlDriverError & { readonly info?: { readonly number?: number; readonly lineNumber?: number; readonly code?: string } };
}

export interface ErrorContext {
  /** `connect`: opening the pool or beginning the transaction; `run`: the statement and its end. */
  readonly phase: 'connect' | 'run';
  readonly mode: Mode;
  readonly timeoutMs: number;
  readonly cancelled: boolean;
  /** host:port/database (or host\instance/database), for messages; never credentials. */
  readonly target: string;
  readonly user: string;
}

const CONNECTION_CODES = new Set(['ELOGIN', 'ESOCKET', 'ETIMEOUT', 'EINSTLOOKUP', 'ECONNCLOSED', 'ECLOSE', 'ENOTOPEN', 'ENOCONN']);
const PERMISSION = new Set([229, 230, 262, 297, 300, 916, 15247]);
const READ_ONLY_HINT = 'This snippet is mode=read: it runs on the read login, inside a transaction that is rolled back. If it is meant to change data, the runbook must mark it mode=write.';

const HINTS: Readonly<Record<number, string>> = {
  208: 'The login cannot see that object: check the schema prefix (dbo.table), the database, and the login\'s grants.',
  207: 'Check the column name.',
  102: 'T-SQL syntax error: check the text near the position reported.',
  156: 'T-SQL syntax error: a keyword is out of place (LIMIT is TOP n or OFFSET … FETCH in SQL Server).',
  137: 'Every :name in the SQL must be declared in the block\'s params (it is sent as @name).',
  3952: 'readIsolation: snapshot needs ALTER DATABASE … SET ALLOW_SNAPSHOT_ISOLATION ON; or set readIsolation: read_committed.',
  3906: READ_ONLY_HINT,
  3902: 'The snippet ended Opsbook\'s transaction with its own COMMIT or ROLLBACK; remove transaction control from the snippet.',
  3903: 'The snippet ended Opsbook\'s transaction with its own COMMIT or ROLLBACK; remove transaction control from the snippet.',
  266: 'The snippet left BEGIN TRANSACTION and COMMIT unbalanced; remove transaction control from the snippet.',
  1205: 'Deadlock: SQL Server chose this statement as the victim and rolled it back; run it again.',
  1222: 'A lock could not be obtained in time; try again once the blocking session finishes.',
  4060: 'The database does not exist or the login may not open it: check database and the login\'s user mapping.',
};

export function toConnectorError(error: unknown, ctx: ErrorContext): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const e = (error ?? {}) as MssqlDriverError;
  // A connection lost mid-request reaches the stream as EREQUEST; the tedious error inside says ESOCKET.
  const code = (e.code === 'EREQUEST' ? e.originalError?.info?.code : undefined) ?? e.code ?? e.originalError?.code;
  const number = e.number ?? e.originalError?.number ?? e.originalError?.info?.number;
  const line = e.lineNumber ?? e.originalError?.lineNumber ?? e.originalError?.info?.lineNumber;
  const text = (e.message ?? String(error)).split('\n')[0]!.trim();

  if (code === 'ECANCEL') {
    if (ctx.cancelled) return new ConnectorError('cancelled', 'The run was cancelled; the statement was cancelled on the server.');
    return new ConnectorError('connector_error', `SQL Server cancelled the statement: ${text}`, undefined, code);
  }
  if (code === 'ETIMEOUT' && ctx.phase === 'run') {
    return new ConnectorError('timeout', `The statement ran longer than the ${seconds(ctx.timeoutMs)} s statement timeout and was stopped.`, 'Narrow the query (a date filter, TOP n) or ask for a longer limit.', code);
  }
  if (code === 'ELOGIN' || number === 18456) {
    return new ConnectorError('unavailable', `SQL Server refused the login of ${ctx.user} at ${ctx.target}: ${text}`, `Check the ${ctx.mode} profile's user and password (the environment variables they reference) and that the login may open the database.`, String(number ?? code));
  }
  if (code && CONNECTION_CODES.has(code) && (ctx.phase === 'connect' || e.name === 'ConnectionError')) {
    return new ConnectorError('unavailable', `Cannot connect to SQL Server at ${ctx.target}: ${text}`, connectHint(code, text), code);
  }
  if (code && CONNECTION_CODES.has(code)) {
    // A write may have been committed just before the loss: the operator checks rather than apply it twice.
    const next = 'the pool opens a new connection for the next run.';
    return new ConnectorError('unavailable', `Lost the SQL Server connection: ${text}`, ctx.mode === 'write' ? `Check whether the write was committed before running it again; ${next}` : `Run it again: ${next}`, code);
  }
  if (number === undefined) {
    return new ConnectorError(ctx.phase === 'connect' ? 'unavailable' : 'connector_error', `SQL Server: ${text}`, ctx.phase === 'connect' ? connectHint(code, text) : undefined, code);
  }
  let hint = HINTS[number];
  if (PERMISSION.has(number)) hint = ctx.mode === 'read' ? READ_ONLY_HINT : 'The write login lacks the permission for this statement.';
  const where = line ? `, line ${line}` : '';
  return new ConnectorError('connector_error', `${text} (Msg ${number}${where})`, hint, String(number));
}

function connectHint(code: string | undefined, text: string): string {
  if (/certificate|self[- ]signed|TLS|SSL/i.test(text)) {
    return 'The TLS handshake failed: install the server certificate\'s CA on this host, or for a development server set trustServerCertificate: true.';
  }
  if (code === 'EINSTLOOKUP') return 'The SQL Browser service (UDP 1434) did not answer for the instance: check instanceName, or set port instead.';
  return 'Check that SQL Server is up and accepts TCP connections, and that server, port (or instanceName) and database are right; then run it again.';
}

function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}
