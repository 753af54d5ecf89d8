/**
 * `{kind: dbt-cloud}` connections: the account's access URL (https://cloud.getdbt.com, or the cell URL
 * dbt Cloud shows under Account settings, e.g. https://ab123.us1.dbt.com), the numeric account id, and a
 * service token as a ${ENV} reference. `demo: true` uses the demo's own dbt Cloud stand-in.
 */
import * as z from 'zod';

export const dbtCloudConnectionSchema = z
  .strictObject({
    kind: z.literal('dbt-cloud'),
    demo: z.boolean().default(false),
    url: z.url().optional(),
    accountId: z.number().int().positive().optional(),
    /** A service token with Job Admin (to trigger) or Job Viewer (to read) permission. */
    token: z.string().min(1, 'write token: "${DBT_CLOUD_API_TOKEN}"').optional(),
    timeoutMs: z.number().int().positive().max(600_000).optional(),
    /** How often a followed run is polled. */
    pollMs: z.number().int().min(0).max(60_000).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.demo) {
      for (const key of ['url', 'accountId', 'token'] as const) {
        if (c[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `a demo dbt Cloud connection takes no ${key}: it is the demo's own dbt Cloud stand-in` });
      }
      return;
    }
    if (!c.url) ctx.addIssue({ code: 'custom', path: ['url'], message: "set url to the account's access URL (https://cloud.getdbt.com, or the cell URL under Account settings), or demo: true" });
    if (!c.accountId) ctx.addIssue({ code: 'custom', path: ['accountId'], message: 'set accountId to the number in your dbt Cloud URL (…/deploy/<accountId>/…)' });
    if (!c.token) ctx.addIssue({ code: 'custom', path: ['token'], message: 'set token: "${DBT_CLOUD_API_TOKEN}" (a service token with Job Admin permission)' });
  });

export type DbtCloudConnectionConfig = z.infer<typeof dbtCloudConnectionSchema>;
