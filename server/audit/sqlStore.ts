/**
 * The store's logic over any SQL engine that takes $n placeholders and supports UPDATE … RETURNING:
 * the atomic conditional updates are what make decisions and single use safe across instances.
 */
import type { Approval, AuditPage, AuditRecord, UserRef } from '../api';
import { APPROVAL_COLUMNS, AUDIT_COLUMN_COUNT, AUDIT_COLUMNS, approvalFromRow, approvalRunColumns, approvalValues, auditFromRow, auditValues, auditWhere, placeholders, type Row } from './sql';
import { createCheckHistory } from '../checks/store';
import { effectiveStatus, type AuditFilter, type DecideResult, type NewApproval, type StateStore } from './types';

export interface SqlExec {
  query(sql: string, values?: readonly unknown[]): Promise<Row[]>;
  close(): Promise<void>;
}

export function createSqlStore(exec: SqlExec, prefix: string): StateStore {
  const withStatus = (a: Approval, now: Date): Approval => ({ ...a, status: effectiveStatus(a.status, a.expiresAt, now) });
  const approvalSelect = `select ${APPROVAL_COLUMNS.split(', ').map((c) => `a.${c}`).join(', ')}, ${approvalRunColumns(prefix)} from ${prefix}approvals a`;
  const get = async (id: string): Promise<Approval | null> => {
    const rows = await exec.query(`${approvalSelect} where a.id = $1`, [id]);
    return rows[0] ? approvalFromRow(rows[0]) : null;
  };
  return {
    async appendAudit(record: AuditRecord) {
      await exec.query(`insert into ${prefix}audit_log (${AUDIT_COLUMNS}) values (${placeholders(AUDIT_COLUMN_COUNT)})`, auditValues(record));
    },
    async completeAudit(r: AuditRecord) {
      const rows = await exec.query(
        `update ${prefix}audit_log set ended_at = $1, status = $2, row_count = $3, check_passed = $4, error_code = $5, detail = $6, rows_affected = $7, dry_run = $8
         where id = $9 and status = 'running' returning id`,
        [r.endedAt, r.status, r.rowCount, r.check, r.errorCode, r.detail, r.rowsAffected, r.dryRun, r.id],
      );
      return rows.length > 0;
    },
    async heartbeat(instance, now) {
      await exec.query(`insert into ${prefix}instances (id, seen_at) values ($1, $2) on conflict (id) do update set seen_at = excluded.seen_at`, [instance, now.toISOString()]);
    },
    async leave(instance) {
      await exec.query(`delete from ${prefix}instances where id = $1`, [instance]);
    },
    async interruptOpenRuns(o) {
      const rows = await exec.query(
        `update ${prefix}audit_log set status = 'interrupted', ended_at = $1,
           detail = 'The server stopped while this ran; check the target system for what it changed before running it again.'
         where status = 'running' and (
           instance is null
           or ($2 and instance = $3)
           or (instance <> $3 and instance not in (select id from ${prefix}instances where seen_at > $4)))
         returning id`,
        [o.now.toISOString(), o.includeSelf, o.self, o.staleBefore.toISOString()],
      );
      return rows.map((r) => String(r.id));
    },
    async queryAudit(filter: AuditFilter): Promise<AuditPage> {
      const { where, values } = auditWhere(filter);
      const total = await exec.query(`select count(*) as n from ${prefix}audit_log ${where}`, values);
      const rows = await exec.query(
        `select ${AUDIT_COLUMNS} from ${prefix}audit_log ${where} order by occurred_at desc, id desc limit ${Math.trunc(filter.limit)} offset ${Math.trunc(filter.offset)}`,
        values,
      );
      return { records: rows.map(auditFromRow), total: Number(total[0]?.n ?? 0) };
    },
    async createApproval(a: NewApproval) {
      const approval: Approval = { ...a, status: 'pending', decidedBy: null, decidedAt: null, comment: null, usedAt: null, run: null };
      await exec.query(`insert into ${prefix}approvals (${APPROVAL_COLUMNS}) values (${placeholders(22)})`, approvalValues(approval));
      return approval;
    },
    async getApproval(id, now) {
      const a = await get(id);
      return a ? withStatus(a, now) : null;
    },
    async listApprovals(filter, now) {
      const clauses: string[] = [];
      const values: unknown[] = [];
      if (filter.requestedBy) {
        values.push(filter.requestedBy);
        clauses.push(`requested_by = $${values.length}`);
      }
      // Expiry is derived, so filter by stored status and then by the effective one.
      const rows = await exec.query(
        `${approvalSelect} ${clauses.length ? `where ${clauses.map((c) => `a.${c}`).join(' and ')}` : ''} order by a.requested_at desc limit 1000`,
        values,
      );
      return rows
        .map((r) => withStatus(approvalFromRow(r), now))
        .filter((a) => !filter.status || a.status === filter.status)
        .slice(0, filter.limit);
    },
    async decideApproval(id: string, decision: 'approved' | 'rejected', by: UserRef, comment: string, now: Date): Promise<DecideResult> {
      const at = now.toISOString();
      const rows = await exec.query(
        `update ${prefix}approvals set status = $1, decided_by = $2, decided_by_name = $3, decided_at = $4, comment = $5
         where id = $6 and status = 'pending' and expires_at > $4 returning ${APPROVAL_COLUMNS}`,
        [decision, by.user, by.displayName, at, comment, id],
      );
      if (rows[0]) return { ok: true, approval: approvalFromRow(rows[0]) };
      const current = await get(id);
      if (!current) return { ok: false, reason: 'not_found' };
      return { ok: false, reason: effectiveStatus(current.status, current.expiresAt, now) === 'expired' ? 'expired' : 'not_pending' };
    },
    async consumeApproval(id, now) {
      const at = now.toISOString();
      const rows = await exec.query(
        `update ${prefix}approvals set status = 'used', used_at = $1 where id = $2 and status = 'approved' and expires_at > $1 returning ${APPROVAL_COLUMNS}`,
        [at, id],
      );
      return rows[0] ? approvalFromRow(rows[0]) : null;
    },
    checks: createCheckHistory(exec, prefix),
    close: () => exec.close(),
  };
}
