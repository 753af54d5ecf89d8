/**
 * What each statement of a snippet does, from its tokens (sqlTokens.ts): read, write, ddl,
 * transaction-control, session (settings, locks, prepared statements, attachments) or unsafe (reaches
 * outside the database: server files, programs, other sessions, arbitrary procedural code). One
 * classifier for the linter and the server; it advises authors and adds a layer of policy, while the
 * database's read-only transaction and the role's privileges remain the boundary.
 */
import { splitSqlStatements, tokenizeSql, type SqlToken } from './sqlTokens';

export type StatementKind = 'read' | 'write' | 'ddl' | 'transaction-control' | 'session' | 'unsafe';

export interface ClassifiedStatement {
  readonly kind: StatementKind;
  /** What made it so, in capitals as written in SQL: `CREATE`, `COPY … TO PROGRAM`, `pg_read_file()`. */
  readonly keyword: string;
}

const DDL = new Set(['create', 'alter', 'drop', 'truncate', 'rename', 'grant', 'revoke', 'comment', 'security', 'import', 'reindex', 'cluster']);
const WRITE = new Set(['insert', 'update', 'delete', 'merge', 'upsert', 'replace', 'call', 'exec', 'execute', 'refresh', 'vacuum', 'analyze', 'analyse', 'checkpoint', 'force']);
const TRANSACTION = new Set(['begin', 'start', 'commit', 'end', 'rollback', 'abort', 'savepoint', 'release']);
const SESSION = new Set(['set', 'reset', 'discard', 'listen', 'unlisten', 'notify', 'lock', 'prepare', 'deallocate', 'pragma', 'use', 'attach', 'detach', 'load', 'install']);
const READ = new Set(['select', 'values', 'table', 'show', 'describe', 'summarize', 'from']);
const DATA_MODIFYING = new Set(['insert', 'update', 'delete', 'merge']);

/**
 * Functions that reach outside the database or into other sessions, whatever the statement around them:
 * server files and programs (PostgreSQL), other backends, and DuckDB's catalog functions that show file
 * paths or read files.
 */
const UNSAFE_FUNCTIONS = new Set([
  'pg_read_file', 'pg_read_binary_file', 'pg_ls_dir', 'pg_stat_file', 'pg_ls_logdir', 'pg_ls_waldir', 'pg_ls_tmpdir', 'lo_import', 'lo_export',
  'pg_terminate_backend', 'pg_cancel_backend', 'pg_reload_conf', 'pg_rotate_logfile', 'set_config', 'dblink', 'dblink_exec', 'pg_file_write',
  'duckdb_databases', 'pragma_database_list', 'duckdb_settings', 'duckdb_extensions', 'duckdb_temporary_files', 'duckdb_secrets',
  'glob', 'read_text', 'read_blob', 'read_csv', 'read_csv_auto', 'read_json', 'read_json_auto', 'read_ndjson', 'read_parquet', 'parquet_scan', 'parquet_metadata',
]);

export function classifyStatements(sql: string): ClassifiedStatement[] {
  return splitSqlStatements(tokenizeSql(sql)).map(classifyStatement);
}

function classifyStatement(tokens: readonly SqlToken[]): ClassifiedStatement {
  const unsafe = unsafeFunction(tokens);
  if (unsafe) return unsafe;
  const words = tokens.filter((t) => t.kind === 'word');
  const first = words[0]?.text ?? '';
  if (first === 'do') return { kind: 'unsafe', keyword: 'DO (procedural code)' };
  if (first === 'copy') return classifyCopy(tokens);
  if (first === 'explain') return classifyExplain(tokens);
  if (first === 'with') return classifyWith(tokens);
  if (first === 'select') return classifySelect(tokens);
  if (first === 'prepare' && words[1]?.text === 'transaction') return { kind: 'transaction-control', keyword: 'PREPARE TRANSACTION' };
  if (DDL.has(first)) return { kind: 'ddl', keyword: first.toUpperCase() };
  if (WRITE.has(first)) return { kind: 'write', keyword: first.toUpperCase() };
  if (TRANSACTION.has(first)) return { kind: 'transaction-control', keyword: first.toUpperCase() };
  if (SESSION.has(first)) return { kind: 'session', keyword: first.toUpperCase() };
  if (READ.has(first) || first === '' /* `(select …) union …`: the first word is inside the parenthesis */) return { kind: 'read', keyword: first.toUpperCase() };
  // Unknown leading words (an engine's own command) are not assumed harmless.
  return { kind: 'session', keyword: first.toUpperCase() };
}

function unsafeFunction(tokens: readonly SqlToken[]): ClassifiedStatement | null {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const called = tokens[i + 1]?.kind === 'punct' && tokens[i + 1]!.text === '(';
    // DuckDB lets a table function without arguments go without parentheses: `from pragma_database_list`.
    const scanned = i > 0 && tokens[i - 1]!.kind === 'word' && ['from', 'join'].includes(tokens[i - 1]!.text);
    if (t.kind === 'word' && UNSAFE_FUNCTIONS.has(t.text) && (called || scanned)) {
      return { kind: 'unsafe', keyword: `${t.text}()` };
    }
  }
  return null;
}

/** COPY … TO/FROM PROGRAM runs a shell command; COPY with a file name reads or writes the server's disk. */
function classifyCopy(tokens: readonly SqlToken[]): ClassifiedStatement {
  const top = tokens.filter((t) => t.depth === 0);
  const at = top.findIndex((t) => t.kind === 'word' && (t.text === 'to' || t.text === 'from'));
  const direction = top[at]?.text;
  const target = top[at + 1];
  if (target?.kind === 'word' && target.text === 'program') return { kind: 'unsafe', keyword: `COPY … ${direction?.toUpperCase()} PROGRAM` };
  if (target?.kind === 'string') return { kind: 'unsafe', keyword: `COPY … ${direction?.toUpperCase()} a file` };
  if (direction === 'to') return { kind: 'read', keyword: 'COPY … TO STDOUT' };
  return { kind: 'write', keyword: 'COPY … FROM' };
}

/** EXPLAIN only plans; EXPLAIN ANALYZE runs the statement, so it is whatever that statement is. */
function classifyExplain(tokens: readonly SqlToken[]): ClassifiedStatement {
  let i = 1;
  let analyze = false;
  if (tokens[i]?.text === '(') {
    const options: string[] = [];
    for (i++; i < tokens.length && !(tokens[i]!.text === ')' && tokens[i]!.depth === 0); i++) options.push(tokens[i]!.text);
    i++;
    // `(analyze)`, `(analyze true)`, `(costs off, analyze on)`; not `(analyze false)` / `off`.
    const at = options.findIndex((o) => o === 'analyze' || o === 'analyse');
    analyze = at >= 0 && !['false', 'off', '0'].includes(options[at + 1] ?? '');
  } else {
    while (tokens[i]?.kind === 'word' && ['analyze', 'analyse', 'verbose'].includes(tokens[i]!.text)) {
      if (tokens[i]!.text !== 'verbose') analyze = true;
      i++;
    }
  }
  if (!analyze) return { kind: 'read', keyword: 'EXPLAIN' };
  const inner = classifyStatement(tokens.slice(i));
  return inner.kind === 'read' ? { kind: 'read', keyword: 'EXPLAIN ANALYZE' } : { kind: inner.kind, keyword: `EXPLAIN ANALYZE ${inner.keyword}` };
}

/** A CTE may hold a data-modifying statement (`with d as (delete …) select …`): that is a write. */
function classifyWith(tokens: readonly SqlToken[]): ClassifiedStatement {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'word' || !DATA_MODIFYING.has(t.text)) continue;
    const before = tokens[i - 1];
    // `for update`, `for no key update`, `on conflict do update` are not statements of their own.
    if (t.text === 'update' && before?.kind === 'word' && ['for', 'key', 'do'].includes(before.text)) continue;
    if (t.text === 'delete' && before?.kind === 'word' && before.text === 'on') continue;
    return { kind: 'write', keyword: t.text.toUpperCase() };
  }
  return classifySelect(tokens);
}

/** SELECT … INTO new_table creates a table (DDL); otherwise a SELECT reads. */
function classifySelect(tokens: readonly SqlToken[]): ClassifiedStatement {
  const into = tokens.some((t) => t.kind === 'word' && t.text === 'into' && t.depth === 0);
  return into ? { kind: 'ddl', keyword: 'SELECT INTO' } : { kind: 'read', keyword: 'SELECT' };
}
