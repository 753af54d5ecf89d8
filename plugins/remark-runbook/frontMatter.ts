/** The runbook front matter schema (DESIGN.md §3), validated with zod so every mistake names its field. */
import * as z from 'zod';
import { isKnownTimeZone } from './syntax/zonedDate';

const kebab = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'use lowercase kebab-case, e.g. canonical-daily-batch');
const dialects = z.enum(['duckdb', 'postgres', 'snowflake', 'oracle', 'sqlserver', 'databricks']);

export const runbookFrontMatterSchema = z.strictObject({
  id: kebab,
  system: kebab,
  owners: z.strictObject({ primary: z.string().min(1), secondary: z.string().min(1).optional() }).optional(),
  approver: kebab.optional(),
  escalation: kebab.optional(),
  sla: z.string().min(1).optional(),
  last_reviewed: z.union([z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'write a date as YYYY-MM-DD'), z.date()]).optional(),
  /** Engines this runbook must support; the linter checks each step has a variant or a fallback. */
  engines: z.array(dialects).optional(),
  /**
   * The pipeline's time zone (IANA name, default UTC): `today`/`yesterday` defaults are that zone's dates,
   * so a batch that runs at 01:00 in Bangkok gets its own data day whoever opens the page, wherever.
   */
  timezone: z
    .string()
    .refine(isKnownTimeZone, { error: (issue) => `"${String(issue.input)}" is not a known IANA time zone; write one like Asia/Bangkok, Europe/London or UTC` })
    .optional(),
});

export type RunbookFrontMatter = z.infer<typeof runbookFrontMatterSchema>;

export type FrontMatterResult =
  | { readonly kind: 'runbook'; readonly runbook: RunbookFrontMatter }
  | { readonly kind: 'page' }
  | { readonly kind: 'invalid'; readonly issues: readonly { readonly field: string; readonly message: string }[] };

/** Pages without a `runbook:` block are plain documentation (glossary, guides) and may hold no steps. */
export function readRunbookFrontMatter(frontMatter: Record<string, unknown> | undefined): FrontMatterResult {
  const raw = frontMatter?.runbook;
  if (raw === undefined) return { kind: 'page' };
  const parsed = runbookFrontMatterSchema.safeParse(raw);
  if (parsed.success) return { kind: 'runbook', runbook: parsed.data };
  return {
    kind: 'invalid',
    issues: parsed.error.issues.map((issue) => {
      const path = ['runbook', ...issue.path.map(String)].join('.');
      return { field: String(issue.path[0] ?? ''), message: `Front matter ${path}: ${issue.message}.` };
    }),
  };
}
