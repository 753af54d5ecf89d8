/**
 * Where "Run all checks" leaves a failed check's rows, so the block the check came from can show them:
 * the operator reads the failing rows in context, under the SQL that found them, not only a red line in the
 * report. A small page-wide store keyed by snippet key; blocks subscribe to the keys of their variants.
 */
import type { Cell, ColumnInfo, DoneMessage } from '@site/server/protocol';

export interface ReportedResult {
  readonly key: string;
  readonly columns: readonly ColumnInfo[];
  readonly rows: readonly (readonly Cell[])[];
  readonly done: DoneMessage;
  /** The business date the report ran with; null when each check used its own default. */
  readonly businessDate: string | null;
  readonly at: string;
}

type Listener = (result: ReportedResult | null) => void;

const results = new Map<string, ReportedResult>();
const listeners = new Map<string, Set<Listener>>();

export function publishCheckResult(result: ReportedResult): void {
  results.set(result.key, result);
  for (const l of listeners.get(result.key) ?? []) l(result);
}

/** Forgets a key's result (a new report started, or the block ran the check itself). */
export function clearCheckResult(key: string): void {
  if (!results.delete(key)) return;
  for (const l of listeners.get(key) ?? []) l(null);
}

export function checkResultOf(key: string): ReportedResult | null {
  return results.get(key) ?? null;
}

export function subscribeCheckResult(key: string, listener: Listener): () => void {
  const set = listeners.get(key) ?? new Set<Listener>();
  set.add(listener);
  listeners.set(key, set);
  return () => {
    set.delete(listener);
    if (set.size === 0) listeners.delete(key);
  };
}
