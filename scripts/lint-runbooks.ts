/**
 * npm run lint:runbooks — validates every runbook without building the site, for authors and pull
 * requests: syntax (the remark plugin's own checks), data files, approvers, targets and links.
 * Prints `file:line:col  severity  message`, exits 1 on any error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { collectRunbooks } from '../plugins/remark-runbook/collect';
import { projectChecks } from '../plugins/remark-runbook/projectChecks';
import { formatDiagnostic, type Diagnostic } from '../plugins/remark-runbook/syntax/diagnostics';
import { loadDataFiles } from '../plugins/docusaurus-plugin-opsbook/dataFiles';
import { loadConfig } from '../server/config';
import { checkOpsData, type OpsData } from '../src/components/opsData';

const siteDir = path.resolve(__dirname, '..');
const started = performance.now();
const collection = collectRunbooks(siteDir);
const diagnostics: Diagnostic[] = [...collection.diagnostics];


try {
  const data = loadDataFiles(siteDir) as Partial<OpsData>;
  // Ladders, rotations, owners and people refer to one another: a name nobody can reach is an error.
  if (data.escalation && data.oncall && data.ownership) {
    for (const message of checkOpsData(data as OpsData)) diagnostics.push({ severity: 'error', file: 'docs/_data', line: 1, column: 1, message });
  }
} catch (error) {
  const [where, ...rest] = (error as Error).message.split('  ');
  const [file, line, column] = (where ?? '').split(':');
  diagnostics.push({ severity: 'error', file: file ?? 'docs', line: Number(line) || 1, column: Number(column) || 1, message: rest.join('  ') || (error as Error).message });
}
const approversFile = path.join(siteDir, 'docs/_data/approvers.yaml');
const approvers = fs.existsSync(approversFile) ? new Set(Object.keys((parseYaml(fs.readFileSync(approversFile, 'utf8')) as Record<string, unknown>) ?? {})) : null;
let targets: Set<string> | null = null;
let airflowApis: { env: string; connection: string; api: 'v1' | 'v2' }[] | null = null;
try {
  // Secrets need not be set to lint: references expand to placeholders.
  const env = new Proxy(process.env, { get: (t, k: string) => t[k] ?? (k === 'OPSBOOK_CONFIG' ? undefined : 'lint-placeholder') });
  const { config } = loadConfig(siteDir, env);
  targets = new Set(Object.values(config.environments).flatMap((e) => Object.keys(e.connections)));
  // A sandbox connection without api is Airflow 3 (the sandbox's default).
  airflowApis = Object.entries(config.environments).flatMap(([env, e]) =>
    Object.entries(e.connections).flatMap(([connection, c]) => (c.kind === 'airflow' ? [{ env, connection, api: c.api ?? ('v2' as const) }] : [])),
  );
} catch (error) {
  diagnostics.push({ severity: 'error', file: process.env.OPSBOOK_CONFIG ?? 'opsbook.config.yaml', line: 1, column: 1, message: (error as Error).message });
}
diagnostics.push(...projectChecks(siteDir, collection, { approvers, targets, airflowApis }));

const sorted = diagnostics.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
for (const d of sorted) console.log(formatDiagnostic(d));
const errors = sorted.filter((d) => d.severity === 'error').length;
const warnings = sorted.length - errors;
const runbooks = collection.files.filter((f) => f.extracted.runbook).length;
const snippets = collection.files.reduce((n, f) => n + f.extracted.blocks.length, 0);
console.log(
  `${errors ? '✖' : '✔'} ${collection.files.length} files, ${runbooks} runbooks, ${snippets} runnable blocks: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'} (${Math.round(performance.now() - started)} ms)`,
);
process.exitCode = errors ? 1 : 0;
