/**
 * A schedule's check set against the manifest: `all`, runbook ids or check keys → the runnable variants
 * for the schedule's environment. A schedule runs read-only checks of service-team steps and nothing else:
 * naming a write, an escalation step or a block without a check is a configuration error, reported at
 * start with the schedule and how to fix it.
 */
import type { Manifest, ManifestSnippet } from '../../plugins/remark-runbook/types';
import type { EnvironmentConfig } from '../config';
import type { ScheduleConfig } from './config';

export interface ScheduledCheck {
  readonly key: string;
  readonly sha256: string;
  readonly params: Record<string, string | number>;
}

/** A block is a check when it has a condition: `expect`, or the `warn` / `error` of the check model. */
export function isCheck(s: ManifestSnippet): boolean {
  return Boolean(s.expect || s.warn || s.error);
}

/** What a schedule may run: read-only checks (SQL, or a system's read command) of service-team steps. */
export function refusalOf(s: ManifestSnippet): string | null {
  if (s.role !== 'service-team') return 'it is an escalation step (it needs an approval from a person)';
  if (s.mode !== 'read') return 'it writes (mode=write)';
  if (!isCheck(s)) return 'it has no check condition (expect, warn or error)';
  return null;
}

const baseKey = (key: string) => key.replace(/:[a-z]+$/, '');

/** The variant of each check for the environment's engine (the dialect-less block is the fallback). */
function variantFor(manifest: Manifest, base: string, env: EnvironmentConfig): [string, ManifestSnippet] | null {
  const variants = Object.entries(manifest.snippets).filter(([k]) => baseKey(k) === base);
  const kindOf = (s: ManifestSnippet) => env.connections[s.target]?.kind;
  return variants.find(([, s]) => s.dialect !== null && s.dialect === kindOf(s)) ?? variants.find(([, s]) => s.dialect === null) ?? null;
}

export function resolveCheckSet(manifest: Manifest, schedule: ScheduleConfig, envName: string, env: EnvironmentConfig): { checks: ScheduledCheck[]; problems: string[] } {
  const problems: string[] = [];
  const bases = new Set<string>();
  const allBases = [...new Set(Object.keys(manifest.snippets).map(baseKey))];
  const runbooks = new Set(Object.values(manifest.snippets).map((s) => s.runbook));
  for (const entry of schedule.checks) {
    if (entry === 'all') {
      for (const b of allBases) bases.add(b);
    } else if (entry.includes('/')) {
      if (!allBases.includes(baseKey(entry))) problems.push(`"${entry}" is not a check in the runbooks; write <runbook id>/<check id> as in the manifest`);
      else {
        const v = variantFor(manifest, baseKey(entry), env);
        const why = v ? refusalOf(v[1]) : 'it has no variant for this environment';
        if (why) problems.push(`"${entry}" cannot be scheduled: ${why}; a schedule runs read-only checks of service-team steps only`);
        else bases.add(baseKey(entry));
      }
    } else if (runbooks.has(entry)) {
      for (const b of allBases) if (b.startsWith(`${entry}/`)) bases.add(b);
    } else problems.push(`"${entry}" is neither a runbook id, a check key nor "all"`);
  }
  const checks: ScheduledCheck[] = [];
  for (const base of [...bases].sort()) {
    const v = variantFor(manifest, base, env);
    if (!v) continue;
    const [key, s] = v;
    // Runbook ids and `all` take the checks a schedule may run; the rest of the runbook stays with people.
    if (refusalOf(s) || (!s.envs.includes('*') && !s.envs.includes(envName))) continue;
    const params = Object.fromEntries(Object.entries(schedule.params).filter(([name]) => s.params.some((p) => p.name === name)));
    checks.push({ key, sha256: s.sha256, params });
  }
  if (checks.length === 0 && problems.length === 0) problems.push('it selects no check this environment can run');
  return { checks, problems };
}
