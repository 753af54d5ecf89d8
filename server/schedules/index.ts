/**
 * Starts the configured schedules on the engine that fits the state store: pg-boss on PostgreSQL (exactly
 * once across instances), croner in-process on the embedded store. Each schedule's check set is validated
 * against the manifest first, so a schedule that names a write or an escalation step stops the start.
 */
import type { StateSql } from '../audit/types';
import type { RunnerDeps } from '../execution/runner';
import { resolveCheckSet } from './checkSet';
import type { ScheduleConfig } from './config';
import { fire } from './fire';
import { openFiringStore, type FiringStore } from './firings';
import { startCronEngine, type Engine } from './inProcess';

export class ScheduleError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the schedules cannot run:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ScheduleError';
  }
}

export function validateSchedules(runner: Pick<RunnerDeps, 'config' | 'manifest'>): string[] {
  return runner.config.schedules.flatMap((s, i) => {
    const env = runner.config.environments[s.env];
    if (!env) return [`schedules.${i} (${s.name}): no environment "${s.env}"`];
    return resolveCheckSet(runner.manifest.current(), s, s.env, env).problems.map((p) => `schedules.${i}.checks (${s.name}): ${p}`);
  });
}

export interface Schedules {
  readonly firings: FiringStore;
  readonly schedules: readonly ScheduleConfig[];
  close(): Promise<void>;
}

/** A heartbeat older than this means the instance is gone (as in server/audit/liveness.ts). */
const STALE_AFTER_MS = 30_000;

export async function startSchedules(o: { runner: RunnerDeps; sql: StateSql; instance: string; log: (m: string) => void }): Promise<Schedules> {
  const schedules = o.runner.config.schedules;
  const problems = validateSchedules(o.runner);
  if (problems.length) throw new ScheduleError(problems);
  const firings = await openFiringStore(o.sql);
  const shared = o.sql.engine === 'postgres';
  const staleBefore = (now: Date) => (shared ? new Date(now.getTime() - STALE_AFTER_MS) : new Date(now.getTime() + 1));
  // At start: firings this instance's previous life left running (any, on the embedded store) ended then.
  await firings.interruptAbandoned(o.instance, staleBefore(new Date()), new Date(), true);
  const stop = new AbortController();
  const onFire = (s: ScheduleConfig, slot: Date) => fire({ runner: o.runner, firings, instance: o.instance, log: o.log, signal: stop.signal, staleBefore }, s, slot);
  let engine: Engine = { close: async () => undefined };
  if (schedules.length > 0) {
    if (shared) {
      const { startPgBossEngine } = await import('./pgBoss');
      engine = await startPgBossEngine({ url: o.sql.url!, schema: o.sql.schema!, schedules, log: o.log }, onFire);
    } else engine = startCronEngine(schedules, onFire, o.log);
    o.log(`schedules: ${schedules.map((s) => `${s.name} (${s.cron} ${s.timezone}, ${s.env})`).join(', ')} on ${shared ? 'pg-boss' : 'this process'}`);
  }
  return {
    firings,
    schedules,
    async close() {
      stop.abort();
      await engine.close();
    },
  };
}
