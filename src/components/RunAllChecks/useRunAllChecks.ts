/**
 * Runs a runbook's read-only checks one after another on the chosen environment, with their default
 * parameters (the server resolves `today`), and collects a summary: the operator's daily health report.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { RunAllChecksItem } from '@site/plugins/remark-runbook/types';
import type { DoneMessage, EnvironmentInfo } from '@site/server/protocol';
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

export function useRunAllChecks(checks: readonly RunAllChecksItem[], env: EnvironmentInfo | null, status: EnvironmentStatus, socketUrl: () => string) {
  const [outcomes, setOutcomes] = useState<CheckOutcome[]>(() => checks.map(() => ({ state: 'pending' })));
  const [phase, setPhase] = useState<'idle' | 'running' | 'done'>('idle');
  const [summary, setSummary] = useState<Summary | null>(null);
  const handle = useRef<RunHandle | null>(null);
  const stopped = useRef(false);

  useEffect(() => () => handle.current?.dispose(), []);

  const runAll = useCallback(async () => {
    if (!env) return;
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
        handle.current = getRunClient(socketUrl()).start({ snippet: variant.key, sha256: variant.sha256, env: env.name, params: {} }, (event) => {
          if (event.type === 'done') resolve(outcomeOf(event));
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
