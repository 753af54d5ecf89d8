/**
 * Driver and server failures as ConnectorErrors: Snowflake's own code and SQLSTATE in the message and
 * `engineCode`, and a hint for the mistakes people make. Login and network failures are `unavailable`
 * (the run never reached the database); the statement timeout is `timeout`; a cancel is `cancelled`.
 */
import { ConnectorError } from '../types';
import type { SfError } from './driver';

export interface ErrorContext {
  readonly mode: 'read' | 'write';
  readonly role: string;
  readonly timeoutMs: number;
  /** Why Opsbook itself stopped the statement, if it did. */
  readonly stoppedBy: 'cancelled' | 'timeout' | null;
}

/** GS codes of a session that is gone: the statement never ran, so a new session may retry it. */
const LOST_SESSION = new Set(['390111', '390112', '390114', '390104', 407002, 405503]);

export function isLostSession(error: unknown): boolean {
  const code = (error as SfError | undefined)?.code;
  return code !== undefined && LOST_SESSION.has(code);
}

/** Network-level failures: nothing answered, or something that is not Snowflake did. */
export function isNetworkFailure(error: unknown): boolean {
  const e = error as SfError | undefined;
  return e?.name === 'NetworkError' || e?.name === 'RequestFailedError' || e?.name === 'UnexpectedContentError';
}

export function cancelledError(): ConnectorError {
  return new ConnectorError('cancelled', 'The run was cancelled; the statement was cancelled in Snowflake.');
}

export function timeoutError(timeoutMs: number, engineCode?: string): ConnectorError {
  return new ConnectorError(
    'timeout',
    `The statement ran longer than the ${Math.max(1, Math.ceil(timeoutMs / 1000))} s statement timeout and was cancelled in Snowflake.`,
    'Narrow the query (a date filter, a LIMIT), use a larger warehouse, or ask for a longer limit in opsbook.config.yaml.',
    engineCode,
  );
}

/** A failure to open a session (login or network). */
export function loginError(error: unknown, profile: 'read' | 'write', endpoint: string): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const e = error as SfError;
  if (isNetworkFailure(e)) {
    const cause = e.cause instanceof Error ? e.cause.message : e.message;
    return new ConnectorError('unavailable', `Cannot reach Snowflake at ${endpoint}: ${cause}`, 'Check the account identifier (or accessUrl), that this server can reach Snowflake, and any proxy settings.', e.code === undefined ? undefined : String(e.code));
  }
  const code = e.code === undefined ? undefined : String(e.code);
  const hint = LOGIN_HINTS[code ?? ''] ?? `Check the user and credentials of the ${profile} profile in opsbook.config.yaml.`;
  return new ConnectorError('unavailable', `Snowflake refused the login of the ${profile} profile: ${e.message}${code ? ` [Snowflake ${code}]` : ''}`, hint.replace('{profile}', profile), code);
}

const LOGIN_HINTS: Readonly<Record<string, string>> = {
  '390100': 'Check user and password of the {profile} profile (their ${ENV} variables) in opsbook.config.yaml.',
  '390144': 'The key does not match the user: set its public key on the user (ALTER USER … SET RSA_PUBLIC_KEY = …) or fix privateKeyPath.',
  '390189': 'Grant the role of the {profile} profile to its user, or fix role in opsbook.config.yaml.',
  '390201': 'Check the account identifier (account: xy12345 or myorg-myaccount).',
  '390422': 'A network policy blocks this server\'s address; ask the Snowflake administrators to allow it.',
};

const STATEMENT_HINTS: Readonly<Record<string, (ctx: ErrorContext) => string>> = {
  '001003': () => 'The SQL does not parse on Snowflake; if the runbook targets several engines, add a dialect=snowflake variant.',
  '002003': (ctx) => `Check the database, schema and object names, and that role ${ctx.role} has been granted access (Snowflake reports a missing grant as "does not exist or not authorized").`,
  '000904': () => 'Check the column names against the table (unquoted names are upper-cased by Snowflake).',
  '003001': (ctx) =>
    ctx.mode === 'read'
      ? `This snippet is mode=read, so it runs as the read role ${ctx.role}, which may not change data. If it is meant to change data, the runbook must mark it mode=write.`
      : `Role ${ctx.role} lacks the privilege; grant it in Snowflake or review the snippet.`,
  '000008': () => 'Snippets run one statement at a time: put each statement in its own runnable block.',
  '000606': () => 'Set warehouse in the connection, and grant USAGE on it to the role.',
  '090105': () => 'Set database in the connection, or qualify the names (database.schema.table).',
};

/** A failure while a statement ran (or was being sent). */
export function statementError(error: unknown, ctx: ErrorContext): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const e = error as SfError;
  const code = e.code === undefined ? undefined : String(e.code);
  if (code === '000630' || (ctx.stoppedBy === 'timeout' && code === '000604')) return timeoutError(ctx.timeoutMs, code);
  if (code === '000604' || ctx.stoppedBy === 'cancelled') return cancelledError();
  if (ctx.stoppedBy === 'timeout') return timeoutError(ctx.timeoutMs, code);
  if (isLostSession(e)) {
    return new ConnectorError('unavailable', `The Snowflake session was lost: ${e.message}`, 'The next run opens a new session.', code);
  }
  if (isNetworkFailure(e)) {
    const cause = e.cause instanceof Error ? e.cause : null;
    // A write whose answer was lost may have run: say so rather than invite a second run blindly.
    const again = ctx.mode === 'write' ? 'Check the query history in Snowflake for whether it ran before running it again' : 'Run it again';
    if (e.name === 'UnexpectedContentError' || cause instanceof SyntaxError) {
      return new ConnectorError(
        'unavailable',
        `The Snowflake endpoint answered with something that is not a Snowflake answer (${(cause ?? e).message.slice(0, 120)}).`,
        `A proxy or another server may be answering in Snowflake's place: check accessUrl (or the account) and any proxy between Opsbook and Snowflake. ${again} once it answers.`,
        code,
      );
    }
    return new ConnectorError('unavailable', `Lost the connection to Snowflake in the middle of an answer: ${(cause ?? e).message}`, `${again}: the next run opens a new session. Check the network or proxy if it keeps happening.`, code);
  }
  const queryId = e.data?.queryId;
  const tags = [code ? `Snowflake ${code}` : null, e.sqlState ? `SQLSTATE ${e.sqlState}` : null, queryId ? `query ${queryId}` : null].filter(Boolean).join(', ');
  const hint = code ? STATEMENT_HINTS[code]?.(ctx) : undefined;
  return new ConnectorError('connector_error', `${e.message}${tags ? ` [${tags}]` : ''}`, hint, code);
}
