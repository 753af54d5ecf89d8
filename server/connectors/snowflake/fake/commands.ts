/**
 * The Snowflake statements DuckDB has no equivalent for, handled by the fake itself: ALTER SESSION,
 * USE, SYSTEM$WAIT (how tests make a statement slow enough to cancel or time out), CURRENT_ROLE() and
 * friends, EXPLAIN USING TEXT, and Snowflake's bare date parts.
 */
import type { FakeSession } from './auth';
import { failures, type SfFailure } from './errors';

export type Command =
  | { readonly kind: 'alter-session'; readonly set: ReadonlyMap<string, string | number | boolean>; readonly unset: readonly string[] }
  | { readonly kind: 'use'; readonly what: 'role' | 'warehouse' | 'database' | 'schema'; readonly name: string }
  | { readonly kind: 'explain'; readonly sql: string }
  | { readonly kind: 'sql'; readonly sql: string };

export function parseCommand(text: string): Command {
  const sql = text.trim().replace(/;\s*$/, '');
  let m: RegExpExecArray | null;
  if ((m = /^alter\s+session\s+set\s+([\s\S]+)$/i.exec(sql))) {
    const set = new Map<string, string | number | boolean>();
    for (const part of m[1]!.split(',')) {
      const [name, raw] = part.split('=').map((s) => s.trim());
      if (name && raw !== undefined) set.set(name.toUpperCase(), literal(raw));
    }
    return { kind: 'alter-session', set, unset: [] };
  }
  if ((m = /^alter\s+session\s+unset\s+([\s\S]+)$/i.exec(sql))) {
    return { kind: 'alter-session', set: new Map(), unset: m[1]!.split(',').map((s) => s.trim().toUpperCase()) };
  }
  if ((m = /^use\s+(?:(role|warehouse|database|schema)\s+)?("?[\w.$]+"?)$/i.exec(sql))) {
    return { kind: 'use', what: (m[1]?.toLowerCase() ?? 'database') as 'role' | 'warehouse' | 'database' | 'schema', name: m[2]!.replaceAll('"', '').toUpperCase() };
  }
  if ((m = /^explain\s+(?:using\s+(?:text|tabular|json)\s+)?([\s\S]+)$/i.exec(sql))) return { kind: 'explain', sql: m[1]! };
  return { kind: 'sql', sql };
}

function literal(raw: string): string | number | boolean {
  if (/^(true|false)$/i.test(raw)) return raw.toLowerCase() === 'true';
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  return raw.replace(/^'(.*)'$/s, '$1').replaceAll("''", "'");
}

export function applyUse(session: FakeSession, command: Extract<Command, { kind: 'use' }>, granted: readonly string[]): SfFailure | null {
  if (command.what === 'role') {
    if (!granted.some((r) => r.toUpperCase() === command.name)) return failures.noSuchObject('Role', command.name);
    session.role = command.name;
  } else session[command.what] = command.name;
  return null;
}

const WAIT = /(?:call\s+)?system\$wait\(\s*(\d+(?:\.\d+)?)\s*(?:,\s*'(seconds|milliseconds|minutes|hours)'\s*)?\)/gi;
const UNIT_MS: Readonly<Record<string, number>> = { seconds: 1000, milliseconds: 1, minutes: 60_000, hours: 3_600_000 };

/** The total time SYSTEM$WAIT calls ask for, and the SQL with each call replaced by its result. */
export function extractWaits(sql: string): { waitMs: number; sql: string } {
  let waitMs = 0;
  const replaced = sql.replace(WAIT, (call, amount: string, unit: string | undefined) => {
    waitMs += Number(amount) * (UNIT_MS[(unit ?? 'seconds').toLowerCase()] ?? 1000);
    const text = `'waited ${amount} ${(unit ?? 'seconds').toLowerCase()}'`;
    return /^call/i.test(call) ? `select ${text} as "SYSTEM$WAIT"` : text;
  });
  return { waitMs, sql: replaced };
}

/** CURRENT_ROLE() and friends as literals of the session's values. */
export function sessionFunctions(sql: string, session: FakeSession): string {
  const quote = (v: string | null) => (v === null ? 'NULL' : `'${v.replaceAll("'", "''")}'`);
  return sql.replace(/\bcurrent_(role|warehouse|database|schema|user)\s*\(\s*\)/gi, (_, what: string) => {
    const w = what.toLowerCase();
    return quote(w === 'user' ? session.user : w === 'role' ? session.role : session[w as 'warehouse' | 'database' | 'schema']);
  });
}

const DATE_PART = /\b(dateadd|timestampadd|datediff|timestampdiff|date_trunc|datetrunc)\s*\(\s*(year|quarter|month|week|day|hour|minute|second)s?\s*,/gi;

/** DATEADD(day, …) as DuckDB reads it: Snowflake takes the date part as a bare word, DuckDB as text. */
export function snowflakeCompat(sql: string): string {
  return sql.replace(DATE_PART, (_, fn: string, part: string) => `${fn}('${part.toLowerCase()}',`);
}
