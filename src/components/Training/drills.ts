/**
 * The Training page's drills, without React: the API's shapes (server/demo/airflow/scenarios/drills.ts),
 * where a drill stands for this user (not started, in progress, solved), and how its result reads.
 * Unit-tested in drills.test.ts.
 */
import type { DrillInfo, DrillVerdict } from '@site/server/demo/airflow/scenarios/drills';
import type { ScenarioInfo } from './scenarios';

export type { DrillInfo, DrillVerdict };

export const DRILLS_PATH = '/demo/airflow/scenarios/drills';
export const DRILL_CHECK_PATH = '/demo/airflow/scenarios/drills/check';

export interface DrillList {
  readonly drills: readonly DrillInfo[];
}

export type DrillStage = 'not-started' | 'starting' | 'in-progress' | 'solved';

/** A drill is in progress while its fault is active; solved once a check says so (until it is reset). */
export function drillStage(scenario: ScenarioInfo | undefined, verdict: DrillVerdict | null): DrillStage {
  if (!scenario?.active) return 'not-started';
  if (verdict?.solved) return 'solved';
  return scenario.settled ? 'in-progress' : 'starting';
}

/** 75 → "1 min 15 s"; 3600 → "60 min 0 s". */
export function formatElapsed(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** "Solved in 4 min 2 s · 3 steps · 1 hint" or "Not yet: 2 of 4 checks pass". */
export function verdictLine(v: DrillVerdict, hintsTaken: number): string {
  const passing = v.checks.filter((c) => c.passed).length;
  if (!v.solved) return `Not yet: ${passing} of ${v.checks.length} checks pass.`;
  const parts = [
    `Solved${v.elapsedSeconds === null ? '' : ` in ${formatElapsed(v.elapsedSeconds)}`}`,
    `${v.stepsUsed} step${v.stepsUsed === 1 ? '' : 's'} run`,
    `${hintsTaken} hint${hintsTaken === 1 ? '' : 's'} taken`,
  ];
  return `${parts.join(' · ')}.`;
}

/** The families in the order the site lists them, each with its drills. */
export function byFamily(drills: readonly DrillInfo[]): { family: string; drills: DrillInfo[] }[] {
  const order = ['canonical', 'retail', 'investor', 'ecommerce'];
  const out = new Map<string, DrillInfo[]>();
  for (const d of drills) out.set(d.family, [...(out.get(d.family) ?? []), d]);
  return [...out].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b)).map(([family, list]) => ({ family, drills: list }));
}

export const FAMILY_LABEL: Readonly<Record<string, string>> = { canonical: 'Canonical / UDS', retail: 'Retail', investor: 'Investor', ecommerce: 'Ecommerce' };

/** Hints taken survive a visit to the runbook and back (the attempt is the user's, in this browser). */
export function hintsKey(drill: string, activatedAt: string | null): string {
  return `opsbook.training.hints.${drill}.${activatedAt ?? 'none'}`;
}
