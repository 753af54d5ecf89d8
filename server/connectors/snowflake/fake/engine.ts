/**
 * Where the fake's queries run: an embedded DuckDB, so real SQL returns real rows. Each query gets
 * its own DuckDB connection (so a cancel or a timeout interrupts just that one), read-only roles run
 * inside a READ ONLY transaction (DuckDB refuses the write, the fake answers as Snowflake's RBAC would),
 * and STATEMENT_TIMEOUT_IN_SECONDS is enforced like the server does.
 */
import { DuckDBInstance, StatementType, type DuckDBConnection } from '@duckdb/node-api';
import type { FakeSession, FakeUser } from './auth';
import { applyUse, extractWaits, parseCommand, sessionFunctions, snowflakeCompat } from './commands';
import { bind } from './binds';
import { failures, fromDuckDB, type SfFailure } from './errors';
import { FakeQuery } from './query';
import { fixedColumn, textColumn, wireColumn, type RowType } from './wire';

export interface QueryBody {
  readonly sqlText?: string;
  readonly bindings?: Readonly<Record<string, { readonly type: string; readonly value: string | null }>>;
  readonly parameters?: Readonly<Record<string, string | number | boolean>>;
}

export { FakeQuery } from './query';

export interface QueryResult {
  readonly rowtype: readonly RowType[];
  readonly rows: readonly (readonly (string | null)[])[];
  readonly statementTypeId: number;
}

const DEFAULT_TIMEOUT_S = 172_800;
const KEEP_QUERIES = 200;

/**
 * Enough Snowflake in DuckDB for runbook snippets written for Snowflake: its timestamp type names (so
 * CAST(? AS TIMESTAMP_NTZ) runs unchanged) and a few everyday functions. Bare date parts —
 * DATEADD(day, …) — are quoted by snowflakeCompat() in commands.ts. The SQL is DuckDB's otherwise.
 */
const num = (t: string) => `CAST(n AS ${t})`;
const COMPAT: readonly string[] = [
  'CREATE TYPE TIMESTAMP_NTZ AS TIMESTAMP',
  'CREATE TYPE TIMESTAMP_LTZ AS TIMESTAMPTZ',
  'CREATE TYPE TIMESTAMP_TZ AS TIMESTAMPTZ',
  ...['dateadd', 'timestampadd'].map(
    (name) =>
      `CREATE OR REPLACE MACRO ${name}(part, n, d) AS d + CASE lower(part) WHEN 'year' THEN to_years(${num('INTEGER')}) WHEN 'quarter' THEN to_months(${num('INTEGER')} * 3) ` +
      `WHEN 'month' THEN to_months(${num('INTEGER')}) WHEN 'week' THEN to_days(${num('INTEGER')} * 7) WHEN 'day' THEN to_days(${num('INTEGER')}) ` +
      `WHEN 'hour' THEN to_hours(${num('BIGINT')}) WHEN 'minute' THEN to_minutes(${num('BIGINT')}) ELSE to_seconds(${num('BIGINT')}) END`,
  ),
  'CREATE OR REPLACE MACRO iff(c, a, b) AS CASE WHEN c THEN a ELSE b END',
  'CREATE OR REPLACE MACRO nvl(a, b) AS coalesce(a, b)',
  'CREATE OR REPLACE MACRO zeroifnull(a) AS coalesce(a, 0)',
  'CREATE OR REPLACE MACRO to_varchar(a) AS CAST(a AS VARCHAR)',
  'CREATE OR REPLACE MACRO sysdate() AS CAST(now() AT TIME ZONE \'UTC\' AS TIMESTAMP)',
];
const STATEMENT_TYPE_IDS: Partial<Record<StatementType, number>> = {
  [StatementType.SELECT]: 0x1000,
  [StatementType.EXPLAIN]: 0x1000,
  [StatementType.INSERT]: 0x3100,
  [StatementType.UPDATE]: 0x3200,
  [StatementType.DELETE]: 0x3300,
  [StatementType.MERGE_INTO]: 0x3400,
};

export class FakeEngine {
  private readonly queries = new Map<string, FakeQuery>();
  private readonly byRequest = new Map<string, FakeQuery>();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly users: readonly FakeUser[],
    private readonly readOnlyRoles: ReadonlySet<string>,
  ) {}

  static async create(file: string, setup: readonly string[], users: readonly FakeUser[], readOnlyRoles: readonly string[]): Promise<FakeEngine> {
    const instance = await DuckDBInstance.create(file, { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    const connection = await instance.connect();
    try {
      for (const statement of COMPAT) await connection.run(statement).catch(() => undefined); // present already in a reused file
      for (const statement of setup) await connection.run(statement);
      // Set after the seed: snippets run against the fake must not reach the file system.
      await connection.run("SET enable_external_access = false");
    } finally {
      connection.closeSync();
    }
    return new FakeEngine(instance, users, new Set(readOnlyRoles.map((r) => r.toUpperCase())));
  }

  find(id: string): FakeQuery | undefined {
    return this.queries.get(id);
  }

  findByRequest(requestId: string): FakeQuery | undefined {
    return this.byRequest.get(requestId);
  }

  start(session: FakeSession, body: QueryBody, requestId: string): FakeQuery {
    const query = new FakeQuery(requestId, session, body.sqlText ?? '');
    this.queries.set(query.id, query);
    this.byRequest.set(requestId, query);
    // Results stay fetchable for a while, not for ever: a long e2e run must not grow without bound.
    for (const [id, old] of this.queries) {
      if (this.queries.size <= KEEP_QUERIES || old.status === 'RUNNING') break;
      this.queries.delete(id);
      this.byRequest.delete(old.requestId);
    }
    const seconds = timeoutSeconds(session, body);
    const timer = setTimeout(() => query.stop('timeout'), seconds * 1000);
    void this.execute(query, body)
      .then(
        (result) => (query.stoppedBy ? query.end(null, stoppedFailure(query, seconds)) : query.end(result, null)),
        (error: unknown) => query.end(null, query.stoppedBy ? stoppedFailure(query, seconds) : toFailure(error, query.sqlText, this.isReadOnly(session))),
      )
      .finally(() => clearTimeout(timer));
    return query;
  }

  close(): void {
    for (const q of this.queries.values()) q.stop('cancel');
    this.instance.closeSync();
  }

  private isReadOnly(session: FakeSession): boolean {
    return this.readOnlyRoles.has(session.role);
  }

  private async execute(query: FakeQuery, body: QueryBody): Promise<QueryResult> {
    const session = query.session;
    const command = parseCommand(query.sqlText);
    if (command.kind === 'alter-session') {
      for (const [k, v] of command.set) session.params.set(k, v);
      for (const k of command.unset) session.params.delete(k);
      return status('Statement executed successfully.', 0x4100);
    }
    if (command.kind === 'use') {
      const user = this.users.find((u) => u.name.toUpperCase() === session.user);
      const failure = applyUse(session, command, user?.roles ?? []);
      if (failure) throw failure;
      return status('Statement executed successfully.', 0x4000);
    }
    const { waitMs, sql } = extractWaits(snowflakeCompat(sessionFunctions(command.kind === 'explain' ? `EXPLAIN ${command.sql}` : command.sql, session)));
    if (waitMs > 0) await this.wait(query, waitMs);
    const connection = await this.instance.connect();
    // An interrupt that lands between two DuckDB calls is lost; repeat it until the query unwinds.
    let repeating: NodeJS.Timeout | null = null;
    query.interrupt = () => {
      connection.interrupt();
      repeating ??= setInterval(() => connection.interrupt(), 20);
    };
    if (query.stoppedBy) query.interrupt();
    const readOnly = this.isReadOnly(session);
    try {
      await connection.run(readOnly ? 'BEGIN TRANSACTION READ ONLY' : 'BEGIN TRANSACTION');
      const result = await this.runSql(connection, sql, body, command.kind === 'explain');
      await connection.run(readOnly ? 'ROLLBACK' : 'COMMIT');
      return result;
    } catch (error) {
      await connection.run('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      query.interrupt = null;
      if (repeating) clearInterval(repeating);
      connection.closeSync();
    }
  }

  private async runSql(connection: DuckDBConnection, sql: string, body: QueryBody, explain: boolean): Promise<QueryResult> {
    const statements = await connection.extractStatements(sql);
    if (statements.count === 0) throw failures.emptyStatement();
    const desired = Number(body.parameters?.MULTI_STATEMENT_COUNT ?? 1);
    if (statements.count > 1 && desired !== statements.count) throw failures.statementCount(statements.count, desired === 0 ? statements.count : desired);
    if (statements.count > 1) throw failures.internal('the contract fake runs one statement per request');
    const prepared = await statements.prepare(0);
    bind(prepared, body);
    const reader = await prepared.runAndReadAll();
    const type = prepared.statementType;
    const statementTypeId = STATEMENT_TYPE_IDS[type] ?? 0x6000;
    if (explain) {
      const plan = reader.getRows().map((r) => String(r[1] ?? '')).join('\n');
      return { rowtype: [textColumn('content')], rows: [[plan]], statementTypeId: 0x1000 };
    }
    if (type === StatementType.INSERT || type === StatementType.UPDATE || type === StatementType.DELETE || type === StatementType.MERGE_INTO) {
      const count = String(reader.getRows()[0]?.[0] ?? 0);
      const label = type === StatementType.INSERT ? 'inserted' : type === StatementType.DELETE ? 'deleted' : 'updated';
      return { rowtype: [fixedColumn(`number of rows ${label}`)], rows: [[count]], statementTypeId };
    }
    if (type !== StatementType.SELECT && type !== StatementType.CALL && type !== StatementType.PRAGMA) return status('Statement executed successfully.', statementTypeId);
    const columns = reader.columnNames().map((name, i) => wireColumn(snowflakeName(name), reader.columnTypes()[i]!));
    const rows = reader.getRows().map((row) => row.map((v, i) => columns[i]!.encode(v)));
    return { rowtype: columns.map((c) => c.rowType), rows, statementTypeId };
  }

  private wait(query: FakeQuery, ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        query.interrupt = null;
        resolve();
      }, ms);
      query.interrupt = () => {
        clearTimeout(timer);
        query.interrupt = null;
        reject(new Error('interrupted'));
      };
      if (query.stoppedBy) query.interrupt();
    });
  }
}

/** Unquoted identifiers are upper-cased by Snowflake; DuckDB keeps them as written. */
function snowflakeName(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name.toUpperCase() : name;
}

function status(text: string, statementTypeId: number): QueryResult {
  return { rowtype: [textColumn('status')], rows: [[text]], statementTypeId };
}

/** The lowest non-zero timeout of statement and session, as Snowflake enforces it. */
function timeoutSeconds(session: FakeSession, body: QueryBody): number {
  const candidates = [body.parameters?.STATEMENT_TIMEOUT_IN_SECONDS, session.params.get('STATEMENT_TIMEOUT_IN_SECONDS')].map(Number).filter((n) => Number.isFinite(n) && n > 0);
  return candidates.length ? Math.min(...candidates) : DEFAULT_TIMEOUT_S;
}

function stoppedFailure(query: FakeQuery, seconds: number): SfFailure {
  return query.stoppedBy === 'timeout' ? failures.timeout(seconds) : failures.cancelled();
}

function toFailure(error: unknown, sql: string, readOnly: boolean): SfFailure {
  if (error && typeof error === 'object' && 'code' in error && 'message' in error && typeof (error as SfFailure).code === 'string') return error as SfFailure;
  return fromDuckDB(error instanceof Error ? error.message : String(error), sql, readOnly);
}
