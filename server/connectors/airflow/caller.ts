/**
 * What both adapters share: authorized JSON calls that turn error answers into ConnectorErrors, one
 * retry with fresh credentials after a 401 (a refused request did nothing, so repeating it is safe even
 * for writes), and offset pagination followed to the end.
 */
import type { Authorizer } from './auth';
import { httpError } from './errors';
import type { HttpClient, HttpRequest } from './http';
import type { AirflowApi } from './types';

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
        if (res.status === 401 && attempt === 0 && auth.invalidate()) continue;
        if ((res.status >= 200 && res.status < 300) || accept.includes(res.status)) return { status: res.status, body: res.body as T };
        throw httpError(res.status, res.body, { operation, api, origin: http.origin });
      }
    },
  };
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

export const seg = (s: string): string => encodeURIComponent(s);
