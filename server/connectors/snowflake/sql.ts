/**
 * A snippet's SQL as Snowflake gets it: `:name` placeholders become positional `?` binds (the
 * driver's `binds` array, sent as typed bindings — values never enter the text), and statements that
 * would change a pooled session for the next user are refused with a reason.
 */
import type { BoundValue } from '../../../plugins/remark-runbook/syntax/params';
import { findPlaceholders } from '../../../plugins/remark-runbook/syntax/sqlPlaceholders';
import { ConnectorError } from '../types';
import type { SfBind } from './driver';

export interface SnowflakeSql {
  readonly text: string;
  readonly binds: readonly SfBind[];
}

/**
 * The driver types binds from JS values (integer → FIXED, other number → REAL, string → TEXT) and has
 * no DATE or TIMESTAMP bind, so dates travel as ISO text inside a CAST: `:d` means the same typed value
 * whether it is compared, selected or passed to DATEADD. TIMESTAMP_NTZ because a datetime parameter
 * carries no zone, whatever the account's TIMESTAMP_TYPE_MAPPING says.
 */
function placeholderFor(bound: BoundValue): { sql: string; value: SfBind } {
  switch (bound.type) {
    case 'date':
      return { sql: 'CAST(? AS DATE)', value: bound.value };
    case 'datetime':
      return { sql: 'CAST(? AS TIMESTAMP_NTZ)', value: bound.value };
    case 'int':
    case 'number':
    case 'string':
      return { sql: '?', value: bound.value };
  }
}

export function toSnowflakeSql(sql: string, binds: Readonly<Record<string, BoundValue>>): SnowflakeSql {
  let text = '';
  let last = 0;
  const values: SfBind[] = [];
  for (const p of findPlaceholders(sql)) {
    const bound = binds[p.name];
    if (!bound) throw new ConnectorError('connector_error', `The snippet uses :${p.name} but no value was bound for it.`, 'Declare the parameter in the fence (params="…") so the page asks for it.');
    const { sql: replacement, value } = placeholderFor(bound);
    text += sql.slice(last, p.offset) + replacement;
    values.push(value);
    last = p.offset + 1 + p.name.length;
  }
  return { text: text + sql.slice(last), binds: values };
}

/**
 * Statements that change the session rather than the data. Sessions are pooled and shared between
 * users, so a USE ROLE or an open transaction would outlive the run. Checked on the text, which makes
 * this a courtesy to authors, not the boundary: the read role is (see index.ts), and a session whose
 * role, warehouse, database or schema changed anyway is discarded after the run.
 */
const SESSION_STATEMENTS: readonly (readonly [RegExp, string])[] = [
  [/^use\b/i, 'USE (roles, warehouses, databases and schemas come from the connection)'],
  [/^alter\s+session\b/i, 'ALTER SESSION'],
  [/^(begin|start\s+transaction|commit|rollback|declare)\b/i, 'transactions or Snowflake Scripting blocks (each snippet runs as one autocommitted statement)'],
  [/^(set|unset)\b/i, 'session variables (SET/UNSET)'],
  [/^execute\s+immediate\b/i, 'EXECUTE IMMEDIATE'],
];

export function refuseSessionStatements(sql: string): void {
  const head = stripLeadingComments(sql);
  for (const [pattern, what] of SESSION_STATEMENTS) {
    if (pattern.test(head)) {
      throw new ConnectorError('forbidden', `Snippets may not use ${what}.`, 'Remove the statement from the runbook: the server manages Snowflake sessions, roles and transactions.');
    }
  }
}

function stripLeadingComments(sql: string): string {
  let s = sql.trimStart();
  for (;;) {
    if (s.startsWith('--') || s.startsWith('//')) {
      const end = s.indexOf('\n');
      s = end < 0 ? '' : s.slice(end + 1).trimStart();
    } else if (s.startsWith('/*')) {
      const end = s.indexOf('*/');
      s = end < 0 ? '' : s.slice(end + 2).trimStart();
    } else if (s.startsWith('(')) {
      s = s.slice(1).trimStart();
    } else return s;
  }
}
