/**
 * Reads every runbook under a docs folder: parse, extract, and check what only the whole set can tell
 * (a runbook id used by two files). Shared by the manifest writer and `npm run lint:runbooks`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseRunbookSource } from './parseFile';
import { extractRunbook, type ExtractedRunbook } from './extract';
import type { Diagnostic } from './syntax/diagnostics';
import type { MdNode } from './mdast';

export interface CollectedFile {
  /** Path relative to the site directory, as used in diagnostics and the manifest. */
  readonly file: string;
  readonly extracted: ExtractedRunbook;
  /** The parsed tree, after extraction (for project-wide checks such as links). */
  readonly tree: MdNode;
  /** Front matter `title` and `slug`, for the manifest's list of runbooks. */
  readonly title?: string;
  readonly slug?: string;
}

export interface Collection {
  readonly files: readonly CollectedFile[];
  readonly diagnostics: readonly Diagnostic[];
}

export function listRunbookFiles(docsDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.mdx?$/.test(entry.name)) out.push(full);
    }
  };
  if (fs.existsSync(docsDir)) walk(docsDir);
  return out;
}

export function collectRunbooks(siteDir: string, docsDir = path.join(siteDir, 'docs')): Collection {
  const files: CollectedFile[] = [];
  const diagnostics: Diagnostic[] = [];
  const owners = new Map<string, string>();
  for (const full of listRunbookFiles(docsDir)) {
    const file = path.relative(siteDir, full);
    const source = fs.readFileSync(full, 'utf8');
    const parsed = parseRunbookSource(source, file);
    diagnostics.push(...parsed.diagnostics);
    const extracted = extractRunbook({ tree: parsed.tree, frontMatter: parsed.frontMatter, file, source });
    diagnostics.push(...extracted.diagnostics);
    const id = extracted.runbook?.id;
    if (id) {
      const prior = owners.get(id);
      if (prior) {
        diagnostics.push({ severity: 'error', file, line: 1, column: 1, message: `Runbook id "${id}" is already used by ${prior}; runbook ids must be unique across the site.` });
      } else owners.set(id, file);
    }
    const fm = parsed.frontMatter ?? {};
    files.push({ file, extracted, tree: parsed.tree, ...(typeof fm.title === 'string' ? { title: fm.title } : {}), ...(typeof fm.slug === 'string' ? { slug: fm.slug } : {}) });
  }
  return { files, diagnostics };
}
