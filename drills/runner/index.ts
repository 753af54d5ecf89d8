/**
 * `npm run drill [-- <family/name | name> …]`: loads and validates every drill, checks coverage, starts a
 * fresh demo environment and judges the chosen drills one after another in it (each ends by deactivating
 * its fault, so the next starts from the restored baseline).
 */
import path from 'node:path';
import { collectRunbooks } from '../../plugins/remark-runbook/collect';
import { buildManifest, readGitState } from '../../plugins/remark-runbook/manifest';
import { formatDiagnostic } from '../../plugins/remark-runbook/syntax/diagnostics';
import type { Manifest } from '../../plugins/remark-runbook/types';
import { coverageOf } from './coverage';
import { startDemoEnvironment } from './environment';
import { judgeDrill, type DrillResult } from './judge';
import { loadDrills } from './load';
import { coverageLines, drillLine, problemLines } from './report';
import type { Drill } from './schema';

export interface RunOptions {
  readonly siteDir: string;
  /** Drill names (`canonical/late-ldz-file`) or bare ids; empty = all (and coverage is enforced). */
  readonly only: readonly string[];
  readonly timeScale?: number;
  /** A seeded demo warehouse to copy instead of seeding afresh (for authors iterating on one drill). */
  readonly seededFrom?: string;
  readonly print: (line: string) => void;
}

export function buildSiteManifest(siteDir: string): Manifest {
  const collection = collectRunbooks(siteDir);
  const errors = collection.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`The runbooks do not build:\n${errors.map(formatDiagnostic).join('\n')}`);
  return buildManifest(collection, readGitState(siteDir));
}

export function selectDrills(drills: readonly Drill[], only: readonly string[]): { chosen: Drill[]; unknown: string[] } {
  if (!only.length) return { chosen: [...drills], unknown: [] };
  const matches = (d: Drill, q: string) => d.name === q || d.id === q || d.family === q;
  return { chosen: drills.filter((d) => only.some((q) => matches(d, q))), unknown: only.filter((q) => !drills.some((d) => matches(d, q))) };
}

/** Returns the process exit code: 0 when every chosen drill passed and (for a full run) coverage is complete. */
export async function runDrills(options: RunOptions): Promise<number> {
  const { print } = options;
  const manifest = buildSiteManifest(options.siteDir);
  const started = Date.now();
  print(options.seededFrom ? `drill: a demo environment on a copy of ${options.seededFrom}…` : 'drill: seeding a fresh demo environment…');
  const env = await startDemoEnvironment({ manifest, ...(options.timeScale ? { timeScale: options.timeScale } : {}), ...(options.seededFrom ? { seededFrom: options.seededFrom } : {}) });
  try {
    const loaded = loadDrills({ drillsDir: path.join(options.siteDir, 'drills'), siteDir: options.siteDir, manifest, scenarios: await env.scenarios() });
    for (const p of loaded.problems) print(`✗ ${p}`);
    const { chosen, unknown } = selectDrills(loaded.drills, options.only);
    for (const q of unknown) print(`✗ no drill called ${q}; drills are named <family>/<id>, e.g. ${loaded.drills[0]?.name ?? 'canonical/late-ldz-file'}`);
    const results: DrillResult[] = [];
    for (const drill of chosen) {
      const result = await judgeDrill(drill, env);
      results.push(result);
      print(drillLine(result, { fails: drill.fails.length, passes: drill.passes.length }));
      for (const line of problemLines(result)) print(line);
    }
    let coverageOk = true;
    if (!options.only.length) {
      const coverage = coverageOf(manifest, loaded.drills, loaded.uncovered);
      coverageOk = coverage.missing.length === 0 && coverage.staleUncovered.length === 0;
      for (const line of coverageLines(coverage)) print(line);
    }
    const failed = results.filter((r) => !r.ok).length;
    print(`drill: ${results.length - failed} of ${results.length} drills passed${loaded.problems.length ? `, ${loaded.problems.length} drill file problem(s)` : ''}${coverageOk ? '' : ', coverage incomplete'} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return failed || loaded.problems.length || unknown.length || !coverageOk ? 1 : 0;
  } finally {
    await env.close();
  }
}
