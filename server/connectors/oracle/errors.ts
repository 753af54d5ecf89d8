/**
 * Oracle failures as ConnectorErrors. The driver reports database errors as `ORA-nnnnn: text` with
 * `errorNum` and `offset`, and its own as `NJS-nnn: text`; network and login problems become
 * `unavailable`, the call timeout `timeout`, our break `cancelled`, everything else `connector_error`
 * with the ORA code, the first line of the message and a hint.
 */
import { ConnectorError } from '../types';
import type { Mode } from '../../../plugins/remark-runbook/types';

/** The fields node-oracledb puts on its errors. */
export interface OracleDriverError {
  readonly message?: string;
  readonly code?: string;
  readonly errorNum?: number;
  readonly offset?: number;
}

export interface ErrorContext {
  /** `connect`: while getting a session; `run`: while the statement ran. */
  readonly phase: 'connect' | 'run';
  readonly mode: Mode;
  readonly timeoutMs: number;
  /** The run's signal fired and we sent a break. */
  readonly cancelled: boolean;
  /** Where the pool connects, for messages (never credentials). */
  readonly connectString: string;
  readonly user: string;
}

/** Oracle errors that mean the session or the network is gone, or the login was refused. */
const UNAVAILABLE_ORA = new Set([
  'ORA-01017', 'ORA-28000', 'ORA-28001', 'ORA-01045', 'ORA-01034', 'ORA-01033', 'ORA-01089', 'ORA-12514', 'ORA-12505',
  'ORA-12541', 'ORA-12170', 'ORA-12154', 'ORA-12528', 'ORA-12537', 'ORA-12520', 'ORA-03113', 'ORA-03114', 'ORA-03135',
  'ORA-00028', 'ORA-01012', 'ORA-02396',
]);

const HINTS: Readonly<Record<string, string>> = {
  'ORA-00942': 'The read or write user cannot see that table or view: check the owner prefix (OWNER.TABLE) and the grants of the configured user.',
  'ORA-00904': 'Check the column name; Oracle upper-cases unquoted identifiers, so a quoted lower-case name must be written exactly.',
  'ORA-00933': 'Oracle runs one statement per snippet: remove a second statement or a stray terminator.',
  'ORA-00911': 'Oracle runs one statement per snippet: remove a second statement or a stray character such as ; inside the text.',
  'ORA-01008': 'Every :name in the SQL must be declared in the block\'s params.',
  'ORA-01745': 'A parameter name is an Oracle reserved word (e.g. :date, :level, :size, :start): rename the parameter, e.g. :business_date.',
  'ORA-01830': 'Date parameters are bound as DATE values: compare them directly (col = :d) instead of converting them with TO_DATE(:d, …).',
  'ORA-01861': 'Date parameters are bound as DATE values: compare them directly (col = :d) instead of converting them with TO_DATE(:d, …).',
  'ORA-01722': 'A value could not be read as a number: check the parameter types and the columns compared with them.',
  'ORA-01031': 'The configured user lacks the privilege for this statement.',
  'ORA-00054': 'The rows or table are locked by another session; try again once it commits.',
  'ORA-00060': 'Deadlock: Oracle rolled this statement back; run it again.',
  'ORA-01555': 'The query ran longer than the undo kept for it; narrow it (a date filter) so it finishes sooner.',
  'NJS-097': 'A :name in the snippet was not recognised by the driver (is it inside q\'[…]\' quotes?); bind only real placeholders.',
};

const READ_ONLY_CODES = new Set(['ORA-01456', 'ORA-01031']);

export function toConnectorError(error: unknown, ctx: ErrorContext): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const e = (error ?? {}) as OracleDriverError;
  const code = e.code ?? (e.errorNum ? `ORA-${String(e.errorNum).padStart(5, '0')}` : undefined);
  const text = firstLine(e.message ?? String(error));
  if (code === 'NJS-123' || (ctx.cancelled && code === 'ORA-01013')) {
    if (ctx.cancelled) return new ConnectorError('cancelled', 'The run was cancelled; the statement was interrupted on the server.');
    return new ConnectorError('timeout', `The statement ran longer than the ${seconds(ctx.timeoutMs)} s statement timeout and was stopped.`, 'Narrow the query (a date filter, FETCH FIRST n ROWS ONLY) or ask for a longer limit.', code);
  }
  if (code === 'NJS-040') {
    return new ConnectorError('unavailable', 'Every Oracle connection of this profile is busy; the run waited for one and gave up.', 'Try again shortly, or raise poolMax for this connection.', code);
  }
  if (code === 'NJS-065' || code === 'NJS-002') {
    return new ConnectorError('unavailable', 'The Oracle connection pool is closed (the server is shutting down).', undefined, code);
  }
  if (code === 'ORA-01017') {
    return new ConnectorError('unavailable', `Oracle refused the login of user ${ctx.user} at ${ctx.connectString} (ORA-01017).`, `Check the ${ctx.mode} profile's user and password (the environment variables they reference).`, code);
  }
  if ((code && code.startsWith('NJS-5')) || (code && UNAVAILABLE_ORA.has(code))) {
    const network = networkText(e.message ?? text);
    if (ctx.phase === 'connect') {
      return new ConnectorError('unavailable', `Cannot connect to Oracle at ${ctx.connectString}: ${network}`, 'Check that the database and its listener are up, and that connectString is host:port/service_name; then run it again.', code);
    }
    return new ConnectorError('unavailable', `Lost the Oracle connection: ${network}`, lostHint(ctx.mode), code);
  }
  if (!code) {
    return new ConnectorError(ctx.phase === 'connect' ? 'unavailable' : 'connector_error', `Oracle: ${text}`);
  }
  let hint = HINTS[code] ?? helpLink(e.message, code);
  if (READ_ONLY_CODES.has(code) && ctx.mode === 'read') {
    hint = 'This snippet is mode=read: it runs in a read-only transaction on the read profile. If it is meant to change data, the runbook must mark it mode=write.';
  }
  const where = e.offset && e.offset > 0 ? ` (at character ${e.offset + 1})` : '';
  return new ConnectorError('connector_error', `${text}${where}`, hint, code);
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}

/**
 * Network errors carry the cause on a second line ("connect ECONNREFUSED 127.0.0.1:1", or the ORA error
 * a NJS-500 wraps) and a CONNECTION_ID that only means something in driver traces.
 */
function networkText(message: string): string {
  const lines = message
    .split('\n')
    .map((l) => l.replace(/\s*\(CONNECTION_ID=[^)]*\)/, '').trim().replace(/\.$/, ''))
    .filter((l) => l && !l.startsWith('Help:'));
  return lines.slice(0, 2).join(': ');
}

function seconds(ms: number): number {
  return Math.round(ms / 100) / 10;
}

/** The driver appends Oracle's help page for database errors; offer it when we have nothing better. */
function helpLink(message: string | undefined, code: string): string | undefined {
  const url = /https:\/\/docs\.oracle\.com\/error-help\/\S+/.exec(message ?? '')?.[0];
  if (url) return `See ${url}`;
  return code.startsWith('ORA-') ? `See https://docs.oracle.com/error-help/db/${code.toLowerCase()}/` : undefined;
}

/**
 * After a connection is lost under a statement, a read can simply run again; a write may have been
 * committed just before the loss, so the operator checks first rather than apply it twice.
 */
function lostHint(mode: Mode): string {
  const next = 'the pool opens a new session for the next run.';
  return mode === 'write' ? `Check whether the write was committed before running it again; ${next}` : `Run it again: ${next}`;
}
