/**
 * One firing of a schedule: claim it (or record it skipped while the previous one still runs), run each
 * check through the same runner path as a page run — as the scheduler's service identity, audited and
 * recorded in the check history like any run — and record how the set ended.
 */
import { randomUUID } from 'node:crypto';
import type { Identity } from '../identity';
import { executeRun, type RunnerDeps } from '../execution/runner';
import type { RunMessage } from '../protocol';
import type { ScheduleConfig } from './config';
import { resolveCheckSet } from './checkSet';
import type { Firing, FiringStore } from './firings';

/** Who scheduled runs are, in the audit and the check history: a service, never a person. */
export const SCHEDULER_IDENTITY: Identity = Object.freeze({
  user: 'opsbook-scheduler',
  displayName: 'Opsbook scheduler',
  roles: Object.freeze(['service-team'] as const),
});

export interface FireDeps {
  readonly runner: RunnerDeps;
  readonly firings: FiringStore;
  readonly instance: string;
  readonly log: (message: string) => void;
  readonly now?: () => Date;
  /** Aborted when the server stops: the running check is cancelled and the firing ends `interrupted`. */
  readonly signal: AbortSignal;
  /** Liveness of other instances (PostgreSQL): a running firing whose instance is gone does not block. */
  readonly staleBefore: (now: Date) => Date;
}

export async function fire(deps: FireDeps, schedule: ScheduleConfig, slot: Date): Promise<Firing['status']> {
  const now = deps.now ?? (() => new Date());
  const base = { id: randomUUID(), schedule: schedule.name, slot: slot.toISOString(), instance: deps.instance, startedAt: now().toISOString() };
  let begun = await deps.firings.begin(base);
  if (!begun && (await deps.firings.interruptAbandoned(deps.instance, deps.staleBefore(now()), now(), false)) > 0) begun = await deps.firings.begin(base);
  if (!begun) {
    const detail = `Skipped: the previous firing of ${schedule.name} was still running at ${base.startedAt}.`;
    await deps.firings.skipped(base, detail);
    deps.log(`schedules: ${detail}`);
    return 'skipped';
  }
  const env = deps.runner.config.environments[schedule.env]!;
  const { checks, problems } = resolveCheckSet(deps.runner.manifest.current(), schedule, schedule.env, env);
  const counts = { runs: 0, passed: 0, failed: 0, errors: 0 };
  const runIds: string[] = [];
  const end = async (status: Firing['status'], detail: string | null) => {
    await deps.firings.finish(base.id, { status, endedAt: now().toISOString(), ...counts, runIds, detail });
    return status;
  };
  if (problems.length) {
    deps.log(`schedules: ${schedule.name} did not run: ${problems.join('; ')}.`);
    return end('failed', `The check set cannot run: ${problems.join('; ')}.`);
  }
  for (const [i, check] of checks.entries()) {
    if (deps.signal.aborted) return end('interrupted', `The server stopped after ${counts.runs} of ${checks.length} checks.`);
    const msg: RunMessage = { type: 'run', id: `${schedule.name}-${i + 1}`, snippet: check.key, sha256: check.sha256, env: schedule.env, params: check.params, origin: 'schedule' };
    const done = await executeRun(deps.runner, SCHEDULER_IDENTITY, msg, {
      send: (m) => {
        if (m.type === 'accepted') runIds.push(m.runId);
      },
      // Nobody reads a scheduled run's rows as they stream; the check sees the count and first value.
      rows: async () => undefined,
    }, deps.signal);
    counts.runs++;
    if (done.status === 'succeeded') counts.passed++;
    else if (done.check && !done.error) counts.failed++;
    else {
      counts.errors++;
      deps.log(`schedules: ${schedule.name}: ${check.key} ${done.status}${done.error ? `: ${done.error.message}` : ''}`);
    }
  }
  return end('done', `${counts.passed} passed, ${counts.failed} failed their check, ${counts.errors} could not run.`);
}
