/**
 * PostgreSQL failures as operators read them: SQLSTATE and the server's hint for database errors, and a
 * plain sentence (what happened, that it is safe to run again) when the connection itself was lost.
 */
import { ConnectorError } from '../types';
import type { Mode } from '../../../plugins/remark-runbook/types';

type PgError = Error & { code?: string; hint?: string; detail?: string; position?: string };

export interface ErrorContext {
  readonly mode: Mode;
  readonly timeoutMs: number;
  /** `env/connection`. */
  readonly label: string;
  /** The run asked for the cancel (so a 57014 is the operator's own cancel, not the timeout). */
  readonly cancelled: boolean;
  /** The error the session's connection died of, if it did. */
  readonly lost: Error | null;
}

/** SQLSTATEs meaning the server ended the session: admin_shutdown, crash_shutdown, cannot_connect_now. */
const SERVER_ENDED = new Set(['57P01', '57P02', '57P03']);

export function toConnectorError(error: unknown, context: ErrorContext): ConnectorError {
  if (error instanceof ConnectorError) return error;
  const e = error as PgError;
  if (e.code === '57014') {
    if (context.cancelled) return new ConnectorError('cancelled', 'The run was cancelled; the query was cancelled on the server.');
    return new ConnectorError('timeout', `The statement ran longer than the ${Math.round(context.timeoutMs / 1000)} s statement timeout and was stopped.`, 'Narrow the query (a date filter, a LIMIT) or ask for a longer limit.', e.code);
  }
  if (e.code && (SERVER_ENDED.has(e.code) || e.code.startsWith('08'))) return connectionLost(context, e.message, e.code);
  if (!e.code || context.lost) return connectionLost(context, (context.lost ?? e).message);
  let hint = e.hint;
  if (e.code === '25006' && context.mode === 'read') hint = 'This snippet is mode=read, so it runs in a read-only transaction. If it is meant to change data, the runbook must mark it mode=write.';
  const detail = [e.detail, e.position ? `at character ${e.position}` : null].filter(Boolean).join('; ');
  return new ConnectorError('connector_error', `${e.message}${detail ? ` (${detail})` : ''} [SQLSTATE ${e.code}]`, hint, e.code);
}

function connectionLost(context: ErrorContext, reason: string, engineCode?: string): ConnectorError {
  const writeNote = context.mode === 'write'
    ? 'PostgreSQL rolls back a write whose COMMIT it never received; if the drop came during the commit, check the data before you run it again.'
    : 'Nothing was changed: it was a read.';
  return new ConnectorError(
    'unavailable',
    `The PostgreSQL connection for ${context.label} was closed by the server (terminated by an administrator, a restart, or the network?): ${reason}.`,
    `Run it again; the next run opens a new connection. ${writeNote}`,
    engineCode,
  );
}
