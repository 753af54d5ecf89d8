/** Builds the snippet manifest (DESIGN.md §4) from the collected runbooks. */
import { execFileSync } from 'node:child_process';
import type { Manifest, ManifestRunbook, ManifestSnippet } from './types';
import { DEFAULT_TIMEZONE } from './syntax/zonedDate';
import type { Collection } from './collect';
import { toManifestSnippet } from './snippet';

export interface GitState {
  readonly commit: string | null;
  readonly dirty: boolean;
}

/** The commit the runbooks were built from; a tree with uncommitted changes is `dirty` (no git: dirty). */
export function readGitState(cwd: string): GitState {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const status = execFileSync('git', ['status', '--porcelain', '--', 'docs'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    return { commit, dirty: status.trim() !== '' };
  } catch {
    return { commit: null, dirty: true };
  }
}

export function buildManifest(collection: Collection, git: GitState, now = new Date()): Manifest {
  const snippets: Record<string, ManifestSnippet> = {};
  const runbooks: Record<string, ManifestRunbook> = {};
  for (const { file, extracted, title, slug } of collection.files) {
    if (!extracted.runbook) continue;
    const rb = extracted.runbook;
    runbooks[rb.id] = { title: title ?? rb.id, system: rb.system, owner: rb.owners?.primary ?? null, file, docPath: docPathOf(file, slug), timezone: rb.timezone ?? DEFAULT_TIMEZONE, escalation: rb.escalation ?? null };
    for (const block of extracted.blocks) {
      const [key, snippet] = toManifestSnippet(extracted.runbook.id, file, block);
      snippets[key] = snippet;
    }
  }
  const sorted = Object.fromEntries(Object.entries(snippets).sort(([a], [b]) => a.localeCompare(b)));
  const sortedRunbooks = Object.fromEntries(Object.entries(runbooks).sort(([a], [b]) => a.localeCompare(b)));
  return { version: 1, commit: git.commit, dirty: git.dirty, builtAt: now.toISOString(), snippets: sorted, runbooks: sortedRunbooks };
}

/**
 * The page's path on the site (docs are served at the root, docusaurus.config.ts routeBasePath '/'):
 * docs/investor/profit-aggregate.mdx → /investor/profit-aggregate; an index page is its folder; a
 * front-matter slug wins, absolute or relative to the folder.
 */
export function docPathOf(file: string, slug?: string): string {
  const rel = file.replace(/\\/g, '/').replace(/^docs\//, '').replace(/\.mdx?$/, '');
  const dir = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
  if (slug) return slug.startsWith('/') ? slug : `/${dir ? `${dir}/` : ''}${slug}`;
  const base = rel.endsWith('/index') || rel === 'index' ? dir : rel;
  return `/${base}`;
}
