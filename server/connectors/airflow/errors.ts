/**
 * Turns an Airflow error answer into a ConnectorError an operator can act on. Airflow 2 answers with
 * RFC 7807 problems ({type, title, status, detail}); Airflow 3 with FastAPI's {detail} — a string, an
 * object, or for 422 a list of {loc, msg, type}. The request body is never echoed: it may carry conf or
 * a variable's value.
 */
import { ConnectorError } from '../types';

export interface ErrorContext {
  /** What was being done, e.g. `trigger DAG cdm_ldz_to_rdv`. */
  readonly operation: string;
  readonly api: 'v1' | 'v2';
  readonly origin: string;
  /** A 403 "Invalid JWT token": true when it came again for a token renewed for this request. */
  readonly tokenRenewed?: boolean;
}

/** The human part of an error body, whatever its shape. */
export function errorDetail(body: unknown): string {
  if (typeof body === 'string') return body.trim().slice(0, 300);
  if (!body || typeof body !== 'object') return '';
  const b = body as Record<string, unknown>;
  if (Array.isArray(b.detail)) {
    return b.detail
      .map((d) => {
        const v = (d ?? {}) as { loc?: unknown[]; msg?: unknown };
        const where = Array.isArray(v.loc) ? v.loc.filter((l) => l !== 'body').join('.') : '';
        return `${where ? `${where}: ` : ''}${String(v.msg ?? '')}`;
      })
      .join('; ');
  }
  const title = typeof b.title === 'string' ? b.title : '';
  const detail = typeof b.detail === 'string' ? b.detail : b.detail && typeof b.detail === 'object' ? JSON.stringify(b.detail) : '';
  if (title && detail && !detail.startsWith(title)) return `${title}: ${detail}`;
  return detail || title;
}

export function httpError(status: number, body: unknown, ctx: ErrorContext): ConnectorError {
  const detail = errorDetail(body);
  const said = detail ? `: ${detail}` : '';
  const base = `Airflow could not ${ctx.operation} (HTTP ${status}${said})`;
  switch (status) {
    case 401:
      return new ConnectorError(
        'connector_error',
        `Airflow at ${ctx.origin} rejected this connection's credentials (HTTP 401).`,
        ctx.api === 'v1'
          ? 'Check auth.username and auth.password of the connection, and that the webserver allows basic auth ([api] auth_backends includes airflow.api.auth.backend.basic_auth).'
          : 'Check auth.username and auth.password of the connection: Opsbook signs in through POST /auth/token.',
      );
    case 403:
      if (ctx.tokenRenewed !== undefined) {
        return new ConnectorError(
          'forbidden',
          `${base}. Airflow at ${ctx.origin} refused ${ctx.tokenRenewed ? 'the token it had just issued, after a renewal' : "this connection's token"}.`,
          'The api-server checks tokens with its [api_auth] jwt_secret: every api-server instance (and each restart) must use the same secret. Set jwt_secret explicitly in the Airflow configuration of all of them, then run it again; the Airflow user permissions are not the cause.',
        );
      }
      return new ConnectorError('forbidden', `${base}. The Airflow user of this connection lacks the permission.`, 'Ask an Airflow admin to grant the role this action needs (e.g. User or Op), or use a connection whose user has it.');
    case 404:
      return new ConnectorError('connector_error', `${base}.`, 'Check the DAG, run and task ids in the runbook (they are case-sensitive), and that the DAG is deployed and parsed in this environment.');
    case 409:
      return new ConnectorError('connector_error', `${base}: it already exists.`, 'A DAG run with this id or logical date exists: pick another logical date, or look at the existing run with dags state.');
    case 400:
    case 422:
      return new ConnectorError('connector_error', `${base}.`, `Airflow refused the request as sent. If the message names a field, the connection's api (${ctx.api}) may not match the server: use api: v1 for Airflow 2 and api: v2 for Airflow 3.`);
    default:
      if (status >= 500) return new ConnectorError('unavailable', `${base}.`, 'Airflow had an internal error or is restarting; try again shortly, and check the webserver and scheduler logs if it persists.');
      return new ConnectorError('connector_error', `${base}.`);
  }
}
