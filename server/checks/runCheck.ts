/**
 * The runner's side of a check (issue 11): judge what a read check returned against its conditions and
 * its history, and record the result — the same record whether the page, Run all checks, the Health
 * page, a schedule or a drill ran it. Recording never fails the run: the audit log already holds it.
 */
import type { ManifestSnippet } from '../../plugins/remark-runbook/types';
import type { CheckResult } from '../protocol';
import type { Observation } from './evaluate';
import type { CheckHistory, CheckOrigin, CheckResultRecord } from './types';
import { hasCheck, judgeCheck, readsHistory } from './verdict';

/** History read for a baseline: enough for a 400-day window with a few reruns a day. */
const HISTORY_DEPTH = 1000;

/**
 * A read check is a monitor: it has a condition and changes nothing (write guards are not monitors). A system
 * or Airflow read command with a condition is one too: its grid is the result the condition judges.
 */
export const isMonitor = (s: ManifestSnippet): boolean => s.mode === 'read' && hasCheck(s);

/** The run's business date: the `business_date` parameter, else the first date parameter. */
export function businessDateOf(snippet: ManifestSnippet, resolved: Readonly<Record<string, unknown>>): string | null {
  const named = snippet.params.find((p) => p.name === 'business_date') ?? snippet.params.find((p) => p.type === 'date');
  const v = named ? resolved[named.name] : undefined;
  return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : null;
}

export interface CheckRun {
  readonly key: string;
  readonly snippet: ManifestSnippet;
  readonly env: string;
  readonly resolvedParams: Readonly<Record<string, unknown>>;
  readonly runId: string | null;
  readonly ranBy: string;
  readonly origin: CheckOrigin;
  readonly now: () => Date;
  readonly history: CheckHistory | null;
  readonly log: (message: string) => void;
}

async function record(run: CheckRun, result: Omit<CheckResultRecord, 'id' | 'env' | 'key' | 'sha256' | 'runbook' | 'step' | 'businessDate' | 'runId' | 'ranBy' | 'origin' | 'at'>): Promise<void> {
  if (!run.history) return;
  try {
    await run.history.record({
      env: run.env, key: run.key, sha256: run.snippet.sha256, runbook: run.snippet.runbook, step: run.snippet.step,
      businessDate: businessDateOf(run.snippet, run.resolvedParams), runId: run.runId, ranBy: run.ranBy, origin: run.origin, at: run.now().toISOString(), ...result,
    });
  } catch (error) {
    run.log(`the result of check ${run.key} on ${run.env} was not recorded in the check history: ${(error as Error).message}`);
  }
}

/** Judges a finished read check and records it; returns the `done.check` the page shows. */
export async function judgeAndRecord(run: CheckRun, observation: Observation): Promise<CheckResult> {
  const businessDate = businessDateOf(run.snippet, run.resolvedParams);
  let history: readonly CheckResultRecord[] = [];
  if (run.history && readsHistory(run.snippet)) {
    try {
      history = await run.history.series(run.env, run.key, HISTORY_DEPTH);
    } catch (error) {
      // Without its history a baseline is undecided: the verdict says "not enough history", nothing is invented.
      run.log(`the history of check ${run.key} could not be read: ${(error as Error).message}`);
    }
  }
  const outcome = judgeCheck(run.snippet, { observation, history, businessDate, now: run.now() });
  await record(run, { value: outcome.value, rows: observation.rowCount, verdict: outcome.verdict, detail: outcome.detail });
  return { passed: outcome.verdict !== 'error', detail: outcome.detail, verdict: outcome.verdict, value: outcome.value !== null && Number.isFinite(outcome.value) ? outcome.value : null, ...(outcome.valueText ? { valueText: outcome.valueText } : {}), ...(outcome.threshold ? { threshold: outcome.threshold } : {}) };
}

/** A check whose statement failed is an error in its history: the Health page must not show it green. */
export async function recordFailedCheck(run: CheckRun, message: string): Promise<void> {
  await record(run, { value: null, rows: 0, verdict: 'error', detail: `Error — the check could not run: ${message.slice(0, 300)}` });
}
