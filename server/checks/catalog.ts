/**
 * Every check of every runbook as one environment runs it, with its status for a business date: what
 * the Health page lists (issue 11). Built from the manifest (what may run) and the check history (what ran).
 */
import { blockAnchor, snippetIdOf } from '../../plugins/remark-runbook/anchor';
import type { Manifest, ManifestSnippet } from '../../plugins/remark-runbook/types';
import { calendarDateIn, DEFAULT_TIMEZONE, relativeDateIn } from '../../plugins/remark-runbook/syntax/zonedDate';
import type { CheckEntry, CheckStatus, ChecksResponse } from './api';
import { isMonitor } from './runCheck';
import type { CheckHistory, CheckResultRecord } from './types';

/** A check without a business date is stale a day after its last result. */
const UNDATED_FRESHNESS_MS = 24 * 3600_000;
const SPARKLINE = 30;

export interface CatalogInput {
  readonly manifest: Manifest;
  readonly env: string;
  /** The engine of each connection in the environment (name → kind). */
  readonly connectionKinds: Readonly<Record<string, string>>;
  readonly date: string | null;
  readonly now: Date;
  readonly history: CheckHistory;
}

/** The variant of each check for this environment's engines: its own dialect, else the fallback. */
export function checksFor(manifest: Manifest, env: string, connectionKinds: Readonly<Record<string, string>>): [string, ManifestSnippet][] {
  const byId = new Map<string, [string, ManifestSnippet][]>();
  for (const [key, s] of Object.entries(manifest.snippets)) {
    // Checks in escalation steps need an approval first: they are not part of the daily health report.
    if (!isMonitor(s) || s.role !== 'service-team') continue;
    if (!s.envs.includes('*') && !s.envs.includes(env)) continue;
    const kind = connectionKinds[s.target];
    if (!kind || (s.dialect && s.dialect !== kind)) continue;
    const base = key.replace(/:[a-z]+$/, '');
    byId.set(base, [...(byId.get(base) ?? []), [key, s]]);
  }
  return [...byId.values()].map((variants) => variants.find(([, s]) => s.dialect !== null) ?? variants[0]!);
}

export function dateParamOf(s: ManifestSnippet): string | null {
  return (s.params.find((p) => p.name === 'business_date') ?? s.params.find((p) => p.type === 'date'))?.name ?? null;
}

export async function checkCatalog(input: CatalogInput): Promise<ChecksResponse> {
  const { manifest, env, date, now, history } = input;
  const checks = checksFor(manifest, env, input.connectionKinds);
  const [newest, ofDate] = await Promise.all([history.latest(env, null), date ? history.latest(env, date) : Promise.resolve([])]);
  const newestByKey = new Map(newest.map((r) => [r.key, r]));
  const ofDateByKey = new Map(ofDate.map((r) => [r.key, r]));
  const entries = await Promise.all(
    checks.map(async ([key, s]): Promise<CheckEntry> => {
      const runbook = manifest.runbooks?.[s.runbook];
      const timezone = s.timezone ?? runbook?.timezone ?? DEFAULT_TIMEZONE;
      const dateParam = dateParamOf(s);
      const spec = dateParam ? s.params.find((p) => p.name === dateParam)! : null;
      const businessDate = !spec ? null : (date ?? (spec.default ? (relativeDateIn(spec.default, now, timezone) ?? spec.default) : calendarDateIn(now, timezone)));
      const last = (businessDate ? ofDateByKey.get(key) : undefined) ?? newestByKey.get(key) ?? null;
      const series = last ? await history.series(env, key, SPARKLINE) : [];
      return {
        key, sha256: s.sha256, runbook: s.runbook, runbookTitle: runbook?.title ?? s.runbook, system: runbook?.system ?? '', owner: runbook?.owner ?? null,
        step: s.step, stepTitle: s.stepTitle ?? null, title: s.title, docPath: runbook?.docPath ?? `/${s.file.replace(/^docs\//, '').replace(/\.mdx?$/, '')}`, anchor: blockAnchor(snippetIdOf(key, s.runbook)),
        params: s.params.map((p) => ({ name: p.name, type: p.type, ...(p.default !== null ? { default: p.default } : {}) })),
        conditions: { ...(s.expect ? { expect: s.expect } : {}), ...(s.warn ? { warn: s.warn } : {}), ...(s.error ? { error: s.error } : {}) },
        status: statusOf(last, businessDate, now),
        last,
        history: [...series].reverse().map((r) => ({ at: r.at, businessDate: r.businessDate, value: r.value, verdict: r.verdict })),
        businessDate,
        dateParam,
      };
    }),
  );
  entries.sort((a, b) => a.system.localeCompare(b.system) || a.runbookTitle.localeCompare(b.runbookTitle) || a.key.localeCompare(b.key));
  return { env, businessDate: date ?? calendarDateIn(now, 'UTC'), checks: entries };
}

/** "stale": the last result is for another business date, or (undated) older than a day. */
export function statusOf(last: CheckResultRecord | null, businessDate: string | null, now: Date): CheckStatus {
  if (!last) return 'not-run';
  if (businessDate !== null) return last.businessDate === businessDate ? last.verdict : 'stale';
  return now.getTime() - Date.parse(last.at) > UNDATED_FRESHNESS_MS ? 'stale' : last.verdict;
}
