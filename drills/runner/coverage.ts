/**
 * Coverage (DESIGN.md §7b): every check of the manifest (a block with `expect`, `warn` or `error`) must be made to fail by
 * some drill, or be listed in an uncovered.yaml with a reason. A check in neither fails the run, so a new
 * check cannot slip in unproven. Per-engine variants of one check count once.
 */
import type { Manifest } from '../../plugins/remark-runbook/types';
import type { Drill, Uncovered } from './schema';
import { baseKey } from './snippets';

export interface Coverage {
  /** Checks made to fail by at least one drill. */
  readonly covered: readonly string[];
  /** Checks listed as "not yet", with their reason. */
  readonly uncovered: readonly Uncovered[];
  /** Checks in neither: each is a failure of the run. */
  readonly missing: readonly string[];
  /** Listed as uncovered although a drill now makes them fail: the list should shrink. */
  readonly staleUncovered: readonly string[];
}

export function coverageOf(manifest: Manifest, drills: readonly Drill[], uncovered: readonly Uncovered[], families?: readonly string[]): Coverage {
  const checks = new Set<string>();
  for (const [key, s] of Object.entries(manifest.snippets)) {
    // A check is any read block with a condition: expect, or warn / error alone. A write's `expect="affected …"`
    // is a guard on the repair itself, not a diagnosis: it can only fail when the repair is run with nothing left
    // to change, which a drill (checks run under the fault, without an approver) never does. The guard's
    // failing and rolling back is proven once for every write by server/execution/writeTruth.test.ts, and a
    // drill's recovery already fails when a write changes 0 rows.
    if (!s.expect && !s.warn && !s.error) continue;
    if (s.mode === 'write') continue;
    if (families && !families.some((f) => key.startsWith(`${f}-`))) continue;
    checks.add(baseKey(key));
  }
  const failedByDrill = new Set(drills.flatMap((d) => d.fails.map((f) => baseKey(f.snippet))));
  const listed = new Map(uncovered.map((u) => [baseKey(u.snippet), u]));
  const sorted = [...checks].sort();
  return {
    covered: sorted.filter((k) => failedByDrill.has(k)),
    uncovered: sorted.filter((k) => !failedByDrill.has(k) && listed.has(k)).map((k) => listed.get(k)!),
    missing: sorted.filter((k) => !failedByDrill.has(k) && !listed.has(k)),
    staleUncovered: [...listed.keys()].filter((k) => failedByDrill.has(k)).sort(),
  };
}
