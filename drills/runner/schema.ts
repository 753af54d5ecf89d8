/**
 * The drill format (DESIGN.md §7b): a drill is data beside the runbooks, `drills/<family>/<id>.yaml`.
 * It names the training fault to inject, the checks that must fail under it, the documented recovery
 * (runbook blocks by manifest key, scenario actions, escalation steps approved by a second identity),
 * and the checks that must pass afterwards. The Training page and `npm run drill` read the same files.
 */
import * as z from 'zod';

export const FAMILIES = ['canonical', 'retail', 'investor', 'ecommerce'] as const;
export type Family = (typeof FAMILIES)[number];

const KEBAB = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** `<runbook id>/<snippet id>` as in the manifest; a `:dialect` suffix is chosen by the environment, not here. */
const SNIPPET_KEY = /^[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9-]*$/;

/** Values as the page would send them; a date may also be `today-N` (resolved by the runner, see ./dates.ts). */
const params = z.record(z.string().max(64), z.union([z.string().max(4096), z.number(), z.boolean()]), {
  error: 'params must be a map of parameter name to value, e.g. {business_date: yesterday}',
});

const snippetKey = z.string().regex(SNIPPET_KEY, 'write the manifest key of a runnable block: <runbook id>/<snippet id>, e.g. canonical-daily-batch/ldz-files-landed');

export const checkRefSchema = z.strictObject({
  snippet: snippetKey,
  /** Omitted parameters take the block's defaults, resolved by the server as the page's would be. */
  params: params.optional(),
});

export const snippetStepSchema = z.strictObject({
  snippet: snippetKey,
  params: params.optional(),
  /** For an escalation step: the demo identity who approves the operator's request. */
  approver: z.string().min(1).max(100).optional(),
});

export const actionStepSchema = z.strictObject({
  /** Something the world does, not the operator: an action of the drill's scenario (e.g. `deliver`). */
  action: z.string().regex(/^[a-z0-9_]+$/, 'an action is the id of one of the scenario\'s actions, e.g. deliver'),
});

export const recoverStepSchema = z.union([snippetStepSchema, actionStepSchema], {
  error: 'each recovery step is either {snippet: <key>, params?, approver?} or {action: <scenario action>}',
});

export const drillSchema = z.strictObject({
  id: z.string().regex(KEBAB, 'id is kebab-case, e.g. late-ldz-file'),
  family: z.enum(FAMILIES),
  title: z.string().min(3).max(120),
  /** What the operator sees, in their words. */
  symptom: z.string().min(10),
  /** Where a newcomer starts: a site path such as /canonical/failure-handling#ldz-load-failure. */
  runbook: z.string().regex(/^\/[a-z0-9/-]+(#[a-z0-9-]+)?$/, 'runbook is a site path like /canonical/failure-handling#ldz-load-failure'),
  fault: z.strictObject({ scenario: z.string().regex(/^[a-z0-9_]+$/, 'scenario is a sandbox training scenario id, e.g. late_ldz_file') }),
  fails: z.array(checkRefSchema).min(1, 'a drill needs at least one check that fails under its fault'),
  recover: z.array(recoverStepSchema).min(1, 'a drill needs the documented recovery, at least one step'),
  /** Checks that must pass after the recovery; default: the `fails` list. */
  passes: z.array(checkRefSchema).optional(),
  hints: z.array(z.string().min(3)).default([]),
});

export type CheckRef = z.infer<typeof checkRefSchema>;
export type SnippetStep = z.infer<typeof snippetStepSchema>;
export type ActionStep = z.infer<typeof actionStepSchema>;
export type RecoverStep = z.infer<typeof recoverStepSchema>;
export type DrillFile = z.infer<typeof drillSchema>;

/** A drill as loaded: its file, its full name (`family/id`) and `passes` resolved. */
export interface Drill extends Omit<DrillFile, 'passes'> {
  readonly name: string;
  readonly file: string;
  readonly passes: readonly CheckRef[];
}

export const uncoveredSchema = z.strictObject({
  /** Checks no drill makes fail yet, each with a one-line reason: an honest, visible "not yet". */
  uncovered: z
    .array(z.strictObject({ snippet: snippetKey, reason: z.string().min(10, 'say in one line why no drill covers it yet') }))
    .default([]),
});

export type Uncovered = z.infer<typeof uncoveredSchema>['uncovered'][number];

export function isActionStep(step: RecoverStep): step is ActionStep {
  return 'action' in step;
}
