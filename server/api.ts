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
  /** The groups the sign-in asserted: the page compares them with an approval's deciders. */
  readonly groups?: readonly string[];
  readonly authMode: 'demo' | 'proxy' | 'oidc';
  /**
   * The approver roles (approvals.roles) this user is a member of, as the server decides it. Non-empty means
   * the user decides some requests and gets the approvals inbox, whether or not they hold the `approver` role.
   */
  readonly approverRoles?: readonly string[];
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
      readonly taskInstances: readonly { readonly dagId: string; readonly runId: string; readonly taskId: string; readonly state: string | null; readonly mapIndex?: number }[];
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
  /**
   * For a used approval: the run that spent it and how that run ended — `running` while it goes, and
   * `interrupted` when the server stopped (crashed) during it, so nobody assumes the write happened.
   */
  readonly run?: { readonly id: string; readonly status: AuditStatus } | null;
  /** Who may decide (members of `approverRole`), as the configuration names them; absent from old servers. */
  readonly deciders?: Deciders;
  /** Approvals needed before it is approved (N for production writes) and those given so far. */
  readonly required?: number;
  readonly votes?: readonly ApprovalVote[];
  /** What happened to the request besides decisions: notified, escalated along the ladder, expired, paged. */
  readonly steps?: readonly ApprovalStep[];
}

/** The members of an approver role, for "who can decide". */
export interface Deciders {
  readonly role: string;
  /** The role's label from the data files (docs/_data/approvers.yaml), or the role id. */
  readonly label: string;
  readonly users: readonly UserRef[];
  readonly groups: readonly string[];
  /** Nobody can decide: the configuration lists no members for the role. */
  readonly unconfigured: boolean;
}

export interface ApprovalVote {
  readonly by: UserRef;
  readonly at: string;
  readonly comment: string;
}

export interface ApprovalStep {
  readonly kind: 'notified' | 'escalated' | 'expired' | 'paged';
  readonly at: string;
  /** One line, e.g. "Escalated to Data Engineering Manager (Eng. Manager)". */
  readonly title: string;
  readonly detail: string | null;
}

/**
 * POST /api/page → PageResult: the Page action of an escalation ladder level. Sends a PagerDuty Events v2
 * trigger or a Slack message (paging.channels) naming the person and how to reach them, with a link back.
 */
export interface PageRequest {
  readonly ladder: string;
  /** 0-based level of the ladder. */
  readonly level: number;
  /** What the page is about, in a sentence (shown to the person paged). */
  readonly summary: string;
  /** The page it was sent from (a path on this site), for the link. */
  readonly path?: string;
  /** An approval the page is about; its escalation steps record the page. */
  readonly approval?: string;
  /** An operation id, when the page is part of one. */
  readonly operation?: string;
}

export interface PageResult {
  /** Who was paged: the level's person, the on-call of a rotation resolved now. */
  readonly who: string;
  readonly channels: readonly string[];
}

/** GET /api/approvers → which members each approver role has, and whether this user may page. */
export interface ApproversResponse {
  readonly roles: readonly Deciders[];
  readonly canPage: boolean;
  readonly pagingChannels: readonly string[];
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

/** `operation`: an operation was started, handed over, resumed or closed, or such an attempt was refused (issue 12); `page`: someone was paged from a ladder. */
/** `result_read`: a user read or exported a result the server kept for them (issue 14). */
export type AuditKind = 'run' | 'approval_request' | 'approval_decision' | 'operation' | 'page' | 'result_read';

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
  /**
   * Run status (`running` while the run goes: the record is written when the run is accepted and completed
   * once when it ends; `interrupted` when the server stopped during it), or for approvals: requested /
   * approved / rejected (a refused request or decision is `rejected` with an error code).
   */
  readonly status: AuditStatus;
  readonly rowCount: number | null;
  readonly check: boolean | null;
  readonly errorCode: ErrorCode | 'not_found' | 'rate_limited' | 'bad_request' | null;
  readonly detail: string | null;
  /** Rows a write changed, where the engine reports it; null otherwise (and for reads). */
  readonly rowsAffected: number | null;
  /** True for a preview/dry run (e.g. an Airflow clear's dry-run list); null when not applicable. */
  readonly dryRun: boolean | null;
  /** The server instance that ran it (several instances may share a PostgreSQL store); null for old records. */
  readonly instance: string | null;
  /** The operation it was part of (issue 12); absent or null outside one. */
  readonly operation?: string | null;
}

export type AuditStatus = RunStatus | 'running' | 'interrupted' | 'requested' | 'approved' | 'rejected' | 'expired';

/**
 * GET /api/audit?runbook=&user=&env=&status=&kind=&from=YYYY-MM-DD&to=YYYY-MM-DD&limit=100&offset=0
 * → AuditPage (newest first); GET /api/audit.csv?same filters → text/csv download. Admins and approvers.
 */
export interface AuditPage {
  readonly records: readonly AuditRecord[];
  readonly total: number;
}
