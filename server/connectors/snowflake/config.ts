/**
 * The `kind: snowflake` connection of opsbook.config.yaml (DESIGN.md §6.1). Validated once at start,
 * with messages that say how to fix the file: the usual mistakes are an account written as a URL, a
 * profile without credentials (or with two kinds), and a key pasted where a path was meant.
 */
import * as z from 'zod';

/** The driver's own rule for account identifiers (xy12345, xy12345.us-east-1, myorg-myaccount). */
const ACCOUNT = /^\w+([.-]\w+)*$/;
const PEM = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

const profileSchema = z
  .strictObject({
    user: z.string().min(1, 'set user: the Snowflake login name of this profile'),
    role: z.string().min(1, 'set role: the role this profile runs as (the read profile must use a role that can only read)'),
    password: z.string().min(1, 'password is empty: is its ${ENV_VAR} set?').optional(),
    /** Key-pair authentication: a PEM file, relative to the site directory or absolute. */
    privateKeyPath: z.string().min(1).optional(),
    /** Key-pair authentication: the PEM text itself (usually "${SF_PRIVATE_KEY}"). */
    privateKey: z.string().min(1).optional(),
    privateKeyPassphrase: z.string().min(1).optional(),
  })
  .superRefine((p, ctx) => {
    const keys = [p.privateKeyPath, p.privateKey].filter((k) => k !== undefined).length;
    if (p.password === undefined && keys === 0) {
      ctx.addIssue({ code: 'custom', message: 'set password: "${SF_PASSWORD}", or privateKeyPath (or privateKey) for key-pair authentication' });
    }
    if (p.password !== undefined && keys > 0) {
      ctx.addIssue({ code: 'custom', message: 'give either password or a private key, not both' });
    }
    if (keys > 1) ctx.addIssue({ code: 'custom', path: ['privateKey'], message: 'give either privateKeyPath or privateKey, not both' });
    if (p.privateKey !== undefined && !PEM.test(p.privateKey)) {
      ctx.addIssue({ code: 'custom', path: ['privateKey'], message: 'privateKey must be the PEM text (-----BEGIN PRIVATE KEY----- …); to point at a file, use privateKeyPath' });
    }
    if (p.privateKeyPath !== undefined && PEM.test(p.privateKeyPath)) {
      ctx.addIssue({ code: 'custom', path: ['privateKeyPath'], message: 'privateKeyPath holds PEM text; use privateKey for the key itself, privateKeyPath for a file' });
    }
    if (p.privateKeyPassphrase !== undefined && keys === 0) {
      ctx.addIssue({ code: 'custom', path: ['privateKeyPassphrase'], message: 'privateKeyPassphrase applies only with privateKeyPath or privateKey' });
    }
  });

export const snowflakeConnectionSchema = z
  .strictObject({
    kind: z.literal('snowflake'),
    account: z.string().min(1, 'set account: the account identifier, e.g. xy12345 or myorg-myaccount'),
    warehouse: z.string().min(1, 'set warehouse: the virtual warehouse snippets run on'),
    database: z.string().min(1, 'set database: the default database of the session'),
    schema: z.string().min(1).optional(),
    /** Private-link endpoints, proxies and the contract fake; otherwise derived from the account. */
    accessUrl: z.url({ protocol: /^https?$/, error: 'accessUrl must be an http(s) URL, e.g. https://xy12345.privatelink.snowflakecomputing.com' }).optional(),
    /** Sessions kept open per profile (default 4); each runs one statement at a time. */
    poolMax: z.number().int().min(1).max(32).optional(),
    read: profileSchema,
    write: profileSchema.optional(),
  })
  .superRefine((c, ctx) => {
    if (/^[a-z]+:\/\//i.test(c.account) || /snowflakecomputing\.(com|cn)/i.test(c.account)) {
      ctx.addIssue({ code: 'custom', path: ['account'], message: 'give the account identifier, e.g. xy12345 or myorg-myaccount, not a URL (use accessUrl for a private endpoint)' });
    } else if (!ACCOUNT.test(c.account)) {
      ctx.addIssue({ code: 'custom', path: ['account'], message: 'the account identifier has letters, digits, _ - and . only, e.g. xy12345, xy12345.us-east-1 or myorg-myaccount' });
    }
    if (c.write && c.write.role.toUpperCase() === c.read.role.toUpperCase()) {
      ctx.addIssue({ code: 'custom', path: ['write', 'role'], message: 'the write profile must use another role than the read profile: the read role is what keeps read snippets from changing data' });
    }
  });

export type SnowflakeConnectionConfig = z.infer<typeof snowflakeConnectionSchema>;
export type SnowflakeProfileConfig = z.infer<typeof profileSchema>;
