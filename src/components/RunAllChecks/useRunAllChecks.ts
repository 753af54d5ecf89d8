/**
 * Runs a runbook's read-only checks one after another on the chosen environment — with their default
 * parameters (the server resolves `today` in the runbook's zone), or with one business date the operator
 * picked for the whole report — and collects a summary: the operator's daily health report. A failed
 * check's rows go to the block it came from (checkResults), so they are read under their SQL.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { RunAllChecksItem } from '@site/plugins/remark-runbook/types';
import type { Cell, ColumnInfo, DoneMessage, EnvironmentInfo } from '@site/server/protocol';
import { clearCheckResult, publishCheckResult } from '@site/src/lib/checkResults';
import { getRunClient, type RunHandle } from '@site/src/lib/runClient';
import { chooseVariant } from '@site/src/components/RunnableBlock/variant';
import type { EnvironmentStatus } from '@site/src/lib/environment';

export type CheckOutcome =
  | { readonly state: 'pending' | 'running' }
  | { readonly state: 'passed' | 'failed'; readonly detail: string; readonly elapsedMs: number }
  | { readonly state: 'error'; readonly detail: string; readonly elapsedMs: number }
  | { readonly state: 'skipped'; readonly detail: string };

export interface Summary {
  readonly passed: number;
  readonly failed: number;
  readonly errors: number;
  readonly skipped: number;
  readonly elapsedMs: number;
}

export function summarize(outcomes: readonly CheckOutcome[], elapsedMs: number): Summary {
  const count = (s: CheckOutcome['state']) => outcomes.filter((o) => o.state === s).length;
  return { passed: count('passed'), failed: count('failed'), errors: count('error'), skipped: count('skipped'), elapsedMs };
}

/** A `done` as one check's outcome: a failed check is "failed"; anything that kept it from answering is "error". */
export function outcomeOf(done: DoneMessage): CheckOutcome {
  if (done.check) return { state: done.check.passed ? 'passed' : 'failed', detail: done.check.detail, elapsedMs: done.elapsedMs };
  if (done.status === 'succeeded') return { state: 'error', detail: 'The query ran but produced no check result.', elapsedMs: done.elapsedMs };
  return { state: 'error', detail: done.error ? `${done.error.code}: ${done.error.message}` : done.status, elapsedMs: done.elapsedMs };
}

/** Date parameters that name the data day (business_date, batch_date, report_date…): the report's date fills them. */
const BUSINESS_DATE = /^(business|batch|report|data|load)_?(date|day)$/;

export function businessDateParams(check: Pick<RunAllChecksItem, 'params'>): string[] {
  return (check.params ?? []).filter((p) => p.type === 'date' && BUSINESS_DATE.test(p.name)).map((p) => p.name);
}

/** What one check is sent: the picked date for its business-date parameters; nothing else (defaults apply). */
export function reportParams(check: Pick<RunAllChecksItem, 'params'>, businessDate: string | null): Record<string, string> {
  if (!businessDate) return {};
  return Object.fromEntries(businessDateParams(check).map((name) => [name, businessDate]));
}

/** Rows kept per failed check for its block: enough to see what is wrong, bounded for a long report. */
const KEEP_ROWS = 1000;

export function useRunAllChecks(checks: readonly RunAllChecksItem[], env: EnvironmentInfo | null, status: EnvironmentStatus, socketUrl: () => string) {
  const [outcomes, setOutcomes] = useState<CheckOutcome[]>(() => checks.map(() => ({ state: 'pending' })));
  const [phase, setPhase] = useState<'idle' | 'running' | 'done'>('idle');
  const [summary, setSummary] = useState<Summary | null>(null);
  const handle = useRef<RunHandle | null>(null);
  const stopped = useRef(false);

  useEffect(() => () => handle.current?.dispose(), []);

  const runAll = useCallback(async (businessDate: string | null = null) => {
    if (!env) return;
    for (const c of checks) for (const v of c.variants) clearCheckResult(v.key);
    stopped.current = false;
    setPhase('running');
    setSummary(null);
    const results: CheckOutcome[] = checks.map(() => ({ state: 'pending' }));
    setOutcomes([...results]);
    const t0 = performance.now();
    for (let i = 0; i < checks.length; i++) {
      const check = checks[i]!;
      if (stopped.current) {
        results[i] = { state: 'skipped', detail: 'Stopped before this check.' };
        continue;
      }
      const choice = chooseVariant(check, env, status);
      if (!choice.variant || choice.blocked) {
        results[i] = { state: 'skipped', detail: choice.blocked ?? 'No variant for this engine.' };
        setOutcomes([...results]);
        continue;
      }
      results[i] = { state: 'running' };
      setOutcomes([...results]);
      const variant = choice.variant;
      results[i] = await new Promise<CheckOutcome>((resolve) => {
        let columns: readonly ColumnInfo[] = [];
        const rows: (readonly Cell[])[] = [];
        const params = reportParams(check, businessDate);
        handle.current = getRunClient(socketUrl()).start({ snippet: variant.key, sha256: variant.sha256, env: env.name, params }, (event) => {
          if (event.type === 'columns') columns = event.columns;
          else if (event.type === 'rows' && rows.length < KEEP_ROWS) rows.push(...event.rows.slice(0, KEEP_ROWS - rows.length));
          else if (event.type === 'done') {
            const outcome = outcomeOf(event);
            if (outcome.state === 'failed') publishCheckResult({ key: variant.key, columns, rows, done: event, businessDate: params[businessDateParams(check)[0] ?? ''] ?? null, at: new Date().toISOString() });
            resolve(outcome);
          }
        });
      });
      setOutcomes([...results]);
    }
    handle.current = null;
    setSummary(summarize(results, Math.round(performance.now() - t0)));
    setPhase('done');
  }, [checks, env, status, socketUrl]);

  const stop = useCallback(() => {
    stopped.current = true;
    handle.current?.cancel();
  }, []);

  return { outcomes, phase, summary, runAll, stop };
}
