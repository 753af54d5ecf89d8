/**
 * docusaurus-plugin-opsbook: writes the snippet manifest (DESIGN.md §4).
 * - `docusaurus build` writes `build/opsbook-manifest.json`, the list of what the server may run.
 * - `docusaurus start` (npm run dev) rewrites `.opsbook/dev-manifest.json` whenever a runbook changes,
 *   so the execution server in author mode runs the edited snippet at once.
 * Extraction is the remark plugin's own code, so the manifest and the page always agree.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { LoadContext, Plugin } from '@docusaurus/types';
import { collectRunbooks } from '../remark-runbook/collect';
import { buildManifest, readGitState } from '../remark-runbook/manifest';
import { formatDiagnostic } from '../remark-runbook/syntax/diagnostics';
import type { Manifest } from '../remark-runbook/types';
import { loadDataFiles, type OpsData } from './dataFiles';

interface Content {
  readonly manifest: Manifest;
  readonly data: OpsData;
}

export const MANIFEST_FILE = 'opsbook-manifest.json';
export const DEV_MANIFEST = path.join('.opsbook', 'dev-manifest.json');

function writeAtomically(file: string, manifest: Manifest): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(manifest, null, 1));
  fs.renameSync(tmp, file); // the server watches the file; it must never read half of it
}

export default function pluginOpsbook(context: LoadContext): Plugin<unknown> {
  const { siteDir } = context;
  const isDev = process.env.NODE_ENV === 'development';
  return {
    name: 'docusaurus-plugin-opsbook',
    getPathsToWatch() {
      return [path.join(siteDir, 'docs/**/*.{md,mdx}'), path.join(siteDir, 'docs/**/_data/*.{yaml,yml}')];
    },
    async loadContent() {
      const collection = collectRunbooks(siteDir);
      const errors = collection.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length > 0) {
        const text = errors.map(formatDiagnostic).join('\n');
        if (!isDev) throw new Error(`Runbook syntax errors:\n${text}`);
        // In author mode keep serving: the page shows the error overlay; the manifest keeps the valid snippets.
        console.error(text);
      }
      const manifest = buildManifest(collection, readGitState(siteDir));
      if (isDev) writeAtomically(path.join(siteDir, DEV_MANIFEST), manifest);
      return { manifest, data: loadDataFiles(siteDir) } satisfies Content;
    },
    async contentLoaded({ content, actions }) {
      // Components (escalation ladders, on-call) read the data files; the manifest never goes to the page.
      actions.setGlobalData((content as Content).data);
    },
    async postBuild({ outDir, content }) {
      writeAtomically(path.join(outDir, MANIFEST_FILE), (content as Content).manifest);
    },
  };
}
