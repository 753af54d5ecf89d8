/**
 * The page's window onto a result the server kept (GET /api/results/:runId): rows are fetched a page at a
 * time as the grid scrolls to them, and only the pages near the view stay in memory — a million-row result
 * never lives whole in the tab. One cache per (result, sort, filter); a new query starts a new cache.
 * No React here (unit-tested in Node).
 */
import type { Cell, ColumnInfo } from '@site/server/protocol';

export interface KeptQuery {
  readonly sort: { readonly column: number; readonly descending: boolean } | null;
  readonly filter: string;
}

export interface KeptPageAnswer {
  readonly columns: readonly ColumnInfo[];
  readonly total: number;
  readonly offset: number;
  readonly rows: readonly (readonly Cell[])[];
}

export type FetchKeptPage = (offset: number, limit: number, signal: AbortSignal) => Promise<KeptPageAnswer>;

/** Rows a fetch brings: a few screens. */
export const KEPT_PAGE_ROWS = 500;
/** Pages kept in memory at most; the farthest from the last view are dropped first. */
export const KEPT_PAGES_HELD = 12;

/** The query string of a page or an export of `query` (offset and limit only for a page). */
export function keptSearch(query: KeptQuery, page?: { readonly offset: number; readonly limit: number }): string {
  const search = new URLSearchParams();
  if (page) {
    search.set('offset', String(page.offset));
    search.set('limit', String(page.limit));
  }
  if (query.sort) {
    search.set('sort', String(query.sort.column));
    if (query.sort.descending) search.set('desc', '1');
  }
  if (query.filter) search.set('filter', query.filter);
  return search.toString();
}

export class KeptPageCache {
  private readonly pages = new Map<number, readonly (readonly Cell[])[]>();
  private readonly loading = new Set<number>();
  private readonly controller = new AbortController();
  /** The page at the middle of the last view: what stays when pages must go. */
  private centre = 0;
  /** Rows matching the query; null until the first page answers. */
  total: number | null = null;
  /** The last failure (an expired result says "run it again"); null while all is well. */
  error: Error | null = null;

  constructor(
    private readonly fetchPage: FetchKeptPage,
    private readonly changed: () => void,
  ) {}

  /** The row at `index`, or undefined while its page is on the way. */
  rowAt(index: number): readonly Cell[] | undefined {
    return this.pages.get(Math.floor(index / KEPT_PAGE_ROWS))?.[index % KEPT_PAGE_ROWS];
  }

  /** Makes sure the rows from..to (inclusive) are held or on their way; drops pages far from them. */
  want(from: number, to: number): void {
    if (this.controller.signal.aborted) return;
    const first = Math.floor(Math.max(0, from) / KEPT_PAGE_ROWS);
    const last = Math.floor(Math.max(0, to) / KEPT_PAGE_ROWS);
    this.centre = (first + last) / 2;
    for (let page = first; page <= last; page += 1) this.load(page);
    this.trim();
  }

  /** Drops the pages farthest from the last view beyond the bound (also as pages arrive). */
  private trim(): void {
    if (this.pages.size <= KEPT_PAGES_HELD) return;
    const centre = this.centre;
    const farthest = [...this.pages.keys()].sort((a, b) => Math.abs(b - centre) - Math.abs(a - centre));
    for (const page of farthest.slice(0, this.pages.size - KEPT_PAGES_HELD)) this.pages.delete(page);
  }

  /** Pages held now (for tests and the bound). */
  get heldPages(): number {
    return this.pages.size;
  }

  dispose(): void {
    this.controller.abort();
  }

  private load(page: number): void {
    if (this.pages.has(page) || this.loading.has(page)) return;
    if (this.total !== null && page * KEPT_PAGE_ROWS >= this.total && page > 0) return;
    this.loading.add(page);
    this.fetchPage(page * KEPT_PAGE_ROWS, KEPT_PAGE_ROWS, this.controller.signal).then(
      (answer) => {
        this.loading.delete(page);
        if (this.controller.signal.aborted) return;
        this.pages.set(page, answer.rows);
        this.trim();
        this.total = answer.total;
        this.error = null;
        this.changed();
      },
      (error: unknown) => {
        this.loading.delete(page);
        if (this.controller.signal.aborted) return;
        this.error = error instanceof Error ? error : new Error(String(error));
        this.changed();
      },
    );
  }
}
