/**
 * The demo's recorded check history (issue 11): on a fresh demo, sparklines and baselines would start
 * empty, so every Health-page check is replayed for each of the past N days against the demo warehouse,
 * which carries those days. Each replay is a real run through the runner — audited, under the service
 * identity `opsbook-seed`, origin `seed` — judged as of noon UTC of its day (so ages and deadlines are
 * those of that day) with its date parameters resolved for that day, and recorded in the check history.
 *
 * Deterministic and idempotent: the moments replayed depend only on today's date, and a (check, day)
 * that already has a seed result is not replayed, so restarting the server adds only the days it lacks.
 * Oldest day first, so each day's baseline reads the days before it. Meant to run in the background
 * after the server listens; it logs its progress and stops when the server stops.
 */
import { addDays, calendarDateIn } from '../../plugins/remark-runbook/syntax/zonedDate';
import type { Identity } from '../identity';
import { bindParams } from '../execution/bindParams';
import { executeRun, type RunnerDeps } from '../execution/runner';
import { checksFor } from './catalog';
import type { CheckHistory } from './types';

/** Who the replays are in the audit and the history: a service, never a person. */
export const SEED_IDENTITY: Identity = Object.freeze({
  user: 'opsbook-seed',
  displayName: 'Opsbook demo history',
  roles: Object.freeze(['service-team'] as const),
});

/** The moment a day is replayed at: noon UTC, a time every demo family's daily run has finished by. */
const REPLAY_HOUR_UTC = 12;

/**
 * Dated checks that still read state the demo warehouse keeps only as it is now: replayed for a past day
 * they would judge today's state against that day and record an error that never happened.
 */
export const CURRENT_STATE_CHECKS: ReadonlyMap<string, string> = new Map([
  ['canonical-setup-dags/date-control-set', 'the date control table holds only the date it is set to now'],
  ['canonical-daily-batch/etl-date-control-set', 'the date control table holds only the date it is set to now'],
  ['ecomm-data-pipeline/watermark-windows', 'the demo source keeps only the current version of each order, so a past window cannot be recounted'],
]);

/**
 * Whether a past day of this check can be replayed: it must take a date (an undated check reads the state
 * as it is now, whatever day it is judged as of) and read history the demo keeps.
 */
export function replayable(key: string, snippet: { readonly params: readonly { readonly type: string }[] }): boolean {
  return !CURRENT_STATE_CHECKS.has(key.replace(/:[a-z]+$/, '')) && snippet.params.some((p) => p.type === 'date' || p.type === 'datetime');
}

/** How many past results per check are read to know which days already have a seed result. */
const SEEN_DEPTH = 1000;

export interface SeedHistoryOptions {
  /** The runner the pages use; its `checks` is where the results go. */
  readonly runner: RunnerDeps & { readonly checks: CheckHistory };
  readonly env: string;
  /** How many past days to replay (today is not: it is the operators' to run). */
  readonly days: number;
  /** The real clock: today's date, and the audit's times. */
  readonly now: () => Date;
  readonly log: (message: string) => void;
  readonly signal: AbortSignal;
  /** Progress every this many runs (default 200). */
  readonly progressEvery?: number;
}

export interface SeedHistoryReport {
  readonly checks: number;
  readonly days: number;
  /** Replays run now (the others were already recorded). */
  readonly ran: number;
  readonly skipped: number;
  readonly notOk: number;
  readonly elapsedMs: number;
  readonly stopped: boolean;
}

/** The replay moments, oldest first: noon UTC of each of the `days` days before today (UTC). */
export function replayMoments(now: Date, days: number): Date[] {
  const today = calendarDateIn(now, 'UTC');
  const moments: Date[] = [];
  for (let k = days; k >= 1; k--) moments.push(new Date(`${addDays(today, -k)}T${String(REPLAY_HOUR_UTC).padStart(2, '0')}:00:00.000Z`));
  return moments;
}

export async function seedCheckHistory(o: SeedHistoryOptions): Promise<SeedHistoryReport> {
  const t0 = performance.now();
  const env = o.runner.config.environments[o.env];
  if (!env) throw new Error(`no environment "${o.env}" to seed check history for`);
  const kinds = Object.fromEntries(Object.entries(env.connections).map(([name, c]) => [name, c.kind]));
  const checks = checksFor(o.runner.manifest.current(), o.env, kinds).filter(([key, snippet]) => replayable(key, snippet));
  const moments = replayMoments(o.now(), o.days);
  const history = o.runner.checks;
  const every = o.progressEvery ?? 200;
  let ran = 0;
  let skipped = 0;
  let notOk = 0;
  let n = 0;
  // Which (check, replay day) pairs already have a seed result: the day of a replay is the date of its `at`.
  const seeded = new Map<string, Set<string>>();
  for (const [key] of checks) {
    const days = new Set((await history.series(o.env, key, SEEN_DEPTH)).filter((r) => r.origin === 'seed').map((r) => r.at.slice(0, 10)));
    seeded.set(key, days);
  }
  const total = checks.length * moments.length;
  o.log(`check history: replaying ${checks.length} checks of ${o.env} for the ${moments.length} days before today (${total} runs at most), in the background`);
  for (const asOf of moments) {
    const day = asOf.toISOString().slice(0, 10);
    // The check is judged and recorded as of its day; the audit keeps the real time of the run.
    const runner: RunnerDeps = { ...o.runner, checkNow: () => asOf };
    for (const [key, snippet] of checks) {
      if (o.signal.aborted) return report(true);
      n++;
      if (seeded.get(key)?.has(day)) {
        skipped++;
        continue;
      }
      const bound = bindParams(snippet.params, {}, asOf, snippet.timezone);
      if (!bound.ok) {
        o.log(`check history: ${key} was not replayed for ${day}: ${bound.message}`);
        continue;
      }
      const done = await executeRun(runner, SEED_IDENTITY, {
        type: 'run', id: `seed-${day}-${n}`, snippet: key, sha256: snippet.sha256, env: o.env, params: bound.resolved, origin: 'seed',
      }, { send: () => undefined, rows: async () => undefined }, o.signal);
      ran++;
      if (done.check?.verdict !== 'ok') notOk++;
      if (ran % every === 0) o.log(`check history: ${n} of ${total} (${day}), ${Math.round((performance.now() - t0) / 1000)} s`);
    }
  }
  return report(false);

  function report(stopped: boolean): SeedHistoryReport {
    return { checks: checks.length, days: moments.length, ran, skipped, notOk, elapsedMs: Math.round(performance.now() - t0), stopped };
  }
}
