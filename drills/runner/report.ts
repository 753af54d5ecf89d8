/** The drill run's output: one line per drill, the coverage, and a summary an operator can act on. */
import type { Coverage } from './coverage';
import type { DrillResult } from './judge';

export function drillLine(r: DrillResult, listed: { fails: number; passes: number }): string {
  const mark = r.ok ? '✓' : '✗';
  return `${mark} ${r.name.padEnd(44)} failed under fault ${r.failedUnderFault}/${listed.fails} · passed after recovery ${r.passedAfterRecovery}/${listed.passes} · ${r.seconds.toFixed(1)} s`;
}

export function problemLines(r: DrillResult): string[] {
  return r.problems.map((p) => `    - ${p}`);
}

export function coverageLines(c: Coverage): string[] {
  const out = [`coverage: ${c.covered.length} checks made to fail by a drill, ${c.uncovered.length} listed as not yet covered, ${c.missing.length} in neither`];
  for (const k of c.missing) out.push(`  ✗ ${k} is a check no drill makes fail and no uncovered.yaml lists: add it to a drill's fails, or to drills/<family>/uncovered.yaml with a one-line reason`);
  for (const k of c.staleUncovered) out.push(`  ! ${k} is listed as uncovered but a drill makes it fail now: remove it from the uncovered list`);
  return out;
}
