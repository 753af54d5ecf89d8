/**
 * The `kind: databricks` connection of opsbook.config.yaml (DESIGN.md §6.1): a Databricks SQL warehouse
 * reached through the Statement Execution API 2.0. Each profile is one token (a personal access token or
 * a service principal's), written as "${ENV_VAR}" so the file holds no secret. Databricks has no
 * read-only transaction, so the read token's principal — one with nothing but SELECT — is what keeps a
 * read snippet from changing data; the schema keeps the two tokens apart for that reason.
 */
import * as z from 'zod';

const profileSchema = z.strictObject({
  token: z.string().min(1, 'token is empty: is its ${ENV_VAR} set?'),
});

/** Databricks accepts 0 s (answer at once) or 5–50 s for how long the submit call may wait for the result. */
const waitSeconds = z
  .number()
  .int()
  .refine((n) => n === 0 || (n >= 5 && n <= 50), 'waitTimeoutSeconds must be 0 or between 5 and 50 (the range the Statement Execution API accepts)');

export const databricksConnectionSchema = z
  .strictObject({
    kind: z.literal('databricks'),
    /**
     * The demo's own Databricks stand-in (at this server's /demo/databricks): DLT pipelines whose updates
     * rebuild the demo warehouse's tables. It takes no host, warehouse or tokens, and runs no SQL.
     */
    demo: z.boolean().optional(),
    /** The workspace URL, e.g. https://dbc-a1b2c3d4-e5f6.cloud.databricks.com. */
    host: z.url({ protocol: /^https?$/, error: 'host must be the workspace URL, e.g. https://dbc-a1b2c3d4-e5f6.cloud.databricks.com' }).optional(),
    /**
     * The SQL warehouse id: the last part of its HTTP path /sql/1.0/warehouses/<id>. A connection used only by
     * databricks (DLT pipeline) blocks needs none; sql blocks on it are refused without one.
     */
    warehouseId: z.string().regex(/^[A-Za-z0-9]+$/, 'set warehouseId: the id of the SQL warehouse (the last part of its HTTP path /sql/1.0/warehouses/<id>)').optional(),
    catalog: z.string().min(1).optional(),
    schema: z.string().min(1).optional(),
    waitTimeoutSeconds: waitSeconds.optional(),
    /** How often a statement still running is polled (default 1000 ms). */
    pollMs: z.number().int().min(50).max(60_000).optional(),
    /** How often a followed DLT update is polled (default 5000 ms; 200 on demo). */
    pipelinePollMs: z.number().int().min(0).max(60_000).optional(),
    read: profileSchema.optional(),
    write: profileSchema.optional(),
  })
  .superRefine((c, ctx) => {
    if (c.demo) {
      for (const key of ['host', 'warehouseId', 'read', 'write'] as const) {
        if (c[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `a demo Databricks connection takes no ${key}: it is the demo's own DLT stand-in` });
      }
      return;
    }
    if (!c.host) ctx.addIssue({ code: 'custom', path: ['host'], message: 'set host to the workspace URL, e.g. https://dbc-a1b2c3d4-e5f6.cloud.databricks.com (or demo: true)' });
    if (!c.read) ctx.addIssue({ code: 'custom', path: ['read'], message: 'set read: {token: "${DATABRICKS_READ_TOKEN}"}' });
    if (c.host && URL.canParse(c.host) && /\/sql\/|\/api\//.test(new URL(c.host).pathname)) {
      ctx.addIssue({ code: 'custom', path: ['host'], message: 'give the workspace URL only (https://<workspace>.cloud.databricks.com); the warehouse goes in warehouseId' });
    }
    if (c.write && c.read && c.write.token === c.read.token) {
      ctx.addIssue({ code: 'custom', path: ['write', 'token'], message: 'the write profile must use another token than the read profile: the read token (a principal with only SELECT) is what keeps read snippets from changing data' });
    }
  });

export type DatabricksConnectionConfig = z.infer<typeof databricksConnectionSchema>;
