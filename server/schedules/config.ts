/**
 * `schedules:` in opsbook.config.yaml: check sets run server-side on a cron expression, in a time zone,
 * for one environment. What a schedule may run (read-only checks of service-team steps) is decided against
 * the manifest at start (./checkSet.ts), because the configuration alone does not know the runbooks.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Cron } from 'croner';
import * as z from 'zod';

const paramValue = z.union([z.string().max(200), z.number()]);

export const scheduleSchema = z
  .strictObject({
    /** Stable: firings, audit and the job queue are keyed by it. */
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'use lower-case letters, digits and -'),
    /** Five fields (minute hour day month weekday), or six with seconds first on the embedded store. */
    cron: z.string().min(9),
    timezone: z.string().default('UTC'),
    env: z.string().min(1),
    /** Runbook ids, check keys (`runbook/check`), or `all`. */
    checks: z.array(z.string().min(1)).min(1),
    /** Parameter values for every check that declares them, e.g. {business_date: yesterday}. */
    params: z.record(z.string().regex(/^[A-Za-z_]\w*$/), paramValue).default({}),
  })
  .superRefine((s, ctx) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: s.timezone });
    } catch {
      ctx.addIssue({ code: 'custom', path: ['timezone'], message: `"${s.timezone}" is not an IANA time zone (e.g. UTC, Europe/London)` });
      return;
    }
    try {
      new Cron(s.cron, { timezone: s.timezone, paused: true }).stop();
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['cron'], message: `not a cron expression (${(error as Error).message}); e.g. "0 7 * * *" for 07:00 every day` });
    }
  });
export type ScheduleConfig = z.infer<typeof scheduleSchema>;

export const schedulesSchema = z.array(scheduleSchema).default([]).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((s, i) => {
    if (seen.has(s.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `two schedules are named "${s.name}"; names must be unique` });
    seen.add(s.name);
  });
});

/** pg-boss schedules are minute-granular: a seconds field would silently fire once a minute. */
export function cronFields(cron: string): number {
  return cron.trim().split(/\s+/).length;
}

/**
 * On PostgreSQL, pg-boss reads the expression with its own parser (cron-parser), which does not take all that
 * croner does (`15W`, the nearest weekday): such a schedule would pass croner here and fail at start, or never
 * fire. So the expression is also read the way pg-boss will read it. Null when it accepts it.
 */
export function pgBossCronProblem(cron: string, timezone: string): string | null {
  // cron-parser is pg-boss's dependency, not ours: resolve it from pg-boss so it is the copy pg-boss uses.
  const here = typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
  const fromPgBoss = createRequire(createRequire(here).resolve('pg-boss'));
  const parser = fromPgBoss('cron-parser') as { parseExpression(expression: string, options: { tz: string }): unknown };
  try {
    parser.parseExpression(cron, { tz: timezone });
    return null;
  } catch (error) {
    return `pg-boss cannot read "${cron}" (${(error as Error).message}); use the five standard fields (minute hour day month weekday) with numbers, ranges, lists, steps and names`;
  }
}
