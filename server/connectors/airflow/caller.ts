/**
 * What both adapters share: authorized JSON calls that turn error answers into ConnectorErrors, one
 * retry with fresh credentials after a 401 or after Airflow 3's 403 "Invalid JWT token" (an api-server
 * restarted with a rotated secret; a refused request did nothing, so repeating it is safe even for
 * writes), and offset pagination followed to the end.
 */
import type { Authorizer } from './auth';
import { httpError } from './errors';
import type { HttpClient, HttpRequest } from './http';
import type { AirflowApi } from './types';
import { ConnectorError } from '../types';

export interface Caller {
  /** The body of a 2xx answer; throws a ConnectorError for anything else. */
  call<T>(operation: string, req: HttpRequest, accept?: readonly number[]): Promise<{ status: number; body: T }>;
  readonly origin: string;
}

export function createCaller(api: AirflowApi, http: HttpClient, auth: Authorizer): Caller {
  return {
    origin: http.origin,
    async call<T>(operation: string, req: HttpRequest, accept: readonly number[] = []) {
      for (let attempt = 0; ; attempt++) {
        const authorization = await auth.header(req.signal);
        const res = await http.request({ ...req, headers: { ...req.headers, authorization } });
        const badToken = res.status === 403 && invalidToken(res.body);
        if ((res.status === 401 || badToken) && attempt === 0 && auth.invalidate()) continue;
        if (accept.includes(res.status)) return { status: res.status, body: res.body as T };
        if (res.status >= 200 && res.status < 300) {
          // A proxy's error page or another server behind the url answers 200 too: never read it as data.
          if (typeof res.body === 'string' && !(res.status === 204 && res.body === '')) throw notAnAnswer(http.origin, operation, res.status, res.body);
          return { status: res.status, body: res.body as T };
        }
        throw httpError(res.status, res.body, { operation, api, origin: http.origin, ...(badToken ? { tokenRenewed: attempt > 0 } : {}) });
      }
    },
  };
}

/**
 * Airflow 3 answers a bearer token it cannot verify (signed with another secret) with 403 and this detail,
 * not 401 (api_fastapi/core_api/security.py); a 403 for a missing permission says something else.
 */
export function invalidToken(body: unknown): boolean {
  const detail = (body as { detail?: unknown } | null)?.detail;
  return typeof detail === 'string' && /invalid jwt token/i.test(detail);
}

function notAnAnswer(origin: string, operation: string, status: number, text: string): ConnectorError {
  const shown = text.replace(/\s+/g, ' ').trim().slice(0, 120);
  return new ConnectorError(
    'connector_error',
    `Airflow at ${origin} answered "${operation}" with something that is not an Airflow API answer (HTTP ${status}: ${shown ? `"${shown}"` : 'an empty body'}).`,
    "Check that the connection's url is the Airflow webserver root (not a proxy, a login page or the UI) and that nothing in between rewrites answers; then run it again.",
  );
}

/**
 * Follows limit/offset pages until `total_entries` is reached, a page comes back short, or `max` items
 * are in hand. Airflow caps a page at its own maximum (100 in v1, 50 by default in v2).
 */
export async function paginate<T>(pageSize: number, max: number | null, page: (limit: number, offset: number) => Promise<{ items: readonly T[]; total: number | null }>): Promise<T[]> {
  const out: T[] = [];
  for (;;) {
    const want = max === null ? pageSize : Math.min(pageSize, max - out.length);
    if (want <= 0) return out;
    const { items, total } = await page(want, out.length);
    out.push(...items.slice(0, want));
    // A short page is not the end when total_entries says otherwise: servers cap page sizes
    // (maximum_page_limit), which can be below what was asked.
    if (items.length === 0 || (total !== null ? out.length >= total : items.length < want)) return out;
  }
}

/**
 * Like paginate, for lists whose order can tie: each item is kept once (by `key`), offsets advance by
 * what each page held, and the distinct count is checked against `total_entries`. Pages of a database
 * query without a tie-breaker can overlap and skip items between requests, so `complete` says whether
 * everything Airflow counted was seen.
 */
export async function paginateDistinct<T>(
  pageSize: number,
  key: (item: T) => string,
  page: (limit: number, offset: number) => Promise<{ items: readonly T[]; total: number | null }>,
): Promise<{ items: T[]; total: number | null; complete: boolean }> {
  const seen = new Map<string, T>();
  let offset = 0;
  let total: number | null = null;
  for (;;) {
    const res = await page(pageSize, offset);
    total = res.total;
    for (const item of res.items) if (!seen.has(key(item))) seen.set(key(item), item);
    offset += res.items.length;
    if (res.items.length === 0 || (total !== null ? offset >= total : res.items.length < pageSize)) break;
  }
  return { items: [...seen.values()], total, complete: total === null || seen.size >= total };
}

/**
 * A DAG run as Airflow sends it has an id and a state. Without them a follow would poll "run undefined"
 * forever or a read would show a row of blanks, so anything else is refused here.
 */
export function checkedRun<T>(r: T): T {
  const v = r as { dag_run_id?: unknown; state?: unknown } | null;
  if (!v || typeof v !== 'object' || typeof v.dag_run_id !== 'string' || typeof v.state !== 'string') {
    throw new ConnectorError(
      'connector_error',
      `Airflow answered with a DAG run that has no id or no state (${JSON.stringify(r).slice(0, 120)}): it is not an Airflow API answer.`,
      "Check that the connection's url is the Airflow webserver root and its api (v1 for Airflow 2, v2 for Airflow 3) matches the server; then run it again.",
    );
  }
  return r;
}

export const seg = (s: string): string => encodeURIComponent(s);
