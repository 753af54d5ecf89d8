/**
 * Evaluates one parsed condition against what a check's SQL returned and the check's history. Three
 * outcomes: holds, does not hold, or cannot be decided — no data to measure, or not enough history for a
 * baseline yet. The verdict (verdict.ts) decides what an undecided condition means for warn, error and expect.
 */
import type { Condition, Expr } from '../../plugins/remark-runbook/syntax/condition';
import { formatDuration } from '../../plugins/remark-runbook/syntax/duration';
import { mean, relativeChange, windowValues, zscore, type HistoryPoint } from './baseline';

/** What the check's statement returned: enough to measure rows, values, columns and ages. */
export interface Observation {
  readonly rowCount: number;
  readonly columns: readonly string[];
  /** The first row's cells in column order; undefined when no row came back. */
  readonly firstRow: readonly unknown[] | undefined;
  /**
   * Every row returned (up to the run's row cap), for count(…): a system or Airflow block's grid is small and is
   * its whole result. Absent for SQL, whose checks count in their query.
   */
  readonly rows?: readonly (readonly unknown[])[];
}

export interface EvalContext {
  readonly observation: Observation;
  /** The check's recorded results, newest first (it may include earlier runs of the same business date). */
  readonly history: readonly HistoryPoint[];
  readonly businessDate: string | null;
  readonly now: Date;
}

export type Unknown = { readonly unknown: 'no-data' | 'no-history'; readonly why: string };
type Num = number | Unknown;
export type Truth = boolean | Unknown;

const isUnknown = (v: Num | Truth): v is Unknown => typeof v === 'object';

/** A cell as a number: bigint and decimal travel as strings, booleans count 0/1. */
export function numericCell(cell: unknown): number | null {
  if (typeof cell === 'number') return Number.isFinite(cell) ? cell : null;
  if (typeof cell === 'bigint') return Number(cell);
  if (typeof cell === 'boolean') return Number(cell);
  if (typeof cell === 'string' && cell.trim() !== '' && Number.isFinite(Number(cell))) return Number(cell);
  return null;
}

/** Seconds since a timestamp cell (ISO text or Date); null when the cell is no timestamp. */
export function secondsSince(cell: unknown, now: Date): number | null {
  if (cell instanceof Date) return (now.getTime() - cell.getTime()) / 1000;
  if (typeof cell !== 'string') return null;
  // Warehouse timestamps without a zone are UTC (the demo and the runbooks store them so).
  const iso = cell.includes(' ') && !cell.includes('T') ? cell.replace(' ', 'T') : cell;
  const zoned = /([zZ]|[+-]\d{2}:?\d{2})$/.test(iso) || /^\d{4}-\d{2}-\d{2}$/.test(iso) ? iso : `${iso}Z`;
  const t = Date.parse(zoned);
  return Number.isNaN(t) ? null : (now.getTime() - t) / 1000;
}

export class ConditionEvaluator {
  /** What each measured term came to, in the order met: the detail line an operator reads. */
  readonly facts: string[] = [];
  /** The first measured quantity (value, rows, a column, an age): what the history records. */
  measured: number | null = null;
  /** The first measured quantity as an operator reads it (an age as a duration, not seconds). */
  measuredText: string | null = null;

  constructor(private readonly ctx: EvalContext) {}

  condition(c: Condition): Truth {
    if (c.kind === 'compare') {
      if (c.left.kind === 'text' || c.right.kind === 'text') return this.textCompare(c);
      const l = this.expr(c.left);
      const r = this.expr(c.right);
      if (isUnknown(l)) return l;
      if (isUnknown(r)) return r;
      return compare(l, c.op, r);
    }
    const parts = c.parts.map((p) => this.condition(p));
    const decisive = c.kind === 'and' ? false : true;
    if (parts.includes(decisive)) return decisive;
    const unknowns = parts.filter(isUnknown);
    return unknowns.find((u) => u.unknown === 'no-data') ?? unknowns[0] ?? !decisive;
  }

  /** column = 'text' (or !=) on the row judged: as text, case and surrounding blanks aside. */
  private textCompare(c: Extract<Condition, { kind: 'compare' }>): Truth {
    const [column, text] = c.left.kind === 'text' ? [c.right, c.left] : [c.left, c.right];
    if (column.kind !== 'column' || text.kind !== 'text') return { unknown: 'no-data', why: 'text compares with a column only' };
    const { columns, firstRow } = this.ctx.observation;
    if (!columns.some((n) => n.toLowerCase() === column.name.toLowerCase())) {
      return this.unknownNote(column.name, { unknown: 'no-data', why: `the result has no column "${column.name}" (columns: ${columns.join(', ') || 'none'})` });
    }
    if (!firstRow) return this.unknownNote(column.name, { unknown: 'no-data', why: 'no rows returned' });
    const cell = this.cell(column.name);
    this.note(`${column.name} ${cell === null || cell === undefined ? 'empty (null)' : JSON.stringify(String(cell))}`);
    const equal = cell !== null && cell !== undefined && String(cell).trim().toLowerCase() === text.value.trim().toLowerCase();
    return c.op === '=' ? equal : c.op === '!=' ? !equal : { unknown: 'no-data', why: `text compares with = or != only` };
  }

  private unknownNote(label: string, u: Unknown): Unknown {
    this.note(`${label}: ${u.why}`);
    return u;
  }

  private measure(label: string, v: Num, format: (n: number) => string = formatNumber): Num {
    if (!isUnknown(v)) {
      if (this.measured === null) {
        this.measured = v;
        // Plain numbers are formatted by the page; a unit of its own (an age) is said here.
        this.measuredText = format !== formatNumber && Number.isFinite(v) ? format(v) : null;
      }
      this.note(`${label} ${format(v)}`);
    } else this.note(`${label}: ${v.why}`);
    return v;
  }

  private note(fact: string): void {
    if (!this.facts.includes(fact)) this.facts.push(fact);
  }

  private cell(name: string): unknown {
    const { columns, firstRow } = this.ctx.observation;
    const i = columns.findIndex((c) => c.toLowerCase() === name.toLowerCase());
    if (i < 0) return undefined;
    return firstRow?.[i];
  }

  expr(e: Expr): Num {
    const { observation, history, businessDate, now } = this.ctx;
    switch (e.kind) {
      case 'number':
        return e.value;
      case 'text':
        return { unknown: 'no-data', why: `'${e.value}' is text, not a number` };
      case 'count': {
        const label = `count(${e.text})`;
        if (!observation.rows) return this.measure(label, { unknown: 'no-data', why: 'count(…) reads every row of a system block\'s result; a SQL check counts in its query' });
        // Each row judged on its own, as if it were the only row: its columns are the condition's columns.
        const n = observation.rows.filter((row) => new ConditionEvaluator({ ...this.ctx, observation: { rowCount: 1, columns: observation.columns, firstRow: row } }).condition(e.where) === true).length;
        return this.measure(`${label} of ${observation.rows.length} row${observation.rows.length === 1 ? '' : 's'}`, n);
      }
      case 'rows':
        return this.measure('rows', observation.rowCount);
      case 'value': {
        if (!observation.firstRow) return this.measure('value', { unknown: 'no-data', why: 'no rows returned' });
        const n = numericCell(observation.firstRow[0]);
        return this.measure('value', n ?? { unknown: 'no-data', why: `${JSON.stringify(observation.firstRow[0])} is not a number` });
      }
      case 'column': {
        if (!observation.columns.some((c) => c.toLowerCase() === e.name.toLowerCase())) {
          return this.measure(e.name, { unknown: 'no-data', why: `the result has no column "${e.name}" (columns: ${observation.columns.join(', ') || 'none'})` });
        }
        if (!observation.firstRow) return this.measure(e.name, { unknown: 'no-data', why: 'no rows returned' });
        const n = numericCell(this.cell(e.name));
        return this.measure(e.name, n ?? { unknown: 'no-data', why: this.cell(e.name) === null ? 'empty (null)' : 'not a number' });
      }
      case 'age': {
        // Never loaded is as stale as can be: a freshness check must fail on no data, not shrug.
        const cell = observation.firstRow ? this.cell(e.column) : null;
        if (observation.firstRow && !observation.columns.some((c) => c.toLowerCase() === e.column.toLowerCase())) {
          return this.measure(`age(${e.column})`, { unknown: 'no-data', why: `the result has no column "${e.column}"` });
        }
        const s = cell === null || cell === undefined ? Infinity : secondsSince(cell, now);
        return this.measure(`age(${e.column})`, s ?? { unknown: 'no-data', why: `${JSON.stringify(cell)} is not a timestamp` }, formatDuration);
      }
      case 'previous': {
        const [v] = windowValues(history, businessDate, { size: 1, unit: 'runs' });
        return this.measure('previous', v ?? { unknown: 'no-history', why: 'no earlier result yet' });
      }
      case 'aggregate': {
        const values = windowValues(history, businessDate, e.window);
        const label = `${e.fn}(${e.window.size} ${e.window.unit})`;
        if (values.length === 0) return this.measure(label, { unknown: 'no-history', why: `no results in the last ${e.window.size} ${e.window.unit} yet` });
        const v = e.fn === 'avg' ? mean(values) : e.fn === 'min' ? Math.min(...values) : Math.max(...values);
        return this.measure(`${label} over ${values.length}`, v);
      }
      case 'zscore': {
        const values = windowValues(history, businessDate, e.window);
        const label = `zscore(${e.window.size} ${e.window.unit})`;
        if (values.length < e.min) return this.measure(label, { unknown: 'no-history', why: `${values.length} of the ${e.min} past results it needs` });
        const current = this.expr({ kind: 'value' });
        if (isUnknown(current)) return current;
        return this.measure(label, zscore(current, values), (n) => n.toFixed(2));
      }
      case 'change': {
        const of = this.expr(e.of);
        const from = this.expr(e.from);
        if (isUnknown(of)) return of;
        if (isUnknown(from)) return from;
        const change = relativeChange(of, from);
        const v = e.absolute ? Math.abs(change) : change;
        this.note(`${e.absolute ? 'deviation' : 'change'} ${formatPercent(v)}`);
        return v;
      }
      case 'abs':
      case 'negate': {
        const v = this.expr(e.of);
        if (isUnknown(v)) return v;
        return e.kind === 'abs' ? Math.abs(v) : -v;
      }
      case 'binary': {
        const l = this.expr(e.left);
        const r = this.expr(e.right);
        if (isUnknown(l)) return l;
        if (isUnknown(r)) return r;
        return e.op === '+' ? l + r : e.op === '-' ? l - r : e.op === '*' ? l * r : l / r;
      }
    }
  }
}

function compare(a: number, op: string, b: number): boolean {
  // Ratios and averages are floats: equality within a relative hair, so 0.1 + 0.2 = 0.3 holds.
  const eq = a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  switch (op) {
    case '=':
      return eq;
    case '!=':
      return !eq;
    case '>':
      return a > b && !eq;
    case '>=':
      return a > b || eq;
    case '<':
      return a < b && !eq;
    default:
      return a < b || eq;
  }
}

export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? '∞' : '-∞';
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 1000) / 1000);
}

export function formatPercent(ratio: number): string {
  if (!Number.isFinite(ratio)) return ratio > 0 ? '+∞ %' : '-∞ %';
  return `${(ratio * 100).toFixed(1)} %`;
}

