/**
 * SQL shared by the DuckDB and PostgreSQL stores: both accept $n placeholders, and timestamps are ISO
 * UTC strings so ordering and date filters behave the same in both.
 */
import type { Approval, AuditRecord } from '../api';
import type { AuditFilter } from './types';
import { CHECK_TABLES } from '../checks/sql';

export const TABLES = (prefix: string) => [
  `create table if not exists ${prefix}audit_log (
    id varchar primary key, occurred_at varchar not null, kind varchar not null, user_name varchar not null, roles varchar not null,
    snippet varchar, sha256 varchar, runbook varchar, step varchar, env varchar, params varchar not null, approval varchar,
    run_id varchar, started_at varchar, ended_at varchar, status varchar not null, row_count bigint, check_passed boolean,
    error_code varchar, detail varchar)`,
  `create table if not exists ${prefix}approvals (
    id varchar primary key, snippet varchar not null, sha256 varchar not null, runbook varchar not null, step varchar,
    title varchar, approver_role varchar not null, env varchar not null, params varchar not null, text varchar not null,
    reason varchar not null, requested_by varchar not null, requested_by_name varchar not null, requested_at varchar not null,
    expires_at varchar not null, status varchar not null, decided_by varchar, decided_by_name varchar, decided_at varchar,
    comment varchar, used_at varchar, preview varchar not null)`,
  // Added with the write-ahead audit: older stores gain the columns in place (null for old records).
  `alter table ${prefix}audit_log add column if not exists rows_affected bigint`,
  `alter table ${prefix}audit_log add column if not exists dry_run boolean`,
  `alter table ${prefix}audit_log add column if not exists instance varchar`,
  // One row per live server instance; a stale heartbeat means its open runs were interrupted.
  // Operations (issue 12): the operation a record belongs to.
  `alter table ${prefix}audit_log add column if not exists operation varchar`,
  `create table if not exists ${prefix}instances (id varchar primary key, seen_at varchar not null)`,
  // Check results (issue 11): the history baselines read and the Health page shows.
  ...CHECK_TABLES(prefix),
];

export const AUDIT_COLUMNS = 'id, occurred_at, kind, user_name, roles, snippet, sha256, runbook, step, env, params, approval, run_id, started_at, ended_at, status, row_count, check_passed, error_code, detail, rows_affected, dry_run, instance, operation';
export const AUDIT_COLUMN_COUNT = AUDIT_COLUMNS.split(',').length;

export function auditValues(r: AuditRecord): unknown[] {
  return [r.id, r.at, r.kind, r.user, JSON.stringify(r.roles), r.snippet, r.sha256, r.runbook, r.step, r.env, JSON.stringify(r.params), r.approval, r.runId, r.startedAt, r.endedAt, r.status, r.rowCount, r.check, r.errorCode, r.detail, r.rowsAffected, r.dryRun, r.instance, r.operation ?? null];
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const bool = (v: unknown): boolean | null => (v === null || v === undefined ? null : Boolean(v));

export type Row = Record<string, unknown>;

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function auditFromRow(row: Row): AuditRecord {
  return {
    id: String(row.id),
    at: String(row.occurred_at),
    kind: row.kind as AuditRecord['kind'],
    user: String(row.user_name),
    roles: JSON.parse(String(row.roles)) as string[],
    snippet: str(row.snippet),
    sha256: str(row.sha256),
    runbook: str(row.runbook),
    step: str(row.step),
    env: str(row.env),
    params: JSON.parse(String(row.params)) as Record<string, unknown>,
    approval: str(row.approval),
    runId: str(row.run_id),
    startedAt: str(row.started_at),
    endedAt: str(row.ended_at),
    status: row.status as AuditRecord['status'],
    rowCount: num(row.row_count),
    check: bool(row.check_passed),
    errorCode: str(row.error_code) as AuditRecord['errorCode'],
    detail: str(row.detail),
    rowsAffected: num(row.rows_affected),
    dryRun: bool(row.dry_run),
    instance: str(row.instance),
    ...(row.operation ? { operation: String(row.operation) } : {}),
  };
}

/** WHERE clause and values for an audit filter; every value is bound, never spliced. */
export function auditWhere(f: AuditFilter): { where: string; values: unknown[] } {
  const clauses: string[] = [];
  const values: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    values.push(v);
    clauses.push(sql.replace('?', `$${values.length}`));
  };
  if (f.runbook) add('runbook = ?', f.runbook);
  if (f.user) add('user_name = ?', f.user);
  if (f.env) add('env = ?', f.env);
  if (f.status) add('status = ?', f.status);
  if (f.kind) add('kind = ?', f.kind);
  if (f.operation) add('operation = ?', f.operation);
  if (f.from) add('occurred_at >= ?', `${f.from}T00:00:00.000Z`);
  if (f.to) add('occurred_at <= ?', `${f.to}T23:59:59.999Z`);
  return { where: clauses.length ? `where ${clauses.join(' and ')}` : '', values };
}

/**
 * The run that spent a used approval, read from the audit log (the record is written before the approval
 * is consumed), so an approval whose run was interrupted says so. `a` is the approvals table's alias.
 */
export const approvalRunColumns = (prefix: string) =>
  `(select r.run_id from ${prefix}audit_log r where r.approval = a.id and r.kind = 'run' and r.run_id is not null and r.status <> 'rejected' and a.status = 'used' order by r.occurred_at desc limit 1) as run_id,
   (select r.status from ${prefix}audit_log r where r.approval = a.id and r.kind = 'run' and r.run_id is not null and r.status <> 'rejected' and a.status = 'used' order by r.occurred_at desc limit 1) as run_status`;

export const APPROVAL_COLUMNS = 'id, snippet, sha256, runbook, step, title, approver_role, env, params, text, reason, requested_by, requested_by_name, requested_at, expires_at, status, decided_by, decided_by_name, decided_at, comment, used_at, preview';

export function approvalValues(a: Approval): unknown[] {
  return [a.id, a.snippet, a.sha256, a.runbook, a.step, a.title, a.approverRole, a.env, JSON.stringify(a.params), a.text, a.reason, a.requestedBy.user, a.requestedBy.displayName, a.requestedAt, a.expiresAt, a.status, a.decidedBy?.user ?? null, a.decidedBy?.displayName ?? null, a.decidedAt, a.comment, a.usedAt, JSON.stringify(a.preview)];
}

export function approvalFromRow(row: Row): Approval {
  return {
    id: String(row.id),
    snippet: String(row.snippet),
    sha256: String(row.sha256),
    runbook: String(row.runbook),
    step: str(row.step),
    title: str(row.title),
    approverRole: String(row.approver_role),
    env: String(row.env),
    params: JSON.parse(String(row.params)) as Record<string, string | number>,
    text: String(row.text),
    reason: String(row.reason),
    requestedBy: { user: String(row.requested_by), displayName: String(row.requested_by_name) },
    requestedAt: String(row.requested_at),
    expiresAt: String(row.expires_at),
    status: row.status as Approval['status'],
    decidedBy: row.decided_by ? { user: String(row.decided_by), displayName: String(row.decided_by_name) } : null,
    decidedAt: str(row.decided_at),
    comment: str(row.comment),
    usedAt: str(row.used_at),
    preview: JSON.parse(String(row.preview)) as Approval['preview'],
    run: row.run_id ? { id: String(row.run_id), status: row.run_status as AuditRecord['status'] } : null,
  };
}

export const placeholders = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `$${i + from}`).join(', ');
