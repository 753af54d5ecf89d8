/**
 * remark-runbook: validates runbook syntax (DESIGN.md §3) and turns steps and runnable blocks into the
 * `Step` and `RunnableBlock` MDX components. Any authoring error fails the build with file:line:column.
 * Registered in docusaurus.config.ts after Docusaurus' own directive and admonition plugins.
 */
import path from 'node:path';
import type { MdNode } from './mdast';
import { extractRunbook } from './extract';
import { transformRunbook } from './transform';
import { RunbookSyntaxError, formatDiagnostic } from './syntax/diagnostics';

interface VFileLike {
  path?: string;
  value?: unknown;
  data: { frontMatter?: Record<string, unknown> };
}

export default function remarkRunbook() {
  return (tree: MdNode, file: VFileLike): void => {
    const relative = file.path ? path.relative(process.cwd(), file.path) : '<unknown>';
    const extracted = extractRunbook({
      tree,
      frontMatter: file.data.frontMatter,
      file: relative,
      source: typeof file.value === 'string' ? file.value : undefined,
    });
    const errors = extracted.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) throw new RunbookSyntaxError(errors);
    // Warnings do not fail the build; the linter shows them too, so authors see them in the PR.
    for (const w of extracted.diagnostics) if (w.severity === 'warning') console.warn(formatDiagnostic(w));
    transformRunbook(extracted, relative, tree);
  };
}

export { extractRunbook } from './extract';
export type { ExtractedRunbook, BlockInfo, StepInfo } from './extract';
