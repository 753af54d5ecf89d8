/**
 * The state the server shares across requests and, with PostgreSQL, across server instances: the
 * append-only audit log and the approvals. One interface, two stores (embedded DuckDB, PostgreSQL).
 */
import type { Approval, AuditPage, AuditRecord, UserRef } from '../api';
import type { CheckHistory } from '../checks/types';
import type { SqlExec } from './sqlStore';

export interface AuditFilter {
  readonly runbook?: string;
  readonly user?: string;
  readonly env?: string;
  readonly status?: string;
  readonly kind?: string;
  /** Records of one operation (issue 12). */
  readonly operation?: string;
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
  /** Appends one record: a finished one (a refusal, an approval event) or an open run (`running`). */
  appendAudit(record: AuditRecord): Promise<void>;
  /**
   * Completes an open run record once (`running` → its final status); false when no open record has
   * that id (already completed, or marked interrupted). Nothing else is ever updated or deleted.
   */
  completeAudit(record: AuditRecord): Promise<boolean>;
  /** Records that this server instance is alive (several instances may share a PostgreSQL store). */
  heartbeat(instance: string, now: Date): Promise<void>;
  /** A cleanly stopped instance leaves: its runs are all complete, nobody needs to wait for it. */
  leave(instance: string): Promise<void>;
  /**
   * Marks `interrupted` every open run whose instance is not alive (no heartbeat since `staleBefore`),
   * plus — at start — this instance's own open runs, which its previous life left. Returns their ids.
   */
  interruptOpenRuns(o: { readonly self: string; readonly includeSelf: boolean; readonly staleBefore: Date; readonly now: Date }): Promise<string[]>;
  queryAudit(filter: AuditFilter): Promise<AuditPage>;
  createApproval(approval: NewApproval): Promise<Approval>;
  getApproval(id: string, now: Date): Promise<Approval | null>;
  listApprovals(filter: { status?: Approval['status']; requestedBy?: string; limit: number }, now: Date): Promise<Approval[]>;
  /** Decides a pending, unexpired approval; atomic, so two approvers cannot both decide it. */
  decideApproval(id: string, decision: 'approved' | 'rejected', by: UserRef, comment: string, now: Date): Promise<DecideResult>;
  /** Marks an approved, unexpired approval used; atomic, so it runs once even across server instances. */
  consumeApproval(id: string, now: Date): Promise<Approval | null>;
  /** Check results (issue 11), in the same database; absent in hand-written test stores. */
  readonly checks?: CheckHistory;
  close(): Promise<void>;
  /**
   * The store's SQL connection, for modules that keep their own tables beside the audit (the notification
   * outbox, schedule firings). Absent in hand-written test fakes.
   */
  readonly sql?: StateSql;
}

export interface StateSql {
  readonly exec: SqlExec;
  /** Table prefix (the quoted schema and a dot on PostgreSQL, empty on DuckDB). */
  readonly prefix: string;
  readonly engine: 'duckdb' | 'postgres';
  /** PostgreSQL only: the connection URL and schema, for pg-boss (its own schema beside this one). */
  readonly url?: string;
  readonly schema?: string;
}

/** Status as seen now: a pending or approved approval past its expiry is expired. */
export function effectiveStatus(stored: Approval['status'], expiresAt: string, now: Date): Approval['status'] {
  return (stored === 'pending' || stored === 'approved') && expiresAt <= now.toISOString() ? 'expired' : stored;
}
