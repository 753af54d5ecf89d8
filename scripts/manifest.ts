/**
 * npm run manifest [-- --out FILE] — writes the snippet manifest without building the site (author mode
 * starts from it; the build writes its own copy into build/). Fails with file:line:col on syntax errors.
 */
import fs from 'node:fs';
import path from 'node:path';
import { collectRunbooks } from '../plugins/remark-runbook/collect';
import { buildManifest, readGitState } from '../plugins/remark-runbook/manifest';
import { formatDiagnostic } from '../plugins/remark-runbook/syntax/diagnostics';

const siteDir = path.resolve(__dirname, '..');
const outIndex = process.argv.indexOf('--out');
const out = path.resolve(siteDir, outIndex > 0 ? process.argv[outIndex + 1]! : '.opsbook/dev-manifest.json');
const collection = collectRunbooks(siteDir);
const errors = collection.diagnostics.filter((d) => d.severity === 'error');
if (errors.length) {
  for (const e of errors) console.error(formatDiagnostic(e));
  process.exit(1);
}
const manifest = buildManifest(collection, readGitState(siteDir));
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(`${out}.tmp`, JSON.stringify(manifest, null, 1));
fs.renameSync(`${out}.tmp`, out);
console.log(`manifest: ${Object.keys(manifest.snippets).length} snippets → ${path.relative(siteDir, out)}${manifest.dirty ? ' (dirty)' : ''}`);
