/**
 * The contract between check evaluation, check history, the Health page, schedules and alerts (issue 11).
 * Every check result — from a page, Run all checks, the Health page, a schedule or a drill — is one
 * `CheckResultRecord` in the state store; baselines read that history, the Health page shows it, and a
 * change of verdict is a `CheckTransition` that alerts act on.
 */

/** `ok` passed; `warn` met its warn condition only; `error` met its error condition (or an old `expect` failed). */
export type Verdict = 'ok' | 'warn' | 'error';

/**
 * Who asked for the check: a person in a runbook page, Run all checks, the Health page, a schedule, a drill,
 * or `seed` — the demo's replay of past business days at start, so baselines and sparklines have history.
 */
export type CheckOrigin = 'page' | 'run-all' | 'health' | 'schedule' | 'drill' | 'seed';

export interface CheckResultRecord {
  readonly id: string;
  readonly env: string;
  /** Manifest snippet key, e.g. `investor-profit/profit-vs-average`. */
  readonly key: string;
  readonly sha256: string;
  readonly runbook: string;
  readonly step: string | null;
  /** The run's `business_date` (or first date parameter), YYYY-MM-DD; null when the check has none. */
  readonly businessDate: string | null;
  /** The measured number (first value, row count or age), null when there was none. */
  readonly value: number | null;
  readonly rows: number;
  readonly verdict: Verdict;
  /** One sentence an operator reads: what was measured, against which threshold or baseline. */
  readonly detail: string;
  readonly runId: string | null;
  readonly ranBy: string;
  readonly origin: CheckOrigin;
  /** ISO timestamp of when the result was taken. */
  readonly at: string;
}

export interface CheckHistory {
  record(result: Omit<CheckResultRecord, 'id'>): Promise<CheckResultRecord>;
  /** The newest result per check key for an environment (and business date, when given). */
  latest(env: string, businessDate: string | null): Promise<readonly CheckResultRecord[]>;
  /** Newest first. */
  series(env: string, key: string, limit: number): Promise<readonly CheckResultRecord[]>;
  /** Called after a record whose verdict differs from the previous result of the same env + key + business date. */
  onTransition(listener: (transition: CheckTransition) => void): () => void;
}

export interface CheckTransition {
  /** Null for the first result recorded for this env + key + business date. */
  readonly previous: Verdict | null;
  /** Who produced the previous result: a `seed` result was never alerted on, so there is nothing to resolve. */
  readonly previousOrigin?: CheckOrigin;
  readonly current: CheckResultRecord;
}
