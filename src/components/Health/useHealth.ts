/**
 * The Health page's state: the checks of every runbook for the chosen environment and business date —
 * or, with none picked, each check's own date (GET /api/checks), and "Run every check" — every one of them through the page's run socket, a few at a
 * time, each result landing in its row as it arrives; afterwards the page asks the server again, so the
 * history and the last run are the recorded ones.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { EnvironmentInfo } from '@site/server/protocol';
import { getApi } from '@site/src/lib/api';
import { checkRequest, runChecks, type CheckRun } from '@site/src/lib/checkRunner';
import { getRunClient } from '@site/src/lib/runClient';
import { verdictOf, type CheckReport } from '@site/src/lib/verdict';
import { checkParams, onePerBlock, type LiveResult } from './model';
import type { ChecksResponse, HealthCheck } from './types';

/** Runs open at once: under the server's default of 4 per socket (`limits.runsPerSocket`), one slot to spare. */
export const HEALTH_CONCURRENCY = 3;

export interface Progress {
  readonly done: number;
  readonly total: number;
  /** Warnings, errors and checks that could not run, so far. */
  readonly problems: number;
  readonly elapsedMs: number;
}

export type Load = { readonly state: 'idle' | 'loading' } | { readonly state: 'ready'; readonly data: ChecksResponse; readonly checks: readonly HealthCheck[] } | { readonly state: 'failed'; readonly message: string };

export function useHealth(base: string, env: EnvironmentInfo | null, businessDate: string | null, socketUrl: () => string) {
  const [load, setLoad] = useState<Load>({ state: 'idle' });
  const [live, setLive] = useState<ReadonlyMap<string, LiveResult>>(new Map());
  const [progress, setProgress] = useState<Progress | null>(null);
  const [phase, setPhase] = useState<'idle' | 'running' | 'done'>('idle');
  const [reloads, setReloads] = useState(0);
  const current = useRef<CheckRun | null>(null);
  const envName = env?.name ?? null;
  const dialects = (env?.connections ?? []).map((c) => c.dialect ?? c.kind).join(',');

  useEffect(() => {
    if (!envName) return undefined;
    const abort = new AbortController();
    setLoad((l) => (l.state === 'ready' ? l : { state: 'loading' }));
    getApi(base)
      .get<ChecksResponse>(`/api/checks?env=${encodeURIComponent(envName)}${businessDate ? `&date=${encodeURIComponent(businessDate)}` : ''}`, abort.signal)
      .then((data) => {
        setLoad({ state: 'ready', data, checks: onePerBlock(data.checks, dialects.split(',')) });
        // The recorded results now include this page's: its own copies are no longer needed.
        setLive(new Map());
      })
      .catch((error: unknown) => {
        if (abort.signal.aborted) return;
        setLoad({ state: 'failed', message: error instanceof Error ? error.message : String(error) });
      });
    return () => abort.abort();
  }, [base, envName, businessDate, dialects, reloads]);

  // Another environment or date: what ran for the last one says nothing about this one.
  useEffect(() => {
    current.current?.stop();
    setLive(new Map());
    setProgress(null);
    setPhase('idle');
  }, [envName, businessDate]);
  useEffect(() => () => current.current?.stop(), []);

  const runEvery = useCallback(async () => {
    if (load.state !== 'ready' || !envName || current.current) return;
    const checks = load.checks;
    const t0 = performance.now();
    const results = new Map<string, LiveResult>(checks.map((c) => [c.key, { state: 'queued' }]));
    let done = 0;
    let problems = 0;
    const publish = () => {
      setLive(new Map(results));
      setProgress({ done, total: checks.length, problems, elapsedMs: Math.round(performance.now() - t0) });
    };
    setPhase('running');
    publish();
    const client = getRunClient(socketUrl());
    const run = runChecks(
      checks.map((c) => ({ request: checkRequest({ snippet: c.key, sha256: c.sha256, env: envName, params: checkParams(c, businessDate) }, 'health') })),
      {
        start: (request, onEvent) => client.start(request, onEvent),
        concurrency: HEALTH_CONCURRENCY,
        // The Health page shows verdicts; the rows are read in the runbook the row links to.
        keepRows: 0,
        onStart: (i) => {
          results.set(checks[i]!.key, { state: 'running' });
          publish();
        },
        onResult: (i, { done: msg }) => {
          const check = msg.check as CheckReport | undefined;
          const verdict = check ? verdictOf(check) : null;
          done += 1;
          if (verdict !== 'ok') problems += 1;
          results.set(checks[i]!.key, {
            state: 'done',
            verdict,
            value: check?.value ?? null,
            detail: check ? check.detail : msg.error ? `${msg.error.code}: ${msg.error.message}` : `The run ${msg.status} without a check result.`,
            threshold: check?.threshold ?? null,
            at: new Date().toISOString(),
          });
          publish();
        },
        onSkipped: (i) => results.delete(checks[i]!.key),
      },
    );
    current.current = run;
    await run.finished;
    current.current = null;
    publish();
    setPhase('done');
    setReloads((n) => n + 1);
  }, [load, envName, businessDate, socketUrl]);

  const stop = useCallback(() => current.current?.stop(), []);
  const reload = useCallback(() => setReloads((n) => n + 1), []);

  return { load, live, progress, phase, runEvery, stop, reload };
}
