/**
 * PostgreSQL type mapping: values arrive JSON-safe. int8 and numeric stay text (pg's default, and the
 * protocol's rule for bigint/decimal); dates and timestamps stay PostgreSQL's own text instead of
 * becoming JS Dates in the server's time zone; bytea becomes \x-hex text; json and arrays parse.
 */
import pg from 'pg';

const AS_TEXT = new Set([1082 /* date */, 1083 /* time */, 1114 /* timestamp */, 1184 /* timestamptz */, 1266 /* timetz */, 1186 /* interval */]);
const BYTEA = 17;

export const jsonSafeTypes = {
  getTypeParser(oid: number, format?: string): (value: string) => unknown {
    if (AS_TEXT.has(oid)) return (v: string) => v;
    if (oid === BYTEA) return (v: string) => v; // PostgreSQL sends bytea as \x… hex text already
    return pg.types.getTypeParser(oid, (format ?? 'text') as 'text');
  },
};

/** Common type names by OID, for the grid's column headers; others show their OID. */
const NAMES: Readonly<Record<number, string>> = {
  16: 'BOOLEAN', 17: 'BYTEA', 20: 'BIGINT', 21: 'SMALLINT', 23: 'INTEGER', 25: 'TEXT', 114: 'JSON', 700: 'REAL', 701: 'DOUBLE PRECISION',
  1042: 'CHAR', 1043: 'VARCHAR', 1082: 'DATE', 1083: 'TIME', 1114: 'TIMESTAMP', 1184: 'TIMESTAMPTZ', 1186: 'INTERVAL', 1700: 'NUMERIC',
  2950: 'UUID', 3802: 'JSONB', 1000: 'BOOLEAN[]', 1005: 'SMALLINT[]', 1007: 'INTEGER[]', 1016: 'BIGINT[]', 1009: 'TEXT[]', 1015: 'VARCHAR[]',
  1231: 'NUMERIC[]', 1182: 'DATE[]', 1115: 'TIMESTAMP[]', 1185: 'TIMESTAMPTZ[]', 199: 'JSON[]', 3807: 'JSONB[]', 19: 'NAME', 26: 'OID', 18: 'CHAR',
};

export function typeName(oid: number): string {
  return NAMES[oid] ?? `OID ${oid}`;
}

/** Cells as the protocol wants them: anything pg parsed to a Buffer or Date becomes text. */
export function jsonSafe(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  return value;
}

/** Scalar types whose parsed value is already JSON-safe; everything else (arrays, unknown OIDs) is converted. */
const SAFE_SCALARS = new Set([16, 17, 18, 19, 20, 21, 23, 25, 26, 114, 700, 701, 1042, 1043, 1082, 1083, 1114, 1184, 1186, 1266, 1700, 2950, 3802]);

export function needsConversion(oid: number): boolean {
  return !SAFE_SCALARS.has(oid);
}
