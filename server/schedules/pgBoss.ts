/**
 * The PostgreSQL store's scheduler: pg-boss. Each schedule is a pg-boss schedule on its own queue; pg-boss's
 * timekeeper (one instance per interval, through its own table) turns each cron minute into exactly one job,
 * and exactly one worker among all instances fetches it (SKIP LOCKED). pg-boss keeps its tables in a schema
 * of its own beside the state store's. Jobs are not retried: a firing that failed is recorded, and re-running
 * a set of checks later would measure another moment.
 */
import { Cron } from 'croner';
import type PgBoss from 'pg-boss';
import type { ScheduleConfig } from './config';
import type { Engine } from './inProcess';

const QUEUE_PREFIX = 'opsbook-schedule-';

export function jobsSchemaFor(schema: string): string {
  return `${schema.toLowerCase().replace(/\W/g, '_').replace(/^(\d)/, '_$1').slice(0, 40)}_jobs`;
}

export async function startPgBossEngine(
  o: { url: string; schema: string; schedules: readonly ScheduleConfig[]; log: (m: string) => void },
  onFire: (s: ScheduleConfig, slot: Date) => Promise<unknown>,
): Promise<Engine> {
  const { default: PgBossClass } = await import('pg-boss');
  const boss: PgBoss = new PgBossClass({
    connectionString: o.url,
    schema: jobsSchemaFor(o.schema),
    max: 3,
    application_name: 'opsbook-scheduler',
    // Cron is minute-granular; check for a due minute every 10 s and move it to its queue within 5 s.
    cronMonitorIntervalSeconds: 10,
    cronWorkerIntervalSeconds: 5,
  });
  boss.on('error', (error) => o.log(`schedules: pg-boss: ${error.message}`));
  await boss.start();
  const wanted = new Set(o.schedules.map((s) => QUEUE_PREFIX + s.name));
  // A schedule removed from the configuration stops firing for every instance.
  for (const s of await boss.getSchedules()) {
    if (s.name.startsWith(QUEUE_PREFIX) && !wanted.has(s.name)) await boss.unschedule(s.name);
  }
  for (const s of o.schedules) {
    const queue = QUEUE_PREFIX + s.name;
    await boss.createQueue(queue, { name: queue, retryLimit: 0, expireInSeconds: 3600 });
    await boss.schedule(queue, s.cron, { schedule: s.name }, { tz: s.timezone, retryLimit: 0, expireInSeconds: 3600 });
    await boss.work<{ schedule: string }>(queue, { includeMetadata: true, batchSize: 1, pollingIntervalSeconds: 2 }, async (jobs) => {
      for (const job of jobs) {
        // pg-boss would only mark the job failed: say why in the server's log too.
        await onFire(s, slotOf(s, job.createdOn)).catch((error: unknown) => {
          o.log(`schedules: ${s.name} firing failed: ${(error as Error).message}`);
          throw error;
        });
      }
    });
  }
  return {
    async close() {
      // The running firing was cancelled just before (its signal): a short grace keeps SIGTERM's 10 s budget.
      await boss.stop({ graceful: true, wait: true, timeout: 3_000 });
    },
  };
}

/**
 * The cron time a job is for: pg-boss creates it shortly after that time (within its monitor and worker
 * intervals), so the latest occurrence of the schedule at or before the job's creation.
 */
function slotOf(s: ScheduleConfig, createdOn: Date): Date {
  const job = new Cron(s.cron, { timezone: s.timezone, paused: true });
  const [slot] = job.previousRuns(1, new Date(createdOn.getTime() + 1));
  job.stop();
  return slot ?? createdOn;
}
