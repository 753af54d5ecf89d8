/**
 * Databricks answers as ConnectorErrors a user can act on: the message and error_code (or SQLSTATE) as
 * Databricks gave them, and a hint for the usual mistakes. A refused token is `unavailable` (the run never
 * reached the warehouse), a missing grant `forbidden`, a statement that failed `connector_error`.
 */
import { ConnectorError } from '../types';
import { DatabricksHttpError, DatabricksUnreachable } from './http';
import type { StatementResponse } from './wire';

export interface ErrorContext {
  readonly mode: 'read' | 'write';
  readonly host: string;
  readonly warehouseId: string;
}

export function cancelledError(): ConnectorError {
  return new ConnectorError('cancelled', 'The run was cancelled; the statement was cancelled in Databricks.');
}

export function timeoutError(timeoutMs: number): ConnectorError {
  return new ConnectorError(
    'timeout',
    `The statement ran longer than the ${Math.max(1, Math.ceil(timeoutMs / 1000))} s statement timeout and was cancelled in Databricks.`,
    'Narrow the query (a date filter, a LIMIT), use a larger warehouse, or ask for a longer limit in opsbook.config.yaml.',
  );
}

/** A failure of the HTTP exchange itself: network, token, grants, a malformed request. */
export function httpError(error: unknown, ctx: ErrorContext): ConnectorError {
  if (error instanceof ConnectorError) return error;
  if (error instanceof DatabricksUnreachable) {
    // A write whose answer was lost may have run: say so rather than invite a second run blindly.
    const again = ctx.mode === 'write' ? ' The write may have run: check the query history in Databricks before running it again.' : '';
    return new ConnectorError('unavailable', `Cannot use Databricks at ${ctx.host}: ${error.message}`, `Check host (the workspace URL), that this server can reach it, and any proxy in between.${again}`);
  }
  if (error instanceof DatabricksHttpError) {
    const tag = `[HTTP ${error.status}${error.errorCode ? ` ${error.errorCode}` : ''}]`;
    if (error.status === 401) {
      return new ConnectorError(
        'unavailable',
        `Databricks refused the token of the ${ctx.mode} profile: ${error.message} ${tag}`,
        `Check ${ctx.mode}.token of this connection (its \${ENV} variable) in opsbook.config.yaml: the token may be expired, revoked, or from another workspace.`,
        error.errorCode ?? '401',
      );
    }
    if (error.status === 403) {
      return new ConnectorError(
        'forbidden',
        `Databricks refused the ${ctx.mode} profile: ${error.message} ${tag}`,
        `Grant the ${ctx.mode} profile's principal CAN USE on SQL warehouse ${ctx.warehouseId}, and the privileges the snippet needs on its tables.`,
        error.errorCode ?? '403',
      );
    }
    if (error.status === 404 && error.errorCode === 'RESOURCE_DOES_NOT_EXIST') {
      return new ConnectorError('unavailable', `${error.message} ${tag}`, `Check warehouseId (${ctx.warehouseId}): the id is the last part of the warehouse's HTTP path.`, error.errorCode);
    }
    if (error.status === 429) {
      return new ConnectorError('unavailable', `Databricks kept throttling the requests: ${error.message} ${tag}`, 'Run it again in a minute; if it keeps happening, the workspace is at its request limit.', error.errorCode ?? '429');
    }
    return new ConnectorError(error.status >= 500 ? 'unavailable' : 'connector_error', `${error.message} ${tag}`, undefined, error.errorCode ?? String(error.status));
  }
  return new ConnectorError('unavailable', `Databricks request failed: ${(error as Error).message}`);
}

/** Databricks' error classes ([NAME] at the start of the message) the author can fix. */
const HINTS: readonly (readonly [RegExp, (ctx: ErrorContext) => string])[] = [
  [/TABLE_OR_VIEW_NOT_FOUND|SCHEMA_NOT_FOUND|CATALOG_NOT_FOUND/, () => 'Check the catalog, schema and table names (catalog.schema.table), or set catalog/schema on the connection.'],
  [/UNRESOLVED_COLUMN/, () => 'Check the column names against the table.'],
  [/PARSE_SYNTAX_ERROR/, () => 'The SQL does not parse on Databricks; if the runbook targets several engines, add a dialect=databricks variant.'],
  [/UNBOUND_SQL_PARAMETER/, () => 'Declare the parameter in the fence (params="…") so the page asks for it.'],
  [
    /PERMISSION_DENIED|INSUFFICIENT_PERMISSIONS|does not have (MODIFY|SELECT|USE)/i,
    (ctx) =>
      ctx.mode === 'read'
        ? "This snippet is mode=read, so it runs with the read profile's token, whose principal may only SELECT. If it is meant to change data, the runbook must mark it mode=write."
        : "Grant the write profile's principal the privilege in Unity Catalog, or review the snippet.",
  ],
];

/** A statement Databricks reports FAILED. */
export function statementFailed(response: StatementResponse, ctx: ErrorContext): ConnectorError {
  const status = response.status;
  const message = status.error?.message ?? 'The statement failed without a message.';
  const tags = [status.error?.error_code, status.sql_state ? `SQLSTATE ${status.sql_state}` : null, `statement ${response.statement_id}`].filter(Boolean).join(', ');
  const hint = HINTS.find(([pattern]) => pattern.test(message))?.[1](ctx);
  return new ConnectorError('connector_error', `${message} [${tags}]`, hint, status.sql_state ?? status.error?.error_code);
}
