/**
 * Oracle binds: `:name` is Oracle's own syntax, so the text goes to the driver unchanged (its parser
 * knows q'[…]' quotes and the rest) and each placeholder gets a typed bind definition by name. Values
 * never enter the SQL text.
 */
import { rewritePlaceholders } from '../../../plugins/remark-runbook/syntax/sqlPlaceholders';
import type { BoundValue } from '../../../plugins/remark-runbook/syntax/params';

/** The driver's bind type objects; passed in so translation can be tested without the driver. */
export interface BindTypes {
  readonly DB_TYPE_DATE: unknown;
  readonly DB_TYPE_NUMBER: unknown;
  readonly DB_TYPE_VARCHAR: unknown;
}

export interface OracleBind {
  readonly type: unknown;
  readonly val: Date | number | string | null;
}

export function oracleBinds(text: string, binds: Readonly<Record<string, BoundValue>>, types: BindTypes): { text: string; binds: Record<string, OracleBind> } {
  const rewritten = rewritePlaceholders(text, 'colon-name');
  const out: Record<string, OracleBind> = {};
  for (const name of rewritten.order) out[name] = oracleBind(binds[name], types);
  return { text: rewritten.text, binds: out };
}

export function oracleBind(bound: BoundValue | undefined, types: BindTypes): OracleBind {
  if (!bound) return { type: types.DB_TYPE_VARCHAR, val: null };
  switch (bound.type) {
    // Both bind as DATE: our datetimes have whole seconds, and a TIMESTAMP bind compared with a DATE
    // column would convert the column (no index). A DATE bind against a TIMESTAMP column widens the bind.
    case 'date':
    case 'datetime':
      return { type: types.DB_TYPE_DATE, val: wallClock(bound.value) };
    case 'int':
    case 'number':
      return { type: types.DB_TYPE_NUMBER, val: bound.value };
    case 'string':
      return { type: types.DB_TYPE_VARCHAR, val: bound.value };
  }
}

/**
 * The driver encodes a DATE bind from the Date's *local* getters (getFullYear … getSeconds). A Date
 * built in local time cannot hold a wall-clock time that falls in a DST gap of the server's zone
 * (02:30 on a spring-forward night becomes 03:30), so this Date answers the local getters with its UTC
 * fields, which hold exactly the wall-clock time the runbook asked for, in any process time zone.
 */
class WallClockDate extends Date {
  override getFullYear(): number {
    return this.getUTCFullYear();
  }
  override getMonth(): number {
    return this.getUTCMonth();
  }
  override getDate(): number {
    return this.getUTCDate();
  }
  override getHours(): number {
    return this.getUTCHours();
  }
  override getMinutes(): number {
    return this.getUTCMinutes();
  }
  override getSeconds(): number {
    return this.getUTCSeconds();
  }
}

/** `YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS` (the forms params.ts produces) as a wall-clock Date. */
export function wallClock(text: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  if (!m) throw new TypeError(`not a date or datetime: ${text}`);
  const [y, mo, d, h, mi, s] = m.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const date = new WallClockDate(0);
  date.setUTCFullYear(y, mo - 1, d); // setUTCFullYear, unlike Date.UTC, keeps years 0-99 as written
  date.setUTCHours(h, mi, s, 0);
  return date;
}
