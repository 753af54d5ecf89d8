/** Builds the snippet manifest (DESIGN.md §4) from the collected runbooks. */
import { execFileSync } from 'node:child_process';
import type { Manifest, ManifestSnippet } from './types';
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
  for (const { file, extracted } of collection.files) {
    if (!extracted.runbook) continue;
    for (const block of extracted.blocks) {
      const [key, snippet] = toManifestSnippet(extracted.runbook.id, file, block);
      snippets[key] = snippet;
    }
  }
  const sorted = Object.fromEntries(Object.entries(snippets).sort(([a], [b]) => a.localeCompare(b)));
  return { version: 1, commit: git.commit, dirty: git.dirty, builtAt: now.toISOString(), snippets: sorted };
}
