/**
 * Operations (issue 12): one shared, recorded piece of work — an incident, a night's checks, a maintenance —
 * that ties together the runs, approvals, ticked steps, notes and runbooks of it, and can be handed over and
 * exported. These are the wire shapes the server and the page both use (the page imports them type-only).
 */
import type { UserRef } from '../api';

export const SEVERITIES = ['sev1', 'sev2', 'sev3', 'sev4', 'routine'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** `handed-over`: the owner passed it on and the new owner has not resumed it yet. */
export type OperationStatus = 'open' | 'handed-over' | 'closed';

export interface Operation {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly env: string;
  readonly status: OperationStatus;
  readonly owner: UserRef;
  /** Everyone who started, joined or recorded something in it (the owner included). */
  readonly participants: readonly UserRef[];
  /** Where it started: a runbook id, `health`, or `link` (a deep link from an alert). */
  readonly origin: string;
  /** The runbook it was started from, if any (its id), for the page's "back to the runbook" link. */
  readonly runbook: string | null;
  /** Parameters it was started with (e.g. the business date from the alert). */
  readonly params: Readonly<Record<string, string>>;
  readonly createdBy: UserRef;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly closedAt: string | null;
  /** How many timeline events it has (the highest `seq`). */
  readonly eventCount: number;
}

/** A run recorded in an operation, as the server saw it end (proof of work: the first rows are kept). */
export interface OperationRunData {
  readonly runId: string | null;
  readonly clientId: string;
  readonly snippet: string;
  readonly sha256: string;
  readonly runbook: string | null;
  readonly step: string | null;
  readonly env: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly status: string;
  readonly rowCount: number;
  readonly truncated: boolean;
  readonly rowsAffected: number | null;
  readonly dryRun: boolean;
  readonly approval: string | null;
  readonly check: { readonly passed: boolean; readonly detail: string; readonly verdict?: string } | null;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly columns: readonly string[];
  /** At most the first 20 rows, as JSON-safe cells. */
  readonly sample: readonly (readonly unknown[])[];
  /** Airflow: the DAG run and its task states as last seen. */
  readonly airflow: { readonly dagId: string; readonly runId: string; readonly state: string; readonly tasks: readonly { readonly taskId: string; readonly state: string | null }[] } | null;
  readonly startedAt: string;
  readonly endedAt: string;
}

export type OperationEventData =
  | { readonly kind: 'started'; readonly title: string; readonly severity: Severity; readonly env: string; readonly origin: string; readonly params: Readonly<Record<string, string>>; readonly checks?: readonly string[] }
  | { readonly kind: 'run'; readonly run: OperationRunData }
  | {
      readonly kind: 'approval';
      readonly event: 'requested' | 'approved' | 'rejected' | 'used' | 'expired' | 'escalated';
      readonly approval: { readonly id: string; readonly snippet: string; readonly sha256: string; readonly env: string; readonly approverRole: string; /** The role as operators name it (docs/_data/approvers.yaml), when known. */ readonly approverLabel?: string; readonly requestedBy: string; readonly decidedBy: string | null; readonly comment: string | null; readonly reason: string; readonly params: Readonly<Record<string, unknown>> };
    }
  | { readonly kind: 'step'; readonly runbook: string; readonly step: string; readonly title: string; readonly done: boolean }
  | { readonly kind: 'note'; readonly text: string; readonly runbook?: string }
  | { readonly kind: 'link'; readonly runbook: string; readonly path: string; readonly title: string }
  | { readonly kind: 'joined' }
  | { readonly kind: 'handover'; readonly from: UserRef; readonly to: UserRef; readonly note: string }
  | { readonly kind: 'resumed'; readonly note: string }
  | { readonly kind: 'closed'; readonly note: string }
  | {
      /**
       * A page sent from an escalation ladder while working in the operation: `queued` when it was stored for
       * sending (by the person who paged), then `sent` or `failed` for each channel with the receiver's answer.
       */
      readonly kind: 'page';
      readonly target: string;
      readonly summary: string;
      readonly outcome: 'queued' | 'sent' | 'failed';
      readonly ladder?: string;
      readonly level?: string;
      readonly contact?: string;
      readonly channels?: readonly string[];
      readonly dedupKey?: string;
      readonly httpStatus?: number | null;
      readonly answer?: string | null;
    };

export type OperationEventKind = OperationEventData['kind'];

export interface OperationEvent {
  readonly id: string;
  readonly operation: string;
  /** 1, 2, 3 … per operation: the timeline's order, and what a reconnecting page asks "since". */
  readonly seq: number;
  readonly at: string;
  readonly actor: UserRef;
  readonly data: OperationEventData;
}

/** GET /api/operations?status=&env=&severity=&owner=&q= */
export interface OperationList {
  readonly operations: readonly Operation[];
}

/** GET /api/operations/:id (?since=N for only the events after seq N) */
export interface OperationDetail {
  readonly operation: Operation;
  readonly events: readonly OperationEvent[];
}

/** POST /api/operations */
export interface StartOperationRequest {
  readonly title: string;
  readonly severity: Severity;
  readonly env: string;
  readonly origin?: string;
  readonly runbook?: string | null;
  readonly params?: Readonly<Record<string, string>>;
  /** Failing checks it was started for (Health page), recorded in the `started` event. */
  readonly checks?: readonly string[];
}

/** POST /api/operations/:id/events — what the page records by itself. */
export type RecordRequest =
  /** `runbook`: the runbook page the note was typed on, if any (the operation bar above a runbook). */
  | { readonly kind: 'note'; readonly text: string; readonly runbook?: string }
  | { readonly kind: 'step'; readonly runbook: string; readonly step: string; readonly title: string; readonly done: boolean }
  | { readonly kind: 'link'; readonly runbook: string; readonly path: string; readonly title: string };

/** POST /api/operations/:id/handover */
export interface HandoverRequest {
  readonly to: string;
  readonly note: string;
}

/** The WebSocket push (`{"type":"operation"}`): an operation changed, and the event that changed it. */
export interface OperationPush {
  readonly type: 'operation';
  readonly operation: Operation;
  readonly event: OperationEvent;
}

/** POST /api/operations/verify → whether an exported file is unedited and signed by this server's key. */
export interface VerifyResult {
  readonly valid: boolean;
  readonly format: 'json' | 'markdown' | 'html' | 'unknown';
  /** The key that signed it (SHA-256 fingerprint of the public key), when a signature was found. */
  readonly keyId: string | null;
  /** True when that key is this server's. */
  readonly trusted: boolean;
  readonly operation: string | null;
  readonly commit: string | null;
  readonly reason: string;
}
