/**
 * Loads every drill under drills/<family>/ and the "not yet" lists, validates them (schema, then against
 * the manifest, the site's runbooks and the sandbox's scenarios), and says for each problem the file, the
 * line, what is wrong and how to fix it. One bad file does not hide the others' problems.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type * as z from 'zod';
import type { Manifest } from '../../plugins/remark-runbook/types';
import { drillSchema, FAMILIES, isActionStep, uncoveredSchema, type Drill, type Uncovered } from './schema';
import { resolveSnippet } from './snippets';

export interface LoadOptions {
  /** The folder holding <family>/ subfolders and uncovered.yaml. */
  readonly drillsDir: string;
  /** The site folder (for runbook paths: docs/<path>.mdx). */
  readonly siteDir: string;
  readonly manifest: Manifest;
  /** The sandbox's scenarios, with their actions. */
  readonly scenarios: ReadonlyMap<string, readonly string[]>;
}

export interface Loaded {
  readonly drills: readonly Drill[];
  readonly uncovered: readonly (Uncovered & { readonly file: string })[];
  readonly problems: readonly string[];
}

export function loadDrills(options: LoadOptions): Loaded {
  const drills: Drill[] = [];
  const uncovered: (Uncovered & { file: string })[] = [];
  const problems: string[] = [];
  const rel = (f: string) => path.relative(options.siteDir, f) || f;
  const uncoveredFiles = [path.join(options.drillsDir, 'uncovered.yaml')];
  for (const family of fs.existsSync(options.drillsDir) ? fs.readdirSync(options.drillsDir).sort() : []) {
    const dir = path.join(options.drillsDir, family);
    if (!fs.statSync(dir).isDirectory() || family === 'runner') continue;
    if (!(FAMILIES as readonly string[]).includes(family)) {
      problems.push(`${rel(dir)}: drills live in one folder per family (${FAMILIES.join(', ')}); move these files or rename the folder.`);
      continue;
    }
    for (const name of fs.readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      if (name === 'uncovered.yaml') uncoveredFiles.push(file);
      else if (/\.ya?ml$/.test(name)) {
        const parsed = parseYaml(file, rel(file), drillSchema, problems);
        if (!parsed) continue;
        const drill: Drill = { ...parsed, name: `${parsed.family}/${parsed.id}`, file: rel(file), passes: parsed.passes ?? parsed.fails };
        const before = problems.length;
        if (drill.family !== family) problems.push(`${drill.file}: family is ${drill.family} but the file is in drills/${family}/; move it or fix the family.`);
        if (path.basename(name).replace(/\.ya?ml$/, '') !== drill.id) problems.push(`${drill.file}: id ${drill.id} does not match the file name; name the file ${drill.id}.yaml.`);
        if (drills.some((d) => d.name === drill.name)) problems.push(`${drill.file}: another drill is already called ${drill.name}; ids are unique within a family.`);
        problems.push(...validateDrill(drill, options));
        if (problems.length === before) drills.push(drill);
      }
    }
  }
  for (const file of uncoveredFiles) {
    if (!fs.existsSync(file)) continue;
    const parsed = parseYaml(file, rel(file), uncoveredSchema, problems);
    for (const u of parsed?.uncovered ?? []) {
      if (!resolveSnippet(options.manifest, u.snippet).length) problems.push(`${rel(file)}: ${u.snippet} is not a runnable block of any runbook; remove it from the list.`);
      uncovered.push({ ...u, file: rel(file) });
    }
  }
  return { drills, uncovered, problems };
}

function parseYaml<T>(file: string, relFile: string, schema: z.ZodType<T>, problems: string[]): T | null {
  const lines = new LineCounter();
  const doc = parseDocument(fs.readFileSync(file, 'utf8'), { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    for (const e of doc.errors) problems.push(`${relFile}:${lines.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]} (fix the YAML syntax).`);
    return null;
  }
  const result = schema.safeParse(doc.toJS());
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    const at = issue.path.map(String);
    const node = doc.getIn(issue.path as (string | number)[], true) as { range?: [number, number, number] } | undefined;
    const line = node?.range ? `:${lines.linePos(node.range[0]).line}` : '';
    problems.push(`${relFile}${line}: ${at.length ? at.join('.') : '(top level)'}: ${issue.message}.`);
  }
  return null;
}

/** What only the project can tell: the blocks exist and are checks where checks are needed, the runbook page exists, the scenario and its actions exist. */
export function validateDrill(drill: Drill, options: Pick<LoadOptions, 'manifest' | 'scenarios' | 'siteDir'>): string[] {
  const out: string[] = [];
  const at = (where: string, message: string) => out.push(`${drill.file}: ${where}: ${message}`);
  const actions = options.scenarios.get(drill.fault.scenario);
  if (!actions) at('fault.scenario', `no training scenario "${drill.fault.scenario}"; use one of ${[...options.scenarios.keys()].join(', ')} or add one to server/demo/airflow/scenarios/.`);
  const runbookProblem = checkRunbookPath(options.siteDir, drill.runbook);
  if (runbookProblem) at('runbook', runbookProblem);
  for (const [list, refs] of [['fails', drill.fails], ['passes', drill.passes]] as const) {
    refs.forEach((ref, i) => {
      const found = resolveSnippet(options.manifest, ref.snippet);
      if (!found.length) at(`${list}[${i}].snippet`, `${ref.snippet} is not a runnable block in any runbook; check the runbook id and the block's id.`);
      else if (found.some((s) => !s.expect && !s.warn && !s.error)) at(`${list}[${i}].snippet`, `${ref.snippet} has no expect=, warn= or error=, so it cannot pass or fail; list a check, or give the block a condition.`);
    });
  }
  drill.recover.forEach((step, i) => {
    if (isActionStep(step)) {
      if (actions && !actions.includes(step.action)) at(`recover[${i}].action`, `scenario ${drill.fault.scenario} has no action "${step.action}"${actions.length ? `; it has ${actions.join(', ')}` : ''}.`);
      return;
    }
    const found = resolveSnippet(options.manifest, step.snippet);
    if (!found.length) at(`recover[${i}].snippet`, `${step.snippet} is not a runnable block in any runbook; check the runbook id and the block's id.`);
    else if (found[0]!.role === 'escalation' && !step.approver) at(`recover[${i}]`, `${step.snippet} is an escalation step: name the demo identity who approves it (approver: imani.manager).`);
  });
  return out;
}

/** `/canonical/failure-handling#ldz-load-failure` must be a page under docs/, and the anchor a step or heading on it. */
export function checkRunbookPath(siteDir: string, sitePath: string): string | null {
  const [page = '', anchor] = sitePath.split('#');
  const base = path.join(siteDir, 'docs', page.replace(/^\/+/, ''));
  const file = [`${base}.mdx`, `${base}.md`, path.join(base, 'index.mdx')].find((f) => fs.existsSync(f));
  if (!file) return `${page} is not a page of the site (no docs${page}.mdx); use the path the page has in the browser.`;
  if (!anchor) return null;
  const text = fs.readFileSync(file, 'utf8');
  const slugs = [...text.matchAll(/^#{2,6}\s+(.+)$/gm)].map((m) => m[1]!.toLowerCase().replace(/[^a-z0-9\s-]/g, '').trim().replace(/\s+/g, '-'));
  if (text.includes(`{#${anchor} `) || text.includes(`{#${anchor}}`) || slugs.includes(anchor)) return null;
  return `${page} has no step or heading #${anchor}; use a step id from that page.`;
}
