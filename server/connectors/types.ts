/**
 * The narrow interface every SQL engine implements (DESIGN.md §6.2): stream one snippet with named
 * binds under a signal, a row cap and a timeout. Connectors know nothing about sockets or policy.
 */
import type { BoundValue } from '../../plugins/remark-runbook/syntax/params';
import type { Cell, ColumnInfo, RunError, ServerMessage } from '../protocol';
import type { Dialect, Mode } from '../../plugins/remark-runbook/types';

export interface StatementRequest {
  readonly text: string;
  readonly binds: Readonly<Record<string, BoundValue>>;
  /** Read runs in a read-only transaction/session; write needs the write profile. */
  readonly mode: Mode;
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /** Stop after this many rows and report `truncated`. */
  readonly maxRows: number;
  /**
   * Who runs what, for engines that can label a statement (Snowflake's QUERY_TAG), so the warehouse's own
   * query history names the runbook, snippet and user. Engines without such a label ignore it.
   */
  readonly queryTag?: { readonly runbook: string; readonly snippet: string; readonly user: string; readonly env: string; readonly runId: string };
  /**
   * For writes with `expect="affected …"`: asked with the outcome before COMMIT, inside the transaction.
   * False rolls the write back (the outcome then says `rolledBack`), so a write that misses its target
   * changes nothing. Engines that cannot ask before committing leave the check to the runner afterwards.
   */
  readonly commitWhen?: (outcome: StatementOutcome) => boolean;
  /**
   * The run's admission (its audit record durable, the run accepted): true, or false when it will not run. Only
   * for an engine that sets `waitsForReady`: it may connect and prepare before, and runs no statement until it is
   * true (false: it throws `cancelled`). The runner hands any other engine the statement after admission.
   */
  readonly ready?: Promise<boolean>;
}

/** What a statement held back for `ready` ends with when the run is not admitted after all: nothing ran. */
export function notAdmitted(): ConnectorError {
  return new ConnectorError('cancelled', 'The run was not admitted (its audit record was not written, or it was cancelled), so its statement never ran.');
}

/** Where rows go. `rows` resolves when the consumer can take more: that is the backpressure. */
export interface RowSink {
  columns(columns: readonly ColumnInfo[]): void;
  rows(batch: readonly (readonly Cell[])[]): Promise<void>;
}

export interface StatementOutcome {
  readonly rowCount: number;
  readonly truncated: boolean;
  /** First column of the first row, for `expect value …` checks. */
  readonly firstValue: Cell | undefined;
  /**
   * Rows the snippet's INSERT/UPDATE/DELETE/MERGE statements changed, summed; null (or absent, for engines
   * that cannot tell) when nothing in it was a write.
   */
  readonly rowsAffected?: number | null;
  /** The write was rolled back because `commitWhen` said no. */
  readonly rolledBack?: boolean;
}

export type ConnectorErrorCode = 'connector_error' | 'timeout' | 'cancelled' | 'unavailable' | 'forbidden';

/** A failure a user can act on: the engine's message, its code, and a hint. */
export class ConnectorError extends Error {
  constructor(
    readonly code: ConnectorErrorCode,
    message: string,
    readonly hint?: string,
    readonly engineCode?: string,
  ) {
    super(message);
    this.name = 'ConnectorError';
  }
}

export interface PreviewRequest {
  readonly text: string;
  readonly binds: Readonly<Record<string, BoundValue>>;
  readonly mode: Mode;
  readonly timeoutMs: number;
}

/** What an approver sees before deciding: the plan and, where the engine can say safely, the rows touched. */
export interface StatementPreview {
  readonly plan: string | null;
  readonly affectedRows: number | null;
  readonly note: string | null;
}

export interface SqlConnector {
  readonly kind: string;
  readonly dialect: Dialect;
  stream(request: StatementRequest, sink: RowSink): Promise<StatementOutcome>;
  /** True for an engine that holds every statement back until `request.ready` (and so may be handed it early). */
  readonly waitsForReady?: boolean;
  /** Optional: engines that cannot explain or count safely leave it out. */
  preview?(request: PreviewRequest): Promise<StatementPreview>;
  close(): Promise<void>;
}

/**
 * One run of a command-style block (Airflow and the systems of connectors/systems): the command with its bound
 * parameters, whether the page asked for the preview or confirmed after it, and where output goes.
 */
export interface CommandRun {
  readonly text: string;
  readonly binds: Readonly<Record<string, BoundValue>>;
  /** The page asked for the dry run. */
  readonly preview: boolean;
  /** The operator confirmed the write after its preview (or an approver approved it). */
  readonly confirmed: boolean;
  readonly id: string;
  readonly channel: { send(message: ServerMessage): void; rows(batch: readonly (readonly Cell[])[]): Promise<void> };
  readonly signal: AbortSignal;
  readonly maxRows: number;
  /** Where the run comes from, for systems that link back to it (a Slack post names the runbook step). */
  readonly source?: RunSource;
}

export interface RunSource {
  readonly runbook: string;
  readonly snippet: string;
  /** The run's id in the audit log. */
  readonly runId: string;
  readonly user: string;
  readonly env: string;
  /** The step on the site, e.g. /ecommerce/daily-run#escalate-p1; null when the manifest has no page for it. */
  readonly page: string | null;
}

/** How a command-style block ended; the runner sends `done` and completes the audit record from it. */
export interface CommandOutcome {
  readonly status: 'succeeded' | 'failed' | 'cancelled';
  readonly rowCount: number;
  readonly truncated: boolean;
  readonly dryRun: boolean;
  readonly error?: RunError;
}
