/**
 * What an alert says about a check beyond its result: the runbook's title, system and owner, and where the
 * check lives on the site (for the deep link). The Health page's `/api/checks` entries carry exactly this;
 * without them the manifest gives a fallback (system from the docs folder, page path from the file).
 */
import { blockAnchor, snippetIdOf } from '../../plugins/remark-runbook/anchor';
import type { Manifest } from '../../plugins/remark-runbook/types';

export interface CheckDescription {
  readonly key: string;
  readonly runbook: string;
  readonly runbookTitle: string;
  readonly system: string | null;
  readonly owner: string | null;
  readonly step: string | null;
  readonly title: string | null;
  /** Site path of the runbook page, e.g. /investor/profit-aggregate. */
  readonly docPath: string;
  /** Element id of the check's block on that page. */
  readonly anchor: string;
  readonly params: readonly { readonly name: string; readonly type: string }[];
  readonly conditions: { readonly expect?: string; readonly warn?: string; readonly error?: string };
}

export type DescribeCheck = (key: string) => Promise<CheckDescription | null>;

/**
 * From the manifest: its `runbooks` section (title, system, primary owner, page path — what the Health page's
 * `/api/checks` entries show), with fallbacks for a manifest built before it (system from the docs folder).
 */
export function describeFromManifest(manifest: () => Manifest): DescribeCheck {
  return async (key) => {
    const m = manifest();
    const s = Object.hasOwn(m.snippets, key) ? m.snippets[key] : undefined;
    if (!s) return null;
    const runbook = m.runbooks && Object.hasOwn(m.runbooks, s.runbook) ? m.runbooks[s.runbook] : undefined;
    const page = s.file.replace(/^docs\//, '').replace(/\.mdx?$/, '').replace(/(^|\/)index$/, '');
    return {
      key,
      runbook: s.runbook,
      runbookTitle: runbook?.title ?? s.runbook,
      system: runbook?.system ?? (s.file.startsWith('docs/') && s.file.split('/').length > 2 ? s.file.split('/')[1]! : null),
      owner: runbook?.owner ?? null,
      step: s.stepTitle ?? s.step,
      title: s.title,
      docPath: runbook?.docPath ?? `/${page}`,
      anchor: blockAnchor(snippetIdOf(key, s.runbook)),
      params: s.params.map((p) => ({ name: p.name, type: p.type })),
      conditions: { ...(s.expect ? { expect: s.expect } : {}), ...(s.warn ? { warn: s.warn } : {}), ...(s.error ? { error: s.error } : {}) },
    };
  };
}

/** `${publicUrl}${docPath}?env=E&business_date=D#anchor`: opens the runbook at the check, ready to run. */
export function deepLink(publicUrl: string, d: CheckDescription, env: string, businessDate: string | null): string {
  const query = new URLSearchParams({ env });
  // The business date is the check's date parameter (business_date, else its first date parameter).
  const dateParam = d.params.find((p) => p.name === 'business_date') ?? d.params.find((p) => p.type === 'date');
  if (businessDate && dateParam) query.set(dateParam.name, businessDate);
  return `${publicUrl.replace(/\/$/, '')}${d.docPath}?${query.toString()}#${encodeURIComponent(d.anchor)}`;
}
