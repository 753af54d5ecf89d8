/**
 * Rewrites a validated runbook tree for MDX: each `:::step` becomes `<Step …>` and each group of runnable
 * blocks sharing an id becomes one `<RunnableBlock spec="…"/>` carrying what the page needs to show and
 * run it — the keys and hashes, never anything the server would trust.
 */
import type { ExtractedRunbook, BlockInfo } from './extract';
import type { JsxAttribute, JsxFlowElement, MdNode } from './mdast';
import type { RunAllChecksItem, RunnableBlockSpec } from './types';
import { toManifestSnippet } from './snippet';

const attr = (name: string, value: string): JsxAttribute => ({ type: 'mdxJsxAttribute', name, value });

export function transformRunbook(extracted: ExtractedRunbook, file: string, tree?: MdNode): void {
  const runbook = extracted.runbook;
  if (!runbook) return;

  const groups = new Map<string, BlockInfo[]>();
  for (const b of extracted.blocks) groups.set(b.id, [...(groups.get(b.id) ?? []), b]);

  const replacements = new Map<MdNode, MdNode | null>();
  for (const [id, variants] of groups) {
    const first = variants[0]!;
    const spec: RunnableBlockSpec = {
      runbook: runbook.id,
      id,
      step: first.step.id,
      lang: first.lang,
      title: first.title,
      role: first.step.role,
      approver: first.step.approver,
      target: first.target,
      envs: first.envs,
      mode: first.mode,
      params: first.params,
      expect: first.expect,
      ...(first.warn ? { warn: first.warn } : {}),
      ...(first.error ? { error: first.error } : {}),
      timezone: first.timezone,
      variants: variants.map((v) => {
        const [key, snippet] = toManifestSnippet(runbook.id, file, v);
        return { dialect: v.dialect, key, sha256: snippet.sha256, code: v.text };
      }),
    };
    const element: JsxFlowElement = {
      type: 'mdxJsxFlowElement',
      name: 'RunnableBlock',
      attributes: [attr('spec', JSON.stringify(spec))],
      children: [],
      position: first.node.position,
    };
    replacements.set(first.node, element);
    for (const other of variants.slice(1)) replacements.set(other.node, null);
  }

  for (const step of extracted.steps) {
    const element = step.node as unknown as JsxFlowElement;
    const attributes = [attr('id', step.id), attr('title', step.title), attr('role', step.role)];
    if (step.approver) attributes.push(attr('approver', step.approver));
    if (step.duration) attributes.push(attr('duration', step.duration));
    const children = step.node.children.filter((c) => c.data?.directiveLabel !== true);
    // Mutate in place: the node keeps its position and its place in the parent.
    Object.assign(element, { type: 'mdxJsxFlowElement', name: 'Step', attributes, children });
    delete (element as Partial<{ attributes: unknown; data: unknown }>).data;
  }

  const replaceIn = (node: MdNode): void => {
    if (!node.children) return;
    const next: MdNode[] = [];
    for (const child of node.children) {
      if (replacements.has(child)) {
        const r = replacements.get(child);
        if (r) next.push(r);
      } else {
        replaceIn(child);
        next.push(child);
      }
    }
    node.children = next;
  };
  for (const step of extracted.steps) replaceIn(step.node);
  insertRunAllChecks(extracted, file, tree);
}

/**
 * The operator's daily health report: a `<RunAllChecks>` after the title of every runbook with read-only
 * checks, listing them in page order with the keys and hashes to run.
 */
function insertRunAllChecks(extracted: ExtractedRunbook, file: string, tree: MdNode | undefined): void {
  const runbook = extracted.runbook;
  if (!runbook || !tree?.children) return;
  const checks: RunAllChecksItem[] = [];
  const seen = new Set<string>();
  for (const b of extracted.blocks) {
    // Checks in escalation steps need an approval first: they are not part of the daily health report.
    if (b.mode !== 'read' || !(b.expect || b.warn || b.error) || b.step.role !== 'service-team' || seen.has(b.id)) continue;
    seen.add(b.id);
    const variants = extracted.blocks.filter((v) => v.id === b.id).map((v) => {
      const [key, snippet] = toManifestSnippet(runbook.id, file, v);
      return { dialect: v.dialect, key, sha256: snippet.sha256, code: '' };
    });
    checks.push({ id: b.id, title: b.title ?? b.id, step: b.step.id, stepTitle: b.step.title, target: b.target, envs: b.envs, expect: b.expect ?? '', ...(b.warn ? { warn: b.warn } : {}), ...(b.error ? { error: b.error } : {}), params: b.params, timezone: b.timezone, variants });
  }
  if (checks.length === 0) return;
  const element: JsxFlowElement = {
    type: 'mdxJsxFlowElement',
    name: 'RunAllChecks',
    attributes: [attr('runbook', runbook.id), attr('checks', JSON.stringify(checks))],
    children: [],
  };
  // Docusaurus wraps the page's h1 in a <header> element before our plugin runs; the linter's tree has it bare.
  const isH1 = (c: MdNode) => c.type === 'heading' && (c as MdNode & { depth: number }).depth === 1;
  const h1 = tree.children.findIndex((c) => isH1(c) || (c.type === 'mdxJsxFlowElement' && (c as JsxFlowElement).name === 'header' && (c.children ?? []).some(isH1)));
  tree.children.splice(h1 >= 0 ? h1 + 1 : firstContentIndex(tree), 0, element);
}

/** After front matter and imports/exports, so the element is not mistaken for module code. */
function firstContentIndex(tree: MdNode): number {
  const i = (tree.children ?? []).findIndex((c) => c.type !== 'yaml' && c.type !== 'mdxjsEsm');
  return i < 0 ? (tree.children ?? []).length : i;
}
