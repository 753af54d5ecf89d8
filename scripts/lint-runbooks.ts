/**
 * npm run lint:runbooks — validates every runbook without building the site, for authors and pull
 * requests. Prints `file:line:col  severity  message`, exits 1 on any error.
 */
import path from 'node:path';
import { collectRunbooks } from '../plugins/remark-runbook/collect';
import { formatDiagnostic } from '../plugins/remark-runbook/syntax/diagnostics';

const siteDir = path.resolve(__dirname, '..');
const started = performance.now();
const collection = collectRunbooks(siteDir);
const sorted = [...collection.diagnostics].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
for (const d of sorted) console.log(formatDiagnostic(d));
const errors = sorted.filter((d) => d.severity === 'error').length;
const warnings = sorted.length - errors;
const runbooks = collection.files.filter((f) => f.extracted.runbook).length;
const snippets = collection.files.reduce((n, f) => n + f.extracted.blocks.length, 0);
console.log(
  `${errors ? '✖' : '✔'} ${collection.files.length} files, ${runbooks} runbooks, ${snippets} runnable blocks: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'} (${Math.round(performance.now() - started)} ms)`,
);
process.exitCode = errors ? 1 : 0;
