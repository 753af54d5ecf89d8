/**
 * The execution protocol (DESIGN.md §5): messages on the WebSocket at /api/ws.
 * The page imports the types (type-only); the server validates inbound messages with zod.
 */
import * as z from 'zod';
import type { Approval } from './api';
import type { Verdict } from './checks/types';
import type { OperationPush } from './operations/types';

export const ERROR_CODES = [
  'bad_message',
  'unknown_snippet',
  'stale_snippet',
  'unknown_env',
  'env_not_allowed',
  'invalid_params',
  'forbidden',
  /** The sign-in behind the socket expired (OIDC); the page renews it and reconnects. */
  'unauthenticated',
  'approval_required',
  'approval_invalid',
  'confirm_required',
  'busy',
  /** Over the socket's inbound budget (limits.socket*PerWindow): not run; `retryAfterMs` says when to ask again. */
  'rate_limited',
  'timeout',
  'cancelled',
  'connector_error',
  'unavailable',
  /**
   * The page reconnected after a drop but the run's output could not be resumed: the run is not on this
   * instance (it ended, was cancelled when nobody came back, or ran on an instance that stopped), or more
   * output came while away than the server keeps. The page keeps what it had.
   */
  'stream_lost',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface RunError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly hint?: string;
  /** `rate_limited`: when the socket's budget has room again. */
  readonly retryAfterMs?: number;
}

/** A parameter value as the client sends it: the form's text, or a number/boolean from code. */
export type ParamValue = string | number | boolean | null;

const clientId = z.string().min(1, 'id must be a non-empty string').max(64, 'id must be at most 64 characters');

export const runMessageSchema = z.strictObject({
  type: z.literal('run'),
  id: clientId,
  snippet: z.string().min(1).max(300),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'sha256 must be 64 lowercase hex characters'),
  env: z.string().min(1).max(64),
  params: z.record(z.string().max(64), z.union([z.string().max(4096), z.number(), z.boolean(), z.null()])).default({}),
  approval: z.string().max(64).optional(),
  confirm: z.string().max(64).optional(),
  /** For writes that can be dry-run (Airflow clears and triggers): return what would change, change nothing. */
  preview: z.boolean().optional(),
  /**
   * The operator saw the preview of this write and confirmed it. An Airflow trigger without it gets the
   * preview only: nothing starts in Airflow until the page (or a script) says so.
   */
  confirmed: z.boolean().optional(),
  /**
   * Who asked, for the check's history (issue 11): the page sends 'page' (the default), Run all checks
   * 'run-all', the Health page 'health', drills 'drill'. 'schedule' and 'seed' (the demo's replay of past days)
   * are the server's own: a socket may not claim them.
   */
  origin: z.enum(['page', 'run-all', 'health', 'schedule', 'drill', 'seed']).optional(),
  /** The operation this run is part of (issue 12): the server records the run into it as it ends. */
  operation: z.string().min(1).max(64).optional(),
});

export const cancelMessageSchema = z.strictObject({ type: z.literal('cancel'), id: clientId });

/**
 * After a dropped socket, on the new one (same or another instance): continue run `id` (the server's
 * `runId` from `accepted`) after the last sequence number the page received. The server replays what
 * followed and carries on, or ends the run's stream with `done` and error `stream_lost`.
 */
export const resumeMessageSchema = z.strictObject({
  type: z.literal('resume'),
  id: clientId,
  runId: z.string().min(1).max(64),
  after: z.number().int().min(0),
});

export const clientMessageSchema = z.discriminatedUnion('type', [runMessageSchema, cancelMessageSchema, resumeMessageSchema]);

export type RunMessage = z.infer<typeof runMessageSchema>;
export type CancelMessage = z.infer<typeof cancelMessageSchema>;
export type ResumeMessage = z.infer<typeof resumeMessageSchema>;
export type ClientMessage = z.infer<typeof clientMessageSchema>;

export interface ColumnInfo {
  readonly name: string;
  readonly type: string;
}

/** JSON-safe cell: bigint and decimal arrive as strings, dates as ISO strings, lists/structs as JSON. */
export type Cell = string | number | boolean | null | readonly Cell[] | { readonly [key: string]: Cell };

export type RunStatus = 'succeeded' | 'failed' | 'cancelled' | 'rejected';

export interface CheckResult {
  /** False for an error verdict; a warning passes (the run succeeded) but says so in `verdict`. */
  readonly passed: boolean;
  readonly detail: string;
  /** ok / warn / error (issue 11); absent from servers before check verdicts. */
  readonly verdict?: Verdict;
  /** The measured number the check's history records (value, rows, or an age in seconds). */
  readonly value?: number | null;
  /** `value` as an operator reads it where its unit is not plain: an age as a duration ("35.8h"), not seconds. */
  readonly valueText?: string;
  /** The condition that decided the verdict (for ok: the one it was held to). */
  readonly threshold?: string;
}

/**
 * What one socket may send (limits.socket*): every message — run, cancel, resume — counts once, and its bytes
 * count too. Each allowance refills evenly over the window (a token bucket), so a page that spaces its sends
 * at this rate is never refused; the server still enforces it (`rate_limited`).
 */
export interface SocketBudget {
  readonly messages: number;
  readonly bytes: number;
  readonly windowMs: number;
}

export type ServerMessage =
  /**
   * The server's first message on each socket: the socket's inbound budget, so the page paces itself instead of
   * learning it from a refusal. Not tied to a run; servers before it send none, and clients that do not know it
   * ignore it.
   */
  | { readonly type: 'hello'; readonly budget: SocketBudget }
  | { readonly type: 'accepted'; readonly id: string; readonly runId: string; readonly startedAt: string }
  | { readonly type: 'columns'; readonly id: string; readonly columns: readonly ColumnInfo[] }
  | { readonly type: 'rows'; readonly id: string; readonly rows: readonly (readonly Cell[])[] }
  | { readonly type: 'log'; readonly id: string; readonly stream: 'stdout' | 'stderr'; readonly text: string }
  | { readonly type: 'state'; readonly id: string; readonly state: Readonly<Record<string, unknown>> }
  /**
   * Sent before `done` when the result had more rows than the page was streamed (limits.rowsPerRun): the
   * server kept it whole (up to results.maxRows) and the page reads it from GET /api/results/:runId — paged,
   * sorted, filtered, exported — until `expiresAt`. `truncated`: even the kept result was cut.
   */
  | { readonly type: 'kept'; readonly id: string; readonly runId: string; readonly rows: number; readonly truncated: boolean; readonly expiresAt: string }
  | {
      readonly type: 'done';
      readonly id: string;
      readonly status: RunStatus;
      readonly rowCount: number;
      readonly truncated: boolean;
      readonly elapsedMs: number;
      /** SQL writes: rows their INSERT/UPDATE/DELETE/MERGE changed (absent for reads, or where the engine cannot tell). */
      readonly rowsAffected?: number;
      /** The write's `expect="affected …"` failed inside its transaction, which was rolled back: nothing changed. */
      readonly rolledBack?: boolean;
      /** A dry run (a clear's or a trigger's preview): it listed what would happen and changed nothing. */
      readonly dryRun?: boolean;
      readonly check?: CheckResult;
      readonly error?: RunError;
      /**
       * The run ended, but its audit record could not be made durable in time (the audit store is down):
       * `audit_pending` — the server keeps writing it and it appears once the store is back;
       * `audit_lost` — the server was stopping and gave up: the record shows the run as interrupted.
       */
      readonly warning?: { readonly code: 'audit_pending' | 'audit_lost'; readonly message: string };
    }
  | { readonly type: 'error'; readonly code: 'bad_message'; readonly message: string }
  /**
   * Not tied to a run: an approval was requested or decided. Sent to the requester and to every
   * approver connected, so inboxes, navbar counts and waiting operators update without reloading.
   */
  | { readonly type: 'approval'; readonly approval: Approval }
  /** Not tied to a run: an operation changed (issue 12). Sent to every connected operator, approver and admin. */
  | OperationPush;

export type DoneMessage = Extract<ServerMessage, { type: 'done' }>;

/**
 * Every message of a run from `accepted` on carries `seq` (1, 2, …) on the wire, so a page that
 * reconnects can say where it stopped (`resume.after`) and drop anything it already has.
 */
export type Sequenced<M extends ServerMessage = ServerMessage> = M & { readonly seq?: number };

/** The `state` payload of Airflow runs: the DAG run and its task instances, as the page's task grid shows them. */
export interface AirflowRunState {
  readonly dagId: string;
  readonly runId: string;
  readonly state: string;
  readonly logicalDate: string | null;
  readonly tasks: readonly {
    readonly taskId: string;
    readonly state: string | null;
    readonly tryNumber: number;
    readonly startDate: string | null;
    readonly endDate: string | null;
    /** Which instance of a dynamically mapped task; -1 (or absent) for a task that is not mapped. */
    readonly mapIndex?: number;
  }[];
  /** Airflow 3.1+ human-in-the-loop tasks of the run waiting for (or given) an answer. */
  readonly requiredActions?: readonly AirflowRequiredAction[];
}

export interface AirflowRequiredAction {
  readonly taskId: string;
  readonly mapIndex: number;
  readonly subject: string;
  readonly body: string | null;
  readonly options: readonly string[];
  readonly multiple: boolean;
  /** null while it waits for an answer. */
  readonly chosen: readonly string[] | null;
  readonly answeredBy: string | null;
}

/**
 * GET /api/dates?tz=Asia/Bangkok → the server's `today`/`yesterday` in that zone: what a `today` default
 * will bind to when the block runs. The page shows these instead of the reader's own calendar.
 */
export interface ZoneDates {
  readonly timezone: string;
  readonly today: string;
  readonly yesterday: string;
  /** The instant they were computed for (ISO), so a page open past midnight can ask again. */
  readonly at: string;
}

/** GET /api/environments */
export interface EnvironmentInfo {
  readonly name: string;
  readonly label: string;
  readonly production: boolean;
  readonly connections: readonly { readonly name: string; readonly kind: string; readonly dialect: string | null }[];
}

/** GET /api/me */
export interface MeInfo {
  readonly user: string;
  readonly displayName: string;
  readonly roles: readonly string[];
  readonly authMode: string;
}

/** HTTP error body, one shape for every route. */
export interface HttpErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}
