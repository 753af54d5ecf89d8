/**
 * Parses a runbook file outside Docusaurus (linter, manifest writer, tests) with the same syntax
 * extensions Docusaurus enables: MDX, front matter, directives and GFM.
 */
import { unified } from 'unified';
import remarkParse from 'remark-parse';
import remarkMdx from 'remark-mdx';
import remarkFrontmatter from 'remark-frontmatter';
import remarkDirective from 'remark-directive';
import remarkGfm from 'remark-gfm';
import { parse as parseYaml } from 'yaml';
import type { MdNode } from './mdast';
import type { Diagnostic } from './syntax/diagnostics';

export interface ParsedFile {
  readonly tree: MdNode;
  readonly frontMatter: Record<string, unknown> | undefined;
  readonly diagnostics: readonly Diagnostic[];
}

const processor = unified().use(remarkParse).use(remarkMdx).use(remarkFrontmatter, ['yaml']).use(remarkDirective).use(remarkGfm);

export function parseRunbookSource(source: string, file: string): ParsedFile {
  let tree: MdNode;
  try {
    tree = processor.parse(source) as unknown as MdNode;
  } catch (error) {
    // MDX syntax errors carry a position ("place"); keep it so authors get file:line:col.
    const e = error as { message?: string; line?: number; column?: number; place?: { line?: number; column?: number; start?: { line: number; column: number } } };
    const at = e.place?.start ?? { line: e.place?.line ?? e.line ?? 1, column: e.place?.column ?? e.column ?? 1 };
    return {
      tree: { type: 'root', children: [] },
      frontMatter: undefined,
      diagnostics: [{ severity: 'error', file, line: at.line, column: at.column, message: `MDX syntax: ${e.message ?? String(error)}` }],
    };
  }
  const yamlNode = tree.children?.find((c) => c.type === 'yaml') as { value?: string; position?: MdNode['position'] } | undefined;
  if (!yamlNode?.value) return { tree, frontMatter: undefined, diagnostics: [] };
  try {
    const data: unknown = parseYaml(yamlNode.value);
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      return { tree, frontMatter: undefined, diagnostics: [{ severity: 'error', file, line: 1, column: 1, message: 'Front matter must be a YAML mapping (key: value lines).' }] };
    }
    return { tree, frontMatter: data as Record<string, unknown>, diagnostics: [] };
  } catch (error) {
    const e = error as { message?: string; linePos?: [{ line: number; col: number }] };
    const pos = e.linePos?.[0];
    return {
      tree,
      frontMatter: undefined,
      diagnostics: [{ severity: 'error', file, line: (pos?.line ?? 0) + 1, column: pos?.col ?? 1, message: `Front matter is not valid YAML: ${e.message?.split('\n')[0]}` }],
    };
  }
}
