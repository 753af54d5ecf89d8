/**
 * Data files reviewed through pull requests like the runbooks: every `docs/**\/_data/*.yaml` is parsed at
 * build and exposed to components as global data keyed by file name (escalation, oncall, ownership …).
 * A file that does not parse, or two files with one name, fail the build with the file named.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';

export type OpsData = Record<string, unknown>;

export function listDataFiles(docsDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (path.basename(dir) === '_data' && /\.ya?ml$/.test(entry.name)) out.push(full);
    }
  };
  if (fs.existsSync(docsDir)) walk(docsDir);
  return out.sort();
}

export function loadDataFiles(siteDir: string): OpsData {
  const data: OpsData = {};
  const from: Record<string, string> = {};
  for (const file of listDataFiles(path.join(siteDir, 'docs'))) {
    const rel = path.relative(siteDir, file);
    const key = path.basename(file).replace(/\.ya?ml$/, '');
    if (from[key]) throw new Error(`${rel}: a data file named "${key}" already exists at ${from[key]}; data file names must be unique.`);
    let parsed: unknown;
    try {
      parsed = parseYaml(fs.readFileSync(file, 'utf8'));
    } catch (error) {
      const e = error as { message: string; linePos?: [{ line: number; col: number }] };
      const at = e.linePos?.[0];
      throw new Error(`${rel}:${at ? `${at.line}:${at.col}` : '1:1'}  not valid YAML: ${e.message.split('\n')[0]}`);
    }
    if (parsed === null || typeof parsed !== 'object') throw new Error(`${rel}:1:1  a data file must be a YAML mapping.`);
    data[key] = parsed;
    from[key] = rel;
  }
  return data;
}
