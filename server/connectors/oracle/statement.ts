/**
 * What Oracle needs from a snippet's text before it runs.
 *
 * Reads run inside SET TRANSACTION READ ONLY, but Oracle ends a transaction with an implicit COMMIT
 * before any DDL, and a PL/SQL block can COMMIT and go on writing: neither is stopped by a read-only
 * transaction. So a read must be a query (SELECT or WITH), which is also how the driver itself tells a
 * query apart. This check catches mistakes early with a clear message; what actually guarantees that a
 * read cannot write is the read profile's user having no write privileges.
 */
import { ConnectorError } from '../types';
import type { Mode } from '../../../plugins/remark-runbook/types';

const QUERY_KEYWORDS = new Set(['SELECT', 'WITH']);
const PLSQL_KEYWORDS = new Set(['BEGIN', 'DECLARE']);
/** CREATE of a stored PL/SQL unit: its body ends with `end;`, which must stay. */
const PLSQL_CREATE = /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:NON)?EDITIONABLE\s+)?(?:PROCEDURE|FUNCTION|PACKAGE|TRIGGER|TYPE|LIBRARY)\b/i;

/** The first keyword, skipping blanks, comments and opening parentheses, upper-cased; '' when none. */
export function firstKeyword(sql: string): string {
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s|\(/.test(c)) i++;
    else if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? sql.length : end + 2;
    } else break;
  }
  return /^[A-Za-z_]+/.exec(sql.slice(i))?.[0].toUpperCase() ?? '';
}

function withoutLeadingComments(sql: string): string {
  return sql.replace(/^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/, '');
}

/**
 * Runbook SQL often ends with `;` (or SQL*Plus's `/`), which Oracle rejects for a single SQL statement
 * (ORA-00933/ORA-03405). PL/SQL keeps its `end;`.
 */
export function stripTerminator(sql: string): string {
  const text = sql.replace(/\s+$/, '').replace(/\n\/$/, '').replace(/\s+$/, '');
  if (PLSQL_KEYWORDS.has(firstKeyword(sql)) || PLSQL_CREATE.test(withoutLeadingComments(sql))) return text;
  return text.endsWith(';') ? text.slice(0, -1).replace(/\s+$/, '') : text;
}

/** The text to execute, or a refusal when a read is not a query. */
export function prepareText(sql: string, mode: Mode): string {
  const keyword = firstKeyword(sql);
  if (keyword === '') throw new ConnectorError('connector_error', 'The snippet contains no SQL statement.');
  if (mode === 'read' && !QUERY_KEYWORDS.has(keyword)) {
    throw new ConnectorError(
      'forbidden',
      `A mode=read snippet on Oracle must be a query (SELECT or WITH); this one starts with ${keyword}.`,
      'Oracle commits before DDL and PL/SQL can commit on its own, so only queries run as reads. If the snippet is meant to change something, mark it mode=write.',
    );
  }
  return stripTerminator(sql);
}
