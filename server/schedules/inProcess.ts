/**
 * The embedded store's scheduler: one croner job per schedule in this process (the DuckDB state file has
 * one owner, so there is nobody to agree with). Seconds are allowed here: a six-field expression fires
 * every N seconds. A firing while the previous one runs is recorded as skipped by `fire`.
 */
import { Cron } from 'croner';
import type { ScheduleConfig } from './config';

export interface Engine {
  close(): Promise<void>;
}

export function startCronEngine(schedules: readonly ScheduleConfig[], onFire: (s: ScheduleConfig, slot: Date) => Promise<unknown>, log: (m: string) => void): Engine {
  const inFlight = new Set<Promise<unknown>>();
  const jobs = schedules.map(
    (s) =>
      new Cron(s.cron, { timezone: s.timezone, name: `opsbook-${s.name}`, unref: true }, (self: Cron) => {
        const run = onFire(s, self.currentRun() ?? new Date()).catch((error: unknown) => log(`schedules: ${s.name} failed: ${(error as Error).message}`));
        inFlight.add(run);
        void run.finally(() => inFlight.delete(run));
      }),
  );
  return {
    async close() {
      for (const j of jobs) j.stop();
      await Promise.all(inFlight);
    },
  };
}
