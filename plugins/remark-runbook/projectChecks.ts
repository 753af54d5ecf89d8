/**
 * Checks only the whole project can make, run by `npm run lint:runbooks` (Docusaurus checks links at
 * build itself): approvers that exist, targets the configuration defines, and relative links that resolve.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Collection } from './collect';
import type { MdNode } from './mdast';
import { startOf } from './mdast';
import { parseAirflowCommand } from './syntax/airflowCommand';
import type { Diagnostic } from './syntax/diagnostics';

export interface ProjectFacts {
  /** Approver role ids from docs/_data/approvers.yaml; null when the file is absent (check skipped). */
  readonly approvers: ReadonlySet<string> | null;
  /** Connection names defined by any environment of the configuration. */
  readonly targets: ReadonlySet<string> | null;
  /** The api of each Airflow connection by environment, where the configuration says it; absent: not checked. */
  readonly airflowApis?: readonly { readonly env: string; readonly connection: string; readonly api: 'v1' | 'v2' }[] | null;
}

export function projectChecks(siteDir: string, collection: Collection, facts: ProjectFacts): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const { file, extracted, tree } of collection.files) {
    if (facts.approvers) {
      const fmApprover = extracted.runbook?.approver;
      if (fmApprover && !facts.approvers.has(fmApprover)) {
        out.push({ severity: 'error', file, line: 1, column: 1, message: `runbook.approver "${fmApprover}" is not an approver role; use one of ${[...facts.approvers].join(', ')} (docs/_data/approvers.yaml).` });
      }
      for (const step of extracted.steps) {
        if (step.approver && !facts.approvers.has(step.approver)) {
          const at = startOf(step.node);
          out.push({ severity: 'error', file, line: at.line, column: at.column, message: `Step "${step.id}" names approver "${step.approver}", which is not an approver role; use one of ${[...facts.approvers].join(', ')} or add it to docs/_data/approvers.yaml.` });
        }
      }
    }
    if (facts.targets) {
      for (const block of extracted.blocks) {
        if (!facts.targets.has(block.target)) {
          out.push({ severity: 'error', file, line: block.line, column: 1, message: `Snippet "${block.id}" targets "${block.target}", which no environment in the configuration defines (${[...facts.targets].join(', ')}).` });
        }
      }
    }
    if (facts.airflowApis) out.push(...unsupportedCommands(file, extracted.blocks, facts.airflowApis));
    out.push(...brokenLinks(siteDir, file, tree));
  }
  return out;
}

/**
 * A warning (not an error: the block may be meant for other environments) where a command cannot run
 * on an environment's Airflow: a backfill on Airflow 2, whose REST API has no backfill endpoint. The
 * server refuses it there before any approval is requested.
 */
function unsupportedCommands(file: string, blocks: Collection['files'][number]['extracted']['blocks'], apis: NonNullable<ProjectFacts['airflowApis']>): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const block of blocks) {
    if (block.lang !== 'airflow') continue;
    const parsed = parseAirflowCommand(block.text);
    if (!parsed.ok || parsed.command.name !== 'dags backfill') continue;
    const v1 = apis.filter((a) => a.connection === block.target && a.api === 'v1' && (block.envs.length === 0 || block.envs.includes('*') || block.envs.includes(a.env))).map((a) => a.env);
    if (v1.length === 0) continue;
    out.push({
      severity: 'warning', file, line: block.line, column: 1,
      message: `Snippet "${block.id}" runs dags backfill, but "${block.target}" is Airflow 2 (api: v1) in ${v1.join(', ')}: its REST API has no backfill, so the step is refused there. Limit the block with envs= to Airflow 3 environments, or clear the days with tasks clear -s/-e.`,
    });
  }
  return out;
}

function brokenLinks(siteDir: string, file: string, tree: MdNode): Diagnostic[] {
  const out: Diagnostic[] = [];
  const walk = (node: MdNode) => {
    if (node.type === 'link') {
      const url = (node as MdNode & { url: string }).url;
      if (url && !/^([a-z]+:|#|\/)/i.test(url)) {
        const target = path.resolve(siteDir, path.dirname(file), decodeURIComponent(url.split('#')[0]!));
        if (!fs.existsSync(target)) {
          const at = startOf(node);
          out.push({ severity: 'error', file, line: at.line, column: at.column, message: `Broken link to ${url}: no file ${path.relative(siteDir, target)}. Link to the .mdx file relative to this one.` });
        }
      }
    }
    for (const c of node.children ?? []) walk(c);
  };
  walk(tree);
  return out;
}
