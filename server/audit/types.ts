/**
 * The state the server shares across requests and, with PostgreSQL, across server instances: the
 * append-only audit log and the approvals. One interface, two stores (embedded DuckDB, PostgreSQL).
 */
import type { Approval, AuditPage, AuditRecord, UserRef } from '../api';

export interface AuditFilter {
  readonly runbook?: string;
  readonly user?: string;
  readonly env?: string;
  readonly status?: string;
  readonly kind?: string;
  /** Inclusive calendar dates, YYYY-MM-DD (UTC). */
  readonly from?: string;
  readonly to?: string;
  readonly limit: number;
  readonly offset: number;
}

export type NewApproval = Omit<Approval, 'status' | 'decidedBy' | 'decidedAt' | 'comment' | 'usedAt'>;

export type DecideResult =
  | { readonly ok: true; readonly approval: Approval }
  | { readonly ok: false; readonly reason: 'not_found' | 'not_pending' | 'expired' };

export interface StateStore {
  /** Appends one record; the log has no update or delete. */
  appendAudit(record: AuditRecord): Promise<void>;
  queryAudit(filter: AuditFilter): Promise<AuditPage>;
  createApproval(approval: NewApproval): Promise<Approval>;
  getApproval(id: string, now: Date): Promise<Approval | null>;
  listApprovals(filter: { status?: Approval['status']; requestedBy?: string; limit: number }, now: Date): Promise<Approval[]>;
  /** Decides a pending, unexpired approval; atomic, so two approvers cannot both decide it. */
  decideApproval(id: string, decision: 'approved' | 'rejected', by: UserRef, comment: string, now: Date): Promise<DecideResult>;
  /** Marks an approved, unexpired approval used; atomic, so it runs once even across server instances. */
  consumeApproval(id: string, now: Date): Promise<Approval | null>;
  close(): Promise<void>;
}

/** Status as seen now: a pending or approved approval past its expiry is expired. */
export function effectiveStatus(stored: Approval['status'], expiresAt: string, now: Date): Approval['status'] {
  return (stored === 'pending' || stored === 'approved') && expiresAt <= now.toISOString() ? 'expired' : stored;
}
