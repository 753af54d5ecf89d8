/** The audit page's filters: read from and written to the page URL, sent as the API's query string. */
import { queryString } from '../../lib/api'; // relative: unit-tested in Node, without the @site alias

export interface AuditFilters {
  readonly runbook: string;
  readonly user: string;
  readonly env: string;
  readonly status: string;
  readonly kind: string;
  /** YYYY-MM-DD, inclusive. */
  readonly from: string;
  readonly to: string;
  readonly limit: number;
  readonly offset: number;
}

export const PAGE_SIZES = [50, 100, 250, 500] as const;

export const EMPTY_FILTERS: AuditFilters = { runbook: '', user: '', env: '', status: '', kind: '', from: '', to: '', limit: 100, offset: 0 };

const TEXT_KEYS = ['runbook', 'user', 'env', 'status', 'kind', 'from', 'to'] as const;

function whole(value: string | null, fallback: number, min: number, max: number): number {
  const n = value === null ? NaN : Number(value);
  return Number.isInteger(n) && n >= min && n <= max ? n : fallback;
}

/** Filters from a location search string ('?runbook=x&limit=50'); unknown or malformed values are dropped. */
export function filtersFromSearch(search: string): AuditFilters {
  const params = new URLSearchParams(search);
  const text = Object.fromEntries(TEXT_KEYS.map((k) => [k, (params.get(k) ?? '').trim()])) as Record<(typeof TEXT_KEYS)[number], string>;
  for (const k of ['from', 'to'] as const) if (!/^\d{4}-\d{2}-\d{2}$/.test(text[k])) text[k] = '';
  return {
    ...text,
    limit: whole(params.get('limit'), EMPTY_FILTERS.limit, 1, 1000),
    offset: whole(params.get('offset'), 0, 0, Number.MAX_SAFE_INTEGER),
  };
}

/**
 * The query string for the API and the page URL. `paging` false leaves out limit and offset (the CSV
 * export takes every matching record); defaults are left out so URLs stay short.
 */
export function filtersToQuery(filters: AuditFilters, paging = true): string {
  const { limit, offset, ...text } = filters;
  return queryString({
    ...text,
    ...(paging ? { limit: limit === EMPTY_FILTERS.limit ? null : limit, offset: offset === 0 ? null : offset } : {}),
  });
}

/** The API always gets an explicit page. */
export function apiQuery(filters: AuditFilters): string {
  return queryString({ ...filters, limit: filters.limit, offset: filters.offset });
}
