/**
 * Large results kept on the server (issue 14, item 4): past a row threshold a run's result is spilled to a
 * DuckDB file of its own in the state directory, and the page reads it a window at a time — paged, sorted,
 * filtered and exported here — instead of holding a million rows in the tab.
 *
 * Each kept result belongs to the user who ran it and only they can read it; it expires after a while, each
 * is bounded in rows and bytes, and all of them together in bytes (the oldest give way to a new one). Bytes
 * are counted as the text of the cells as they are kept, a close upper bound of the file (DuckDB compresses).
 *
 * Cells are kept as text, with each column's JSON kind to give them back exactly as the socket sent them
 * (a BIGINT that arrived as a string stays a string); a numeric column sorts by its number, not its text.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import type { Cell, ColumnInfo } from '../protocol';

export interface KeptResultLimits {
  /** Rows kept of one result, at most (the rest is cut: the result is truncated). */
  readonly maxRows: number;
  /** Bytes kept of one result, at most. */
  readonly maxBytes: number;
  /** Bytes kept of all results together; the oldest are dropped to make room for a new one. */
  readonly totalBytes: number;
  /** How long a result stays readable after its run ended. */
  readonly ttlMs: number;
}

export type KeptErrorCode = 'result_expired' | 'result_not_found' | 'forbidden' | 'bad_request';

export class KeptResultError extends Error {
  constructor(
    readonly code: KeptErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'KeptResultError';
  }
  /** The HTTP status the API answers with. */
  get status(): number {
    return { result_expired: 410, result_not_found: 404, forbidden: 403, bad_request: 400 }[this.code];
  }
}

export interface PageQuery {
  readonly offset: number;
  readonly limit: number;
  /** Column index to sort by; the run's own order when absent. */
  readonly sort?: { readonly column: number; readonly descending: boolean };
  /** Rows whose text contains this (case-insensitive), in one column or, without `column`, in any. */
  readonly filter?: { readonly text: string; readonly column?: number };
}

export interface KeptPage {
  readonly columns: readonly ColumnInfo[];
  /** Rows matching the filter (all kept rows without one). */
  readonly total: number;
  readonly offset: number;
  readonly rows: readonly (readonly Cell[])[];
}

/** A result that became readable, for the shared directory (server/cluster/keptDirectory.ts). */
export interface KeptAnnouncement {
  readonly runId: string;
  readonly owner: string;
  readonly expiresAt: string;
}

export interface KeptSummary {
  readonly runId: string;
  readonly rows: number;
  /** The result had more rows than the server keeps. */
  readonly truncated: boolean;
  readonly expiresAt: string;
}

/** Writes one run's rows as they stream; `finish` makes them readable, `discard` drops them. */
export interface KeptWriter {
  append(batch: readonly (readonly Cell[])[]): void;
  /** Rows taken so far; stops growing once a bound is reached. */
  readonly rows: number;
  /** A bound (rows, bytes, total) cut the result. */
  readonly full: boolean;
  finish(): Promise<KeptSummary>;
  discard(): Promise<void>;
}

type Kind = 'number' | 'boolean' | 'text' | 'json';

interface Kept {
  readonly runId: string;
  readonly owner: string;
  readonly columns: readonly ColumnInfo[];
  readonly kinds: Kind[];
  readonly catalog: string;
  readonly file: string;
  bytes: number;
  rows: number;
  truncated: boolean;
  /** Null while the run still writes it. */
  expiresAt: number | null;
}

/** Page sizes a page may ask for: a screenful or a few, never the whole result. */
export const MAX_PAGE_ROWS = 5_000;
/** How many dropped results are remembered, to say "expired" rather than "unknown". */
const TOMBSTONES = 10_000;
const SWEEP_MS = 60_000;
const NUMERIC_TYPE = /int|decimal|numeric|double|float|real|number|money|serial/i;

const kindOf = (cell: Cell): Kind => (typeof cell === 'number' ? 'number' : typeof cell === 'boolean' ? 'boolean' : typeof cell === 'string' ? 'text' : 'json');

function encode(cell: Cell): string {
  if (typeof cell === 'string') return cell;
  if (typeof cell === 'number' || typeof cell === 'boolean') return String(cell);
  return JSON.stringify(cell);
}

function decode(text: string | null, kind: Kind): Cell {
  if (text === null) return null;
  if (kind === 'number') return Number(text);
  if (kind === 'boolean') return text === 'true';
  if (kind === 'json') return JSON.parse(text) as Cell;
  return text;
}

/** LIKE pattern matching `text` anywhere, with the pattern's own wildcards escaped. */
const containsPattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export class KeptResults {
  private readonly kept = new Map<string, Kept>();
  private readonly dropped = new Map<string, 'expired' | 'evicted'>();
  /** Evicted results whose files are removed once no appender is open. */
  private toDetach: Kept[] = [];
  private sequence = 0;
  private sweeper: NodeJS.Timeout | null = null;
  /**
   * Told of each result as it becomes readable, before the run's `kept` reaches the page: behind a load
   * balancer the shared directory must know where it is before the page asks another instance for it.
   */
  private announce: ((kept: KeptAnnouncement) => Promise<void>) | null = null;

  private constructor(
    private readonly dir: string,
    private readonly instance: DuckDBInstance,
    /** Pages, ATTACH and DETACH; each writer and each export has a connection of its own (one open result each). */
    private readonly connection: DuckDBConnection,
    readonly limits: KeptResultLimits,
    private readonly now: () => number,
  ) {}

  /**
   * Opens the store in `dir` (created; results a previous process kept are deleted: their owners' pages are
   * gone with it).
   */
  static async open(dir: string, limits: KeptResultLimits, now: () => number = Date.now): Promise<KeptResults> {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const store = new KeptResults(dir, instance, connection, limits, now);
    // Expired files go within a minute even when nobody begins or reads a result.
    store.sweeper = setInterval(() => void store.sweep().catch(() => undefined), SWEEP_MS);
    store.sweeper.unref();
    return store;
  }

  /** Where each result that becomes readable is announced (one listener; a failed announcement is the listener's to report). */
  onKept(listener: (kept: KeptAnnouncement) => Promise<void>): void {
    this.announce = listener;
  }

  /** This process holds, or held and dropped, `runId`'s result: it answers for it, no other instance. */
  knows(runId: string): boolean {
    return this.kept.has(runId) || this.dropped.has(runId);
  }

  /** Bytes held by all kept results. */
  get bytes(): number {
    let sum = 0;
    for (const k of this.kept.values()) sum += k.bytes;
    return sum;
  }

  /** Starts keeping a run's result for `owner`. */
  async begin(runId: string, owner: string, columns: readonly ColumnInfo[]): Promise<KeptWriter> {
    await this.sweep();
    this.sequence += 1;
    const catalog = `kept_${this.sequence}`;
    const file = path.join(this.dir, `${runId.replace(/[^A-Za-z0-9-]/g, '')}.duckdb`);
    await this.connection.run(`ATTACH '${file.replace(/'/g, "''")}' AS ${catalog}`);
    const columnsSql = columns.map((_, j) => `c${j} VARCHAR`).join(', ');
    const writing = await this.instance.connect();
    await writing.run(`CREATE TABLE ${catalog}.main.result (ord BIGINT${columnsSql ? `, ${columnsSql}` : ''})`);
    const entry: Kept = { runId, owner, columns, kinds: columns.map(() => 'text'), catalog, file, bytes: 0, rows: 0, truncated: false, expiresAt: null };
    const seen = columns.map(() => false);
    this.kept.set(runId, entry);
    const appender: DuckDBAppender = await writing.createAppender('result', 'main', catalog);
    const store = this;
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      appender.closeSync();
      writing.closeSync();
    };
    return {
      get rows() {
        return entry.rows;
      },
      get full() {
        return entry.truncated;
      },
      append(batch) {
        if (closed || entry.truncated) return;
        for (const row of batch) {
          const texts = columns.map((_, j) => {
            const cell = row[j] ?? null;
            if (cell === null) return null;
            const kind = kindOf(cell);
            if (!seen[j]) {
              seen[j] = true;
              entry.kinds[j] = kind;
            } else if (entry.kinds[j] !== kind) entry.kinds[j] = 'text'; // mixed kinds: give back text
            return encode(cell);
          });
          const rowBytes = 8 + texts.reduce((sum, t) => sum + (t === null ? 1 : Buffer.byteLength(t)), 0);
          if (entry.rows >= store.limits.maxRows || entry.bytes + rowBytes > store.limits.maxBytes || !store.makeRoom(rowBytes, runId)) {
            entry.truncated = true;
            break;
          }
          appender.appendBigInt(BigInt(entry.rows));
          for (const text of texts) {
            if (text === null) appender.appendNull();
            else appender.appendVarchar(text);
          }
          appender.endRow();
          entry.rows += 1;
          entry.bytes += rowBytes;
        }
        appender.flushSync();
      },
      async finish() {
        close();
        await store.detachEvicted();
        await store.connection.run(`CHECKPOINT ${catalog}`);
        entry.expiresAt = store.now() + store.limits.ttlMs;
        const expiresAt = new Date(entry.expiresAt).toISOString();
        await store.announce?.({ runId, owner, expiresAt });
        return { runId, rows: entry.rows, truncated: entry.truncated, expiresAt };
      },
      async discard() {
        close();
        await store.detachEvicted();
        await store.drop(entry, 'evicted');
      },
    };
  }

  /** A page of `runId`'s kept result, for `user` only. */
  async page(user: string, runId: string, query: PageQuery): Promise<KeptPage> {
    const entry = await this.readable(user, runId);
    if (!Number.isInteger(query.offset) || query.offset < 0) throw new KeptResultError('bad_request', 'offset must be a whole number, 0 or more.');
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_PAGE_ROWS) throw new KeptResultError('bad_request', `limit must be a whole number from 1 to ${MAX_PAGE_ROWS}.`);
    const { where, values } = this.whereOf(entry, query.filter);
    const total = await this.connection.runAndReadAll(`SELECT count(*) FROM ${entry.catalog}.main.result ${where}`, values);
    const count = Number(total.getRows()[0]?.[0] ?? 0);
    const reader = await this.connection.runAndReadAll(
      `SELECT ${this.selectList(entry)} FROM ${entry.catalog}.main.result ${where} ORDER BY ${this.orderOf(entry, query.sort)} LIMIT ${query.limit} OFFSET ${query.offset}`,
      values,
    );
    return { columns: entry.columns, total: count, offset: query.offset, rows: reader.getRows().map((row) => this.decodeRow(entry, row)) };
  }

  /** Every matching row, sorted as asked, in chunks (for a CSV export); for `user` only. */
  async *allRows(user: string, runId: string, query: Omit<PageQuery, 'offset' | 'limit'>): AsyncGenerator<readonly (readonly Cell[])[]> {
    const entry = await this.readable(user, runId);
    const { where, values } = this.whereOf(entry, query.filter);
    // A connection of its own: a streaming result is the one open query of its connection.
    const exporting = await this.instance.connect();
    try {
      const result = await exporting.stream(`SELECT ${this.selectList(entry)} FROM ${entry.catalog}.main.result ${where} ORDER BY ${this.orderOf(entry, query.sort)}`, values);
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) return;
        yield chunk.getRows().map((row) => this.decodeRow(entry, row));
      }
    } finally {
      exporting.closeSync();
    }
  }

  /** The columns of a kept result, for `user` only. */
  async columnsOf(user: string, runId: string): Promise<readonly ColumnInfo[]> {
    return (await this.readable(user, runId)).columns;
  }

  /** Drops expired results (called on every begin and read; the files go with them). */
  async sweep(): Promise<void> {
    const now = this.now();
    for (const entry of [...this.kept.values()]) {
      if (entry.expiresAt !== null && entry.expiresAt <= now) await this.drop(entry, 'expired');
    }
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    await this.detachEvicted();
    for (const entry of [...this.kept.values()]) await this.drop(entry, 'evicted');
    this.connection.closeSync();
  }

  private async readable(user: string, runId: string): Promise<Kept> {
    await this.sweep();
    const entry = this.kept.get(runId);
    if (!entry || entry.expiresAt === null) {
      const why = this.dropped.get(runId);
      if (why) {
        throw new KeptResultError(
          'result_expired',
          why === 'expired' ? 'This result is no longer kept on the server: it expired.' : 'This result is no longer kept on the server: newer results took its place.',
          'Run it again to get a fresh result.',
        );
      }
      throw new KeptResultError('result_not_found', entry ? 'This result is still being written; it can be read once the run ends.' : 'The server keeps no result for this run.', 'Run it again to get a fresh result.');
    }
    // Owned by whoever ran it: not an approver's nor an admin's to read (the result may hold customer data).
    if (entry.owner !== user) throw new KeptResultError('forbidden', 'This result belongs to the user who ran it; only they can read it.');
    return entry;
  }

  /**
   * Frees bytes for `need` more of `runId`'s result by dropping the oldest finished results, never one still
   * being written. False when even then it does not fit.
   */
  private makeRoom(need: number, runId: string): boolean {
    if (this.bytes + need <= this.limits.totalBytes) return true;
    const finished = [...this.kept.values()].filter((k) => k.runId !== runId && k.expiresAt !== null).sort((a, b) => (a.expiresAt ?? 0) - (b.expiresAt ?? 0));
    let bytes = this.bytes;
    for (const entry of finished) {
      if (bytes + need <= this.limits.totalBytes) break;
      bytes -= entry.bytes;
      // Out of the accounting at once; the file goes when the writer's appender is closed (finish or
      // discard): a DETACH on the connection in the middle of an append breaks the append.
      this.forget(entry, 'evicted');
      this.toDetach.push(entry);
    }
    return this.bytes + need <= this.limits.totalBytes;
  }

  private async detachEvicted(): Promise<void> {
    const evicted = this.toDetach;
    this.toDetach = [];
    for (const entry of evicted) await this.detach(entry);
  }

  private forget(entry: Kept, why: 'expired' | 'evicted'): void {
    this.kept.delete(entry.runId);
    this.dropped.set(entry.runId, why);
    if (this.dropped.size > TOMBSTONES) this.dropped.delete(this.dropped.keys().next().value!);
  }

  private async detach(entry: Kept): Promise<void> {
    try {
      await this.connection.run(`DETACH ${entry.catalog}`);
    } finally {
      fs.rmSync(entry.file, { force: true });
      fs.rmSync(`${entry.file}.wal`, { force: true });
    }
  }

  private async drop(entry: Kept, why: 'expired' | 'evicted'): Promise<void> {
    if (!this.kept.has(entry.runId)) return;
    this.forget(entry, why);
    await this.detach(entry);
  }

  private selectList(entry: Kept): string {
    return entry.columns.length ? entry.columns.map((_, j) => `c${j}`).join(', ') : 'ord';
  }

  private column(entry: Kept, index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= entry.columns.length) {
      throw new KeptResultError('bad_request', `There is no column ${index}; this result has ${entry.columns.length}.`);
    }
    return index;
  }

  private orderOf(entry: Kept, sort: PageQuery['sort']): string {
    if (!sort) return 'ord';
    const j = this.column(entry, sort.column);
    const numeric = entry.kinds[j] === 'number' || NUMERIC_TYPE.test(entry.columns[j]!.type);
    const key = numeric ? `TRY_CAST(c${j} AS DOUBLE)` : `c${j}`;
    // Ties keep the run's own order, so paging a sorted result never shows a row twice.
    return `${key} ${sort.descending ? 'DESC' : 'ASC'} NULLS LAST, ord`;
  }

  private whereOf(entry: Kept, filter: PageQuery['filter']): { where: string; values: DuckDBValue[] } {
    if (!filter || filter.text === '') return { where: '', values: [] };
    const pattern = containsPattern(filter.text);
    if (filter.column !== undefined) {
      const j = this.column(entry, filter.column);
      return { where: `WHERE c${j} ILIKE $1 ESCAPE '\\'`, values: [pattern] };
    }
    if (entry.columns.length === 0) return { where: 'WHERE false', values: [] };
    return { where: `WHERE ${entry.columns.map((_, j) => `c${j} ILIKE $1 ESCAPE '\\'`).join(' OR ')}`, values: [pattern] };
  }

  private decodeRow(entry: Kept, row: readonly DuckDBValue[]): Cell[] {
    return entry.columns.map((_, j) => decode((row[j] ?? null) as string | null, entry.kinds[j]!));
  }
}
