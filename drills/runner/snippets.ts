/** Manifest look-ups shared by the loader, the coverage report and the environment. */
import type { Manifest, ManifestSnippet } from '../../plugins/remark-runbook/types';

/** The blocks a key names: the key itself, or its per-engine variants (`key:duckdb`, …). */
export function resolveSnippet(manifest: Manifest, key: string): ManifestSnippet[] {
  const exact = manifest.snippets[key];
  if (exact) return [exact];
  return Object.entries(manifest.snippets)
    .filter(([k]) => k.startsWith(`${key}:`))
    .map(([, s]) => s);
}

/** The variant a page on `dialect` would run: the matching one, else the one without a dialect. */
export function snippetFor(manifest: Manifest, key: string, dialect: string): { key: string; snippet: ManifestSnippet } | null {
  const exact = manifest.snippets[`${key}:${dialect}`];
  if (exact) return { key: `${key}:${dialect}`, snippet: exact };
  const plain = manifest.snippets[key];
  return plain ? { key, snippet: plain } : null;
}

/** A check's base key: per-engine variants of one check count as one check. */
export function baseKey(key: string): string {
  return key.replace(/:[a-z]+$/, '');
}
