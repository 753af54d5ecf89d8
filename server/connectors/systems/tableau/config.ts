/**
 * `{kind: tableau}` connections: the Tableau Server (or Cloud pod) URL, the site's content URL (the part after
 * /site/ in the browser; "" for the Default site), a personal access token (its name, and its secret as a
 * ${ENV} reference), and the REST API version the server speaks. `demo: true` uses the demo's own Tableau.
 */
import * as z from 'zod';

export const tableauConnectionSchema = z
  .strictObject({
    kind: z.literal('tableau'),
    demo: z.boolean().default(false),
    /** e.g. https://tableau.company.com or https://10ax.online.tableau.com */
    url: z.url().optional(),
    /** The site's content URL: "marketing" for …/#/site/marketing/…; "" for the Default site. */
    site: z.string().regex(/^[A-Za-z0-9_-]*$/, 'site is the content URL from the browser (…/#/site/<contentUrl>/…), letters, digits, - and _; "" for the Default site').optional(),
    tokenName: z.string().min(1, 'write tokenName: the name of the personal access token (My Account Settings → Personal Access Tokens)').optional(),
    tokenSecret: z.string().min(1, 'write tokenSecret: "${TABLEAU_PAT_SECRET}"').optional(),
    /** The REST API version, e.g. "3.24" (Tableau Server 2024.2); Help → About Tableau Server tells which. */
    apiVersion: z.string({ error: 'apiVersion is the REST API version as a quoted string, e.g. "3.24" (unquoted, YAML reads 3.20 as the number 3.2)' }).regex(/^\d+\.\d+$/, 'apiVersion is the REST API version, e.g. "3.24" (quote it so YAML keeps it a string)').default('3.24'),
    timeoutMs: z.number().int().positive().max(600_000).optional(),
    /** How often a followed refresh job is polled. */
    pollMs: z.number().int().min(0).max(60_000).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.demo) {
      for (const key of ['url', 'site', 'tokenName', 'tokenSecret'] as const) {
        if (c[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `a demo Tableau connection takes no ${key}: it is the demo's own Tableau` });
      }
      return;
    }
    if (!c.url) ctx.addIssue({ code: 'custom', path: ['url'], message: 'set url to the Tableau Server address (https://tableau.company.com, or your Tableau Cloud pod), or demo: true' });
    if (c.site === undefined) ctx.addIssue({ code: 'custom', path: ['site'], message: 'set site to the content URL from the browser (…/#/site/<contentUrl>/…), or site: "" for the Default site' });
    if (!c.tokenName) ctx.addIssue({ code: 'custom', path: ['tokenName'], message: 'set tokenName to the name of a personal access token (My Account Settings → Personal Access Tokens)' });
    if (!c.tokenSecret) ctx.addIssue({ code: 'custom', path: ['tokenSecret'], message: 'set tokenSecret: "${TABLEAU_PAT_SECRET}" (the token\'s secret, from the environment)' });
  });

export type TableauConnectionConfig = z.infer<typeof tableauConnectionSchema>;
