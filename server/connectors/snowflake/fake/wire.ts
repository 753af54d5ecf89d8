/**
 * DuckDB results in Snowflake's JSON result format (result version 1), as the Node driver reads it:
 * a `rowtype` per column and every cell as text — NUMBER as decimal text, DATE as days since the epoch,
 * TIME and TIMESTAMP_NTZ/LTZ as "seconds.nanoseconds", BOOLEAN as 1/0, BINARY as upper-case hex,
 * VARIANT/ARRAY/OBJECT as JSON text.
 */
import {
  BIGINT,
  VARCHAR,
  DuckDBDecimalType,
  DuckDBTypeId,
  JSDuckDBValueConverter,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';

export interface RowType {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
  readonly precision: number | null;
  readonly scale: number | null;
  readonly length: number | null;
  readonly byteLength: number | null;
  readonly database: string;
  readonly schema: string;
  readonly table: string;
  readonly collation: null;
}

type Cell = string | null;
type Encode = (value: DuckDBValue) => Cell;

const MAX_TEXT = 16_777_216;

export interface WireColumn {
  readonly rowType: RowType;
  readonly encode: Encode;
}

export function wireColumn(name: string, type: DuckDBType): WireColumn {
  const [sfType, encode, extra] = mapping(type);
  return {
    rowType: {
      name,
      type: sfType,
      nullable: true,
      precision: extra.precision ?? null,
      scale: extra.scale ?? null,
      length: extra.length ?? null,
      byteLength: extra.length ?? null,
      database: '',
      schema: '',
      table: '',
      collation: null,
    },
    encode: (v) => (v === null || v === undefined ? null : encode(v)),
  };
}

/** A column of fixed text (DML counts, statuses) for results that do not come from DuckDB. */
export function textColumn(name: string): RowType {
  return wireColumn(name, VARCHAR).rowType;
}

export function fixedColumn(name: string): RowType {
  return wireColumn(name, BIGINT).rowType;
}

type Extra = { precision?: number; scale?: number; length?: number };

function mapping(type: DuckDBType): [string, Encode, Extra] {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return ['boolean', (v) => (v ? '1' : '0'), {}];
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
    case DuckDBTypeId.BIGNUM:
      return ['fixed', (v) => String(v), { precision: 38, scale: 0 }];
    case DuckDBTypeId.DECIMAL: {
      const d = type as DuckDBDecimalType;
      return ['fixed', (v) => String(v), { precision: d.width, scale: d.scale }];
    }
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return ['real', (v) => realText(v as number), {}];
    case DuckDBTypeId.DATE:
      return ['date', (v) => String((v as { days: number }).days), {}];
    case DuckDBTypeId.TIME:
      return ['time', (v) => epochText((v as { micros: bigint }).micros * 1000n), { scale: 9 }];
    case DuckDBTypeId.TIMESTAMP:
      return ['timestamp_ntz', (v) => epochText((v as { micros: bigint }).micros * 1000n), { scale: 9, precision: 0 }];
    case DuckDBTypeId.TIMESTAMP_S:
      return ['timestamp_ntz', (v) => epochText((v as { seconds: bigint }).seconds * 1_000_000_000n), { scale: 9, precision: 0 }];
    case DuckDBTypeId.TIMESTAMP_MS:
      return ['timestamp_ntz', (v) => epochText((v as { millis: bigint }).millis * 1_000_000n), { scale: 9, precision: 0 }];
    case DuckDBTypeId.TIMESTAMP_NS:
      return ['timestamp_ntz', (v) => epochText((v as { nanos: bigint }).nanos), { scale: 9, precision: 0 }];
    // DuckDB's TIMESTAMPTZ is an instant, as Snowflake's TIMESTAMP_LTZ is.
    case DuckDBTypeId.TIMESTAMP_TZ:
      return ['timestamp_ltz', (v) => epochText((v as { micros: bigint }).micros * 1000n), { scale: 9, precision: 0 }];
    case DuckDBTypeId.BLOB:
      return ['binary', (v) => Buffer.from((v as { bytes: Uint8Array }).bytes).toString('hex').toUpperCase(), { length: 8_388_608 }];
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return ['array', (v) => json(v, type), { length: MAX_TEXT }];
    case DuckDBTypeId.STRUCT:
    case DuckDBTypeId.MAP:
      return ['object', (v) => json(v, type), { length: MAX_TEXT }];
    case DuckDBTypeId.VARIANT:
      return ['variant', (v) => json(v, type), { length: MAX_TEXT }];
    case DuckDBTypeId.VARCHAR:
      // DuckDB's JSON is VARCHAR with an alias; its text is already JSON.
      if (type.alias === 'JSON') return ['variant', (v) => String(v), { length: MAX_TEXT }];
      return ['text', (v) => String(v), { length: MAX_TEXT }];
    default:
      return ['text', (v) => String(v), { length: MAX_TEXT }];
  }
}

function realText(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  return String(n);
}

/** Nanoseconds since the epoch as "seconds.fraction", the fraction always non-negative. */
function epochText(nanos: bigint): string {
  const billion = 1_000_000_000n;
  let seconds = nanos / billion;
  let fraction = nanos % billion;
  if (fraction < 0n) {
    seconds -= 1n;
    fraction += billion;
  }
  return `${seconds}.${fraction.toString().padStart(9, '0')}`;
}

/** Nested values as Snowflake prints them: numbers stay numbers (big ones text), times ISO text. */
function json(value: DuckDBValue, type: DuckDBType): string {
  return JSON.stringify(JSDuckDBValueConverter(value, type, JSDuckDBValueConverter), (_key, v: unknown) =>
    typeof v === 'bigint' ? (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()) : v,
  );
}
