/**
 * What a DuckDB snippet may run, statement by statement, as the engine itself classifies each one
 * (prepared statementType), with the shared SQL classifier for what the type cannot show.
 */
import { StatementType } from '@duckdb/node-api';
import { classifyStatements } from '../../../plugins/remark-runbook/syntax/sqlClassify';
import { splitSqlText } from '../../../plugins/remark-runbook/syntax/sqlTokens';
import { ConnectorError } from '../types';

/**
 * Statements a snippet may never run: they would end the read-only transaction, reach outside the
 * database, or change the instance's settings for everyone.
 */
export const FORBIDDEN: ReadonlyMap<StatementType, string> = new Map([
  [StatementType.TRANSACTION, 'transaction control (BEGIN/COMMIT/ROLLBACK): Opsbook runs each snippet in its own transaction'],
  [StatementType.ATTACH, 'ATTACH'],
  [StatementType.DETACH, 'DETACH'],
  [StatementType.LOAD, 'LOAD'],
  [StatementType.EXTENSION, 'INSTALL'],
  [StatementType.UPDATE_EXTENSIONS, 'UPDATE EXTENSIONS'],
  [StatementType.SET, 'SET/RESET'],
  [StatementType.VARIABLE_SET, 'SET VARIABLE'],
  [StatementType.PRAGMA, 'PRAGMA'],
  [StatementType.EXPORT, 'EXPORT DATABASE'],
  [StatementType.COPY_DATABASE, 'COPY DATABASE'],
  [StatementType.PREPARE, 'PREPARE'],
  [StatementType.EXECUTE, 'EXECUTE'],
]);


/** The text of statement i (EXPLAIN needs text; extracted statements are opaque). */
export function statementTextAt(text: string, index: number): string {
  return splitSqlText(text)[index] ?? text;
}

/**
 * A read snippet runs plain reads only, as DuckDB itself classifies them (SELECT, or EXPLAIN that does
 * not execute): no temp tables or macros, CHECKPOINT, VACUUM, CALL. The shared classifier adds what the
 * statement type cannot show — EXPLAIN ANALYZE of a write, table functions that reveal file paths.
 */
const STOPPED_BY_READ_ONLY: ReadonlySet<StatementType> = new Set([StatementType.INSERT, StatementType.UPDATE, StatementType.DELETE, StatementType.MERGE_INTO]);

export function refuseUnlessPlainRead(type: StatementType, statementText: string, index: number): void {
  const hint = 'A mode=read snippet may only read. If this step must change something, the runbook marks it mode=write (and, for anything beyond data, role="escalation").';
  // Data changes are left to the read-only transaction, whose own error tells the author to mark the
  // snippet mode=write; what it would not stop is refused here.
  if (STOPPED_BY_READ_ONLY.has(type)) return;
  if (type !== StatementType.SELECT && type !== StatementType.EXPLAIN) {
    throw new ConnectorError('forbidden', `Statement ${index + 1} of this read snippet is a ${StatementType[type] ?? type} statement, not a plain read.`, hint);
  }
  // EXPLAIN ANALYZE executes its statement: only a read may be explained that way.
  const problem = classifyStatements(statementText).find((s) => s.kind !== 'read' && (type === StatementType.EXPLAIN || s.kind !== 'write'));
  if (problem) throw new ConnectorError('forbidden', `Statement ${index + 1} of this read snippet is not a plain read (${problem.keyword}).`, hint);
}

