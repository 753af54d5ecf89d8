/**
 * Runs a runbook's read-only checks one after another (src/lib/checkRunner.ts) on the chosen environment — with their default
 * parameters (the server resolves `today` in the runbook's zone), or with one business date the operator
 * picked for the whole report — and collects a summary: the operator's daily health report. A failed
 * check's rows go to the block it came from (checkResults), so they are read under their SQL.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { RunAllChecksItem } from '@site/plugins/remark-runbook/types';
import type { DoneMessage, EnvironmentInfo } from '@site/server/protocol';
import { clearCheckResult, publishCheckResult } from '@site/src/lib/checkResults';
import { checkRequest, runChecks, type CheckJob, type CheckRun } from '@site/src/lib/checkRunner';
import { getRunClient } from '@site/src/lib/runClient';
import { verdictOf, type CheckReport } from '@site/src/lib/verdict';
import { businessDateParams, reportParams } from '@site/src/lib/businessDate';
import { chooseVariant } from '@site/src/components/RunnableBlock/variant';
import type { EnvironmentStatus } from '@site/src/lib/environment';

export type CheckOutcome =
  | { readonly state: 'pending' | 'running' }
  | { readonly state: 'passed' | 'warned' | 'failed'; readonly detail: string; readonly elapsedMs: number; readonly threshold?: string }
  | { readonly state: 'error'; readonly detail: string; readonly elapsedMs: number }
  | { readonly state: 'skipped'; readonly detail: string };

export interface Summary {
  readonly passed: number;
  readonly warned: number;
  readonly failed: number;
  readonly errors: number;
  readonly skipped: number;
  readonly elapsedMs: number;
}

export function summarize(outcomes: readonly CheckOutcome[], elapsedMs: number): Summary {
  const count = (s: CheckOutcome['state']) => outcomes.filter((o) => o.state === s).length;
  return { passed: count('passed'), warned: count('warned'), failed: count('failed'), errors: count('error'), skipped: count('skipped'), elapsedMs };
}

const STATE_OF = { ok: 'passed', warn: 'warned', error: 'failed' } as const;

/** A `done` as one check's outcome: its verdict when it has a check result; anything that kept it from answering is "error". */
export function outcomeOf(done: DoneMessage): CheckOutcome {
  const check = done.check as CheckReport | undefined;
  if (check) {
    return { state: STATE_OF[verdictOf(check)], detail: check.detail, elapsedMs: done.elapsedMs, ...(check.threshold ? { threshold: check.threshold } : {}) };
  }
  if (done.status === 'succeeded') return { state: 'error', detail: 'The query ran but produced no check result.', elapsedMs: done.elapsedMs };
  return { state: 'error', detail: done.error ? `${done.error.code}: ${done.error.message}` : done.status, elapsedMs: done.elapsedMs };
}

export { businessDateParams, reportParams } from '@site/src/lib/businessDate';

/** Rows kept per failed check for its block: enough to see what is wrong, bounded for a long report. */
const KEEP_ROWS = 1000;

export function useRunAllChecks(checks: readonly RunAllChecksItem[], env: EnvironmentInfo | null, status: EnvironmentStatus, socketUrl: () => string) {
  const [outcomes, setOutcomes] = useState<CheckOutcome[]>(() => checks.map(() => ({ state: 'pending' })));
  const [phase, setPhase] = useState<'idle' | 'running' | 'done'>('idle');
  const [summary, setSummary] = useState<Summary | null>(null);
  const current = useRef<CheckRun | null>(null);

  useEffect(() => () => current.current?.stop(), []);

  const runAll = useCallback(async (businessDate: string | null = null) => {
    if (!env) return;
    for (const c of checks) for (const v of c.variants) clearCheckResult(v.key);
    setPhase('running');
    setSummary(null);
    const results: CheckOutcome[] = checks.map(() => ({ state: 'pending' }));
    // Which check each job is: checks that cannot run here are skipped with the block's own reason.
    const jobOf: { readonly index: number; readonly key: string; readonly businessDate: string | null }[] = [];
    const jobs: CheckJob[] = [];
    checks.forEach((check, i) => {
      const choice = chooseVariant(check, env, status);
      if (!choice.variant || choice.blocked) {
        results[i] = { state: 'skipped', detail: choice.blocked ?? 'No variant for this engine.' };
        return;
      }
      const params = reportParams(check, businessDate);
      jobOf.push({ index: i, key: choice.variant.key, businessDate: params[businessDateParams(check)[0] ?? ''] ?? null });
      jobs.push({ request: checkRequest({ snippet: choice.variant.key, sha256: choice.variant.sha256, env: env.name, params }, 'run-all') });
    });
    setOutcomes([...results]);
    const t0 = performance.now();
    const client = getRunClient(socketUrl());
    // One at a time, in page order: the report reads like the runbook.
    const run = runChecks(jobs, {
      start: (request, onEvent) => client.start(request, onEvent),
      concurrency: 1,
      keepRows: KEEP_ROWS,
      onStart: (j) => {
        results[jobOf[j]!.index] = { state: 'running' };
        setOutcomes([...results]);
      },
      onResult: (j, { done, columns, rows }) => {
        const job = jobOf[j]!;
        const outcome = outcomeOf(done);
        results[job.index] = outcome;
        if (outcome.state === 'failed' || outcome.state === 'warned') {
          publishCheckResult({ key: job.key, columns, rows, done, businessDate: job.businessDate, at: new Date().toISOString() });
        }
        setOutcomes([...results]);
      },
      onSkipped: (j) => {
        results[jobOf[j]!.index] = { state: 'skipped', detail: 'Stopped before this check.' };
      },
    });
    current.current = run;
    await run.finished;
    current.current = null;
    setOutcomes([...results]);
    setSummary(summarize(results, Math.round(performance.now() - t0)));
    setPhase('done');
  }, [checks, env, status, socketUrl]);

  const stop = useCallback(() => current.current?.stop(), []);

  return { outcomes, phase, summary, runAll, stop };
}
