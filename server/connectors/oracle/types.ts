/**
 * Oracle type mapping: every cell leaves JSON-safe and exact.
 *
 * - NUMBER is fetched as text (it has 38 digits; a JS number has 15-17), with Oracle's `.5` written `0.5`.
 * - DATE and TIMESTAMP are fetched as text formatted by the session (see SESSION_SETUP), not as JS Dates:
 *   the driver builds a Date from DATE fields in the Node process's time zone, which cannot represent a
 *   wall-clock time that falls in a DST gap there, and drops sub-millisecond digits.
 * - CLOB/NCLOB arrive inline as strings, RAW as the server's hex text, BLOB and LONG RAW as hex.
 * - BINARY_FLOAT/BINARY_DOUBLE stay numbers (NaN and infinities become text), BOOLEAN stays boolean, JSON
 *   stays structured.
 */
import type { Cell, ColumnInfo } from '../../protocol';

/**
 * Run once on every new pooled session. ISO-like formats make the text deterministic whatever the
 * database's NLS defaults, and also make implicit conversions of '2026-11-08' or '2026-11-08 10:00:00'
 * strings in snippets work everywhere.
 */
export const SESSION_SETUP =
  "ALTER SESSION SET NLS_DATE_FORMAT = 'YYYY-MM-DD HH24:MI:SS'" +
  " NLS_TIMESTAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FF'" +
  " NLS_TIMESTAMP_TZ_FORMAT = 'YYYY-MM-DD HH24:MI:SS.FFTZH:TZM'" +
  " NLS_NUMERIC_CHARACTERS = '.,'";

/** Column metadata as the driver reports it (the fields this module reads). */
export interface OracleColumnMeta {
  readonly name: string;
  readonly dbTypeName?: string;
  readonly dbType?: { readonly columnTypeName?: string; readonly name?: string };
}

/** The driver's type objects this module requests; passed in so the mapping can be tested without it. */
export interface FetchTypes {
  readonly DB_TYPE_VARCHAR: unknown;
  readonly DB_TYPE_RAW: unknown;
}

/** Database types fetched as text by the server (or, for NUMBER, decoded to text by the driver). */
const AS_TEXT = new Set([
  'NUMBER', 'FLOAT', 'DATE', 'TIMESTAMP', 'TIMESTAMP WITH TIME ZONE', 'TIMESTAMP WITH LOCAL TIME ZONE',
  'CLOB', 'NCLOB', 'RAW', 'ROWID', 'UROWID',
]);

export function columnTypeName(meta: OracleColumnMeta): string {
  return meta.dbTypeName ?? meta.dbType?.columnTypeName ?? meta.dbType?.name ?? 'UNKNOWN';
}

/** The `fetchTypeHandler` for execute(): text for the types above, a Buffer for BLOB (LOB locators never leak). */
export function fetchTypeHandler(types: FetchTypes): (meta: OracleColumnMeta) => { type: unknown } | undefined {
  return (meta) => {
    const name = columnTypeName(meta);
    if (AS_TEXT.has(name)) return { type: types.DB_TYPE_VARCHAR };
    if (name === 'BLOB') return { type: types.DB_TYPE_RAW };
    return undefined;
  };
}

export function columnsOf(metaData: readonly OracleColumnMeta[]): ColumnInfo[] {
  return metaData.map((m) => ({ name: m.name, type: columnTypeName(m) }));
}

type Convert = (value: unknown) => Cell;

/** One converter per column, chosen once per result set rather than per cell. */
export function rowConverter(metaData: readonly OracleColumnMeta[]): (row: readonly unknown[]) => Cell[] {
  const converters: Convert[] = metaData.map((m) => {
    const name = columnTypeName(m);
    if (name === 'NUMBER' || name === 'FLOAT') return numberText;
    return jsonSafe;
  });
  return (row) => converters.map((convert, i) => convert(row[i]));
}

/** The driver writes 0.5 as ".5" and -0.5 as "-.5"; JSON consumers and people expect the leading zero. */
function numberText(value: unknown): Cell {
  if (typeof value !== 'string') return jsonSafe(value);
  if (value.startsWith('.')) return `0${value}`;
  if (value.startsWith('-.')) return `-0${value.slice(1)}`;
  return value;
}

export function jsonSafe(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  // RAW fetched as a Buffer (BLOB, LONG RAW): upper-case hex, as Oracle's RAWTOHEX and SQL*Plus show it.
  if (Buffer.isBuffer(value)) return value.toString('hex').toUpperCase();
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>, (v) => jsonSafe(v));
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (typeof value === 'object') {
    const out: Record<string, Cell> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = jsonSafe(v);
    return out;
  }
  return String(value);
}
