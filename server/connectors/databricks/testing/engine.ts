/**
 * Where the contract fake's statements run: an embedded DuckDB, so real SQL returns real rows. Named
 * markers (:name) become typed DuckDB parameters (CAST($name AS type)), results come back as Databricks'
 * JSON_ARRAY text with Databricks' type names, INSERT/UPDATE/DELETE answer num_affected_rows as Delta
 * does, and a read-only principal's statement runs in a READ ONLY transaction, so a write is refused by
 * the engine and reported the way Unity Catalog reports a missing MODIFY grant.
 */
import { DuckDBInstance, DuckDBTypeId, StatementType, type DuckDBType } from '@duckdb/node-api';
import { findPlaceholders } from '../../../../plugins/remark-runbook/syntax/sqlPlaceholders';
import { duckTypeOf, type ExecuteBody } from './requests';

export interface FakeColumn {
  readonly name: string;
  readonly position: number;
  readonly type_name: string;
  readonly type_text: string;
  readonly type_precision?: number;
  readonly type_scale?: number;
}

export interface FakeResult {
  readonly columns: readonly FakeColumn[];
  readonly rows: readonly (readonly (string | null)[])[];
}

/** A statement Databricks would report FAILED. */
export class FakeFailure extends Error {
  constructor(
    message: string,
    readonly sqlState: string,
    readonly errorCode = 'BAD_REQUEST',
  ) {
    super(message);
  }
}

export class FakeEngine {
  private constructor(private readonly instance: DuckDBInstance) {}

  static async create(setup: readonly string[]): Promise<FakeEngine> {
    const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    const connection = await instance.connect();
    try {
      for (const statement of setup) await connection.run(statement);
      await connection.run('SET enable_external_access = false');
    } finally {
      connection.closeSync();
    }
    return new FakeEngine(instance);
  }

  async execute(body: ExecuteBody, readOnly: boolean): Promise<FakeResult> {
    const { sql, values } = bindMarkers(body);
    const connection = await this.instance.connect();
    try {
      await connection.run(readOnly ? 'BEGIN TRANSACTION READ ONLY' : 'BEGIN TRANSACTION');
      try {
        const prepared = await connection.prepare(sql);
        if (Object.keys(values).length) prepared.bind(values);
        const reader = await prepared.runAndReadAll();
        const type = prepared.statementType;
        await connection.run(readOnly ? 'ROLLBACK' : 'COMMIT');
        if (type === StatementType.INSERT || type === StatementType.UPDATE || type === StatementType.DELETE) {
          const n = String(reader.getRowsJson()[0]?.[0] ?? 0);
          const long = (name: string, position: number): FakeColumn => ({ name, position, type_name: 'LONG', type_text: 'bigint' });
          return type === StatementType.INSERT
            ? { columns: [long('num_affected_rows', 0), long('num_inserted_rows', 1)], rows: [[n, n]] }
            : { columns: [long('num_affected_rows', 0)], rows: [[n]] };
        }
        const types = reader.columnTypes();
        const columns = reader.columnNames().map((name, i) => column(name, i, types[i]!));
        const rows = reader.getRowsJson().map((row) => row.map((v, i) => text(v, types[i]!)));
        return { columns, rows };
      } catch (error) {
        await connection.run('ROLLBACK').catch(() => undefined);
        throw error;
      }
    } catch (error) {
      if (error instanceof FakeFailure) throw error;
      const message = error instanceof Error ? error.message : String(error);
      if (readOnly && /read-only|read only/i.test(message)) {
        throw new FakeFailure('[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have MODIFY on Table. SQLSTATE: 42501', '42501', 'PERMISSION_DENIED');
      }
      if (/Catalog Error: Table .* does not exist/i.test(message)) {
        throw new FakeFailure(`[TABLE_OR_VIEW_NOT_FOUND] The table or view cannot be found. ${message.split('\n')[0]} SQLSTATE: 42P01`, '42P01');
      }
      if (/Parser Error/i.test(message)) throw new FakeFailure(`[PARSE_SYNTAX_ERROR] Syntax error. ${message.split('\n')[0]} SQLSTATE: 42601`, '42601');
      throw new FakeFailure(message.split('\n')[0]!, 'XX000');
    } finally {
      connection.closeSync();
    }
  }

  close(): void {
    this.instance.closeSync();
  }
}

/** `:name` markers as typed DuckDB parameters; a marker without a parameter fails as Databricks fails it. */
function bindMarkers(body: ExecuteBody): { sql: string; values: Record<string, string | null> } {
  const given = new Map((body.parameters ?? []).map((p) => [p.name, p]));
  let sql = '';
  let last = 0;
  const values: Record<string, string | null> = {};
  for (const marker of findPlaceholders(body.statement)) {
    const p = given.get(marker.name);
    if (!p) throw new FakeFailure(`[UNBOUND_SQL_PARAMETER] Found the unbound parameter: ${marker.name}. Please, fix \`args\` and provide a mapping of the parameter to either a SQL literal or collection constructor functions. SQLSTATE: 42P02`, '42P02');
    sql += `${body.statement.slice(last, marker.offset)}CAST($${marker.name} AS ${duckTypeOf(p.type)!})`;
    last = marker.offset + 1 + marker.name.length;
    values[marker.name] = p.value ?? null;
  }
  return { sql: sql + body.statement.slice(last), values };
}

function column(name: string, position: number, type: DuckDBType): FakeColumn {
  const base = { name, position };
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return { ...base, type_name: 'BOOLEAN', type_text: 'boolean' };
    case DuckDBTypeId.TINYINT:
      return { ...base, type_name: 'BYTE', type_text: 'tinyint' };
    case DuckDBTypeId.SMALLINT:
      return { ...base, type_name: 'SHORT', type_text: 'smallint' };
    case DuckDBTypeId.INTEGER:
      return { ...base, type_name: 'INT', type_text: 'int' };
    case DuckDBTypeId.BIGINT:
      return { ...base, type_name: 'LONG', type_text: 'bigint' };
    case DuckDBTypeId.HUGEINT:
      return { ...base, type_name: 'DECIMAL', type_text: 'decimal(38,0)', type_precision: 38, type_scale: 0 };
    case DuckDBTypeId.FLOAT:
      return { ...base, type_name: 'FLOAT', type_text: 'float' };
    case DuckDBTypeId.DOUBLE:
      return { ...base, type_name: 'DOUBLE', type_text: 'double' };
    case DuckDBTypeId.DECIMAL: {
      const { width, scale } = type as DuckDBType & { width: number; scale: number };
      return { ...base, type_name: 'DECIMAL', type_text: `decimal(${width},${scale})`, type_precision: width, type_scale: scale };
    }
    case DuckDBTypeId.DATE:
      return { ...base, type_name: 'DATE', type_text: 'date' };
    case DuckDBTypeId.TIMESTAMP:
      return { ...base, type_name: 'TIMESTAMP_NTZ', type_text: 'timestamp_ntz' };
    case DuckDBTypeId.TIMESTAMP_TZ:
      return { ...base, type_name: 'TIMESTAMP', type_text: 'timestamp' };
    case DuckDBTypeId.BLOB:
      return { ...base, type_name: 'BINARY', type_text: 'binary' };
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return { ...base, type_name: 'ARRAY', type_text: 'array' };
    case DuckDBTypeId.STRUCT:
      return { ...base, type_name: 'STRUCT', type_text: 'struct' };
    case DuckDBTypeId.MAP:
      return { ...base, type_name: 'MAP', type_text: 'map' };
    default:
      return { ...base, type_name: 'STRING', type_text: 'string' };
  }
}

/** A value as JSON_ARRAY text: ISO timestamps (Z for zoned ones), nested values as JSON. */
function text(value: unknown, type: DuckDBType): string | null {
  if (value === null || value === undefined) return null;
  if (type.typeId === DuckDBTypeId.TIMESTAMP) return String(value).replace(' ', 'T');
  if (type.typeId === DuckDBTypeId.TIMESTAMP_TZ) return new Date(String(value).replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00')).toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
