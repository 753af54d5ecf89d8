/**
 * The ecommerce pipeline's daily extract files in the demo S3: one CSV per source table and data day at
 * s3://ecomm-data/ecomm_db_extracts/daily_extracts/<table>/<day>/<table>_<yyyymmdd>.csv, written by the Airflow
 * sandbox's extract task and read by the DLT bronze load (Airflow's run_dlt_pipeline or the demo Databricks).
 * The bucket is the only record of an extract: whether it is there, empty, how big and when is what S3 says.
 */
import type { Warehouse } from '../airflow/warehouse';
import type { LocalS3 } from './server';

export const EXTRACT_BUCKET = 'ecomm-data';
const PREFIX = 'ecomm_db_extracts/daily_extracts/';
export const EXTRACT_TABLES = ['orders', 'order_items', 'customers', 'products'] as const;
export type ExtractTable = (typeof EXTRACT_TABLES)[number];

/** The days of history the demo S3 starts with (the recent ones runbooks look at). */
const SEEDED_DAYS = 14;

export function extractKey(table: string, day: string): string {
  return `${PREFIX}${table}/${day}/${table}_${day.replace(/-/g, '')}.csv`;
}

export function extractUri(table: string, day: string): string {
  return `s3://${EXTRACT_BUCKET}/${extractKey(table, day)}`;
}

/** One extract file: its header (the table's columns) and its rows, every value as text, NULL as an empty field. */
export interface ExtractFile {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly (string | null)[])[];
}

const quote = (v: string | null) => (v === null ? '' : /[",\r\n]/.test(v) || v === '' ? `"${v.replace(/"/g, '""')}"` : v);

/** RFC 4180 text; a file with no rows is empty (0 bytes), as the export writes when the window has nothing. */
export function toCsv(file: ExtractFile): string {
  if (file.rows.length === 0) return '';
  return [file.columns.map(quote).join(','), ...file.rows.map((r) => r.map(quote).join(','))].map((l) => `${l}\n`).join('');
}

/** The inverse of toCsv: an unquoted empty field is NULL, a quoted one is ''. */
export function parseCsv(text: string): ExtractFile {
  const records: (string | null)[][] = [];
  let record: (string | null)[] = [];
  let i = 0;
  while (i < text.length) {
    let value: string | null;
    if (text[i] === '"') {
      let v = '';
      i += 1;
      for (;;) {
        const end = text.indexOf('"', i);
        if (end < 0) throw new Error('unterminated quoted field in the extract');
        v += text.slice(i, end);
        i = end + 1;
        if (text[i] === '"') {
          v += '"';
          i += 1;
        } else break;
      }
      value = v;
    } else {
      let end = i;
      while (end < text.length && text[end] !== ',' && text[end] !== '\n' && text[end] !== '\r') end += 1;
      value = end === i ? null : text.slice(i, end);
      i = end;
    }
    record.push(value);
    if (text[i] === ',') {
      i += 1;
      continue;
    }
    if (text[i] === '\r') i += 1;
    if (text[i] === '\n') i += 1;
    records.push(record);
    record = [];
  }
  const [header, ...rows] = records;
  return { columns: (header ?? []).map((c) => c ?? ''), rows };
}

/** The extract files of the demo S3, through the S3 API (real PutObject / GetObject / ListObjectsV2 calls). */
export interface ExtractBucket {
  write(table: string, day: string, body: string): Promise<void>;
  /** The file's text, or null when the day has no file for the table. */
  read(table: string, day: string): Promise<string | null>;
  /** Every object under the day's prefixes, with its body (a training fault keeps them to put back). */
  dayObjects(day: string): Promise<Map<string, string>>;
  /** Deletes every file of the day. */
  removeDay(day: string): Promise<void>;
  put(key: string, body: string): Promise<void>;
  /** The data days that have at least one file, oldest first. */
  days(): Promise<string[]>;
}

export function extractBucket(s3: LocalS3): ExtractBucket {
  const dayKeys = async (day: string) => {
    const keys: string[] = [];
    for (const t of EXTRACT_TABLES) keys.push(...(await s3.keys(EXTRACT_BUCKET, `${PREFIX}${t}/${day}/`)).keys());
    return keys;
  };
  return {
    write: (table, day, body) => s3.put(EXTRACT_BUCKET, extractKey(table, day), body),
    read: (table, day) => s3.get(EXTRACT_BUCKET, extractKey(table, day)),
    async dayObjects(day) {
      const found = new Map<string, string>();
      for (const key of await dayKeys(day)) found.set(key, (await s3.get(EXTRACT_BUCKET, key)) ?? '');
      return found;
    },
    async removeDay(day) {
      for (const key of await dayKeys(day)) await s3.remove(EXTRACT_BUCKET, key);
    },
    put: (key, body) => s3.put(EXTRACT_BUCKET, key, body),
    async days() {
      const days = new Set<string>();
      for (const key of (await s3.keys(EXTRACT_BUCKET, PREFIX)).keys()) {
        const m = /^[^/]+\/[^/]+\/[^/]+\/(\d{4}-\d{2}-\d{2})\//.exec(key);
        if (m) days.add(m[1]!);
      }
      return [...days].sort();
    },
  };
}

/** Bronze's own columns, not the file's. */
const BRONZE_META = ['_rescued_data', '_source_file', '_ingested_at', '_execution_date'];

/**
 * The files bronze was loaded from, for the recent days that have none in S3 yet: what the demo S3 holds when
 * it starts (or after the demo warehouse rolls to a new day). Each file is rebuilt from bronze's own lineage
 * (`_source_file`): the rows loaded from it, their known columns and the ones rescued into `_rescued_data`.
 * A day that already has a file is left as it is: the pipeline wrote it.
 */
export async function seedExtractsFromBronze(warehouse: Warehouse, bucket: ExtractBucket): Promise<number> {
  const have = new Set(await bucket.days());
  let written = 0;
  for (const t of EXTRACT_TABLES) {
    const columns = (
      await warehouse.query(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'ecomm_bronze' AND table_name = :t ORDER BY ordinal_position`,
        { t: `${t}_raw` },
      )
    ).map((r) => String(r.column_name)).filter((c) => !BRONZE_META.includes(c));
    const days = (
      await warehouse.query(
        `SELECT DISTINCT strftime(_execution_date, '%Y-%m-%d') AS d FROM ecomm_bronze.${t}_raw
         WHERE _execution_date > (SELECT max(_execution_date) FROM ecomm_bronze.${t}_raw) - ${SEEDED_DAYS} ORDER BY d`,
      )
    ).map((r) => String(r.d)).filter((d) => !have.has(d));
    for (const day of days) {
      const rows = await warehouse.query(
        `SELECT ${columns.map((c) => `CAST(${c} AS VARCHAR) AS ${c}`).join(', ')}, CAST(_rescued_data AS VARCHAR) AS _rescued_data
         FROM ecomm_bronze.${t}_raw WHERE _execution_date = CAST(:d AS DATE) ORDER BY _ingested_at, rowid`,
        { d: day },
      );
      // A column that night's file had but bronze only rescued is a column of the file.
      const rescued = [...new Set(rows.flatMap((r) => (r._rescued_data == null ? [] : Object.keys(JSON.parse(String(r._rescued_data)) as object))))];
      const text = (v: unknown) => (v == null ? null : String(v));
      const file: ExtractFile = {
        columns: [...columns, ...rescued],
        rows: rows.map((r) => {
          const extra = r._rescued_data == null ? {} : (JSON.parse(String(r._rescued_data)) as Record<string, unknown>);
          return [...columns.map((c) => text(r[c])), ...rescued.map((c) => text(extra[c]))];
        }),
      };
      await bucket.write(t, day, toCsv(file));
      written += 1;
    }
  }
  return written;
}
