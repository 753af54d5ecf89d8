/**
 * The store's logic over any SQL engine that takes $n placeholders and supports UPDATE … RETURNING:
 * the atomic conditional updates are what make decisions and single use safe across instances.
 */
import type { Approval, AuditPage, AuditRecord, UserRef } from '../api';
import { APPROVAL_COLUMNS, AUDIT_COLUMNS, approvalFromRow, approvalValues, auditFromRow, auditValues, auditWhere, placeholders, type Row } from './sql';
import { effectiveStatus, type AuditFilter, type DecideResult, type NewApproval, type StateStore } from './types';

export interface SqlExec {
  query(sql: string, values?: readonly unknown[]): Promise<Row[]>;
  close(): Promise<void>;
}

export function createSqlStore(exec: SqlExec, prefix: string): StateStore {
  const withStatus = (a: Approval, now: Date): Approval => ({ ...a, status: effectiveStatus(a.status, a.expiresAt, now) });
  const get = async (id: string): Promise<Approval | null> => {
    const rows = await exec.query(`select ${APPROVAL_COLUMNS} from ${prefix}approvals where id = $1`, [id]);
    return rows[0] ? approvalFromRow(rows[0]) : null;
  };
  return {
    async appendAudit(record: AuditRecord) {
      await exec.query(`insert into ${prefix}audit_log (${AUDIT_COLUMNS}) values (${placeholders(20)})`, auditValues(record));
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
      const approval: Approval = { ...a, status: 'pending', decidedBy: null, decidedAt: null, comment: null, usedAt: null };
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
        `select ${APPROVAL_COLUMNS} from ${prefix}approvals ${clauses.length ? `where ${clauses.join(' and ')}` : ''} order by requested_at desc limit 1000`,
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
    close: () => exec.close(),
  };
}
