/**
 * HTTP API shapes for identities, approvals and audit (DESIGN.md §5, §7; issue #5). The page imports
 * these types only. Every state-changing call (POST) must carry the header `X-CSRF-Token` equal to the
 * `opsbook_csrf` cookie the server sets on GET /api/me, and an Origin the server allows.
 */
import type { RunStatus, ErrorCode } from './protocol';

export type RoleName = 'service-team' | 'approver' | 'admin';

export interface UserRef {
  readonly user: string;
  readonly displayName: string;
}

/** GET /api/me. `demoUsers` only in auth mode `demo`, for the navbar's user switcher. */
export interface MeResponse extends UserRef {
  readonly roles: readonly RoleName[];
  readonly authMode: 'demo' | 'proxy' | 'oidc';
  readonly demoUsers?: readonly (UserRef & { readonly roles: readonly RoleName[] })[];
}

/** POST /api/session/demo-user (demo mode only): switches the signed-in demo identity (a cookie). */
export interface DemoUserRequest {
  readonly user: string;
}

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'used' | 'expired';

/** What the approver sees before deciding. */
export type ApprovalPreview =
  | {
      readonly kind: 'sql';
      /** The engine's plan for the statement (EXPLAIN), or null where the engine cannot say. */
      readonly plan: string | null;
      /** Rows the write would touch, counted in a rolled-back transaction where the engine allows; else null. */
      readonly affectedRows: number | null;
      readonly note: string | null;
    }
  | {
      readonly kind: 'airflow';
      readonly command: string;
      /** For `tasks clear`: the task instances a dry run says would be cleared. */
      readonly taskInstances: readonly { readonly dagId: string; readonly runId: string; readonly taskId: string; readonly state: string | null }[];
      readonly note: string | null;
    }
  | { readonly kind: 'none'; readonly note: string };

export interface Approval {
  readonly id: string;
  readonly snippet: string;
  readonly sha256: string;
  readonly runbook: string;
  readonly step: string | null;
  readonly title: string | null;
  /** The approver role this step requires (from the runbook). */
  readonly approverRole: string;
  readonly env: string;
  /** Parameters as resolved by the server (defaults filled, `today` turned into a date). */
  readonly params: Readonly<Record<string, string | number>>;
  readonly text: string;
  readonly reason: string;
  readonly requestedBy: UserRef;
  readonly requestedAt: string;
  readonly expiresAt: string;
  readonly status: ApprovalStatus;
  readonly decidedBy: UserRef | null;
  readonly decidedAt: string | null;
  readonly comment: string | null;
  readonly usedAt: string | null;
  readonly preview: ApprovalPreview;
}

/** POST /api/approvals → 201 Approval. 429 when the user asks too often. */
export interface ApprovalRequest {
  readonly snippet: string;
  readonly sha256: string;
  readonly env: string;
  readonly params: Readonly<Record<string, string | number | boolean | null>>;
  readonly reason: string;
}

/** GET /api/approvals?status=pending&mine=1 → { approvals } (newest first). */
export interface ApprovalList {
  readonly approvals: readonly Approval[];
}

/** POST /api/approvals/:id/decision → Approval. 403 for one's own request or without the approver role. */
export interface DecisionRequest {
  readonly decision: 'approve' | 'reject';
  readonly comment: string;
}

export type AuditKind = 'run' | 'approval_request' | 'approval_decision';

export interface AuditRecord {
  readonly id: string;
  readonly at: string;
  readonly kind: AuditKind;
  readonly user: string;
  readonly roles: readonly string[];
  readonly snippet: string | null;
  readonly sha256: string | null;
  readonly runbook: string | null;
  readonly step: string | null;
  readonly env: string | null;
  readonly params: Readonly<Record<string, unknown>>;
  readonly approval: string | null;
  readonly runId: string | null;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  /** Run status, or for approvals: requested / approved / rejected. */
  readonly status: RunStatus | 'requested' | 'approved' | 'rejected';
  readonly rowCount: number | null;
  readonly check: boolean | null;
  readonly errorCode: ErrorCode | null;
  readonly detail: string | null;
  /** SQL writes: rows changed (null for reads, refusals, and engines that cannot tell). */
  readonly rowsAffected?: number | null;
  /** A dry run (a clear's or trigger's preview), which changed nothing; tells it apart from the real one. */
  readonly dryRun?: boolean | null;
}

/**
 * GET /api/audit?runbook=&user=&env=&status=&kind=&from=YYYY-MM-DD&to=YYYY-MM-DD&limit=100&offset=0
 * → AuditPage (newest first); GET /api/audit.csv?same filters → text/csv download. Admins and approvers.
 */
export interface AuditPage {
  readonly records: readonly AuditRecord[];
  readonly total: number;
}
