/**
 * The few mdast shapes the plugin reads and writes. Declared locally (rather than importing
 * mdast-util-directive / mdast-util-mdx-jsx types) so the plugin has no type-only dependencies
 * on packages it does not install itself.
 */
export interface Point {
  line: number;
  column: number;
  offset?: number;
}
export interface MdNode {
  type: string;
  position?: { start: Point; end: Point };
  children?: MdNode[];
  data?: Record<string, unknown>;
}
export interface DirectiveNode extends MdNode {
  type: 'containerDirective' | 'leafDirective' | 'textDirective';
  name: string;
  attributes?: Record<string, string | null | undefined> | null;
  children: MdNode[];
}
export interface CodeNode extends MdNode {
  type: 'code';
  lang?: string | null;
  meta?: string | null;
  value: string;
}
export interface JsxAttribute {
  type: 'mdxJsxAttribute';
  name: string;
  value: string;
}
export interface JsxFlowElement extends MdNode {
  type: 'mdxJsxFlowElement';
  name: string;
  attributes: JsxAttribute[];
  children: MdNode[];
}

export function isDirective(node: MdNode): node is DirectiveNode {
  return node.type === 'containerDirective' || node.type === 'leafDirective' || node.type === 'textDirective';
}

/** Plain text of a subtree (for step titles written as directive labels). */
export function toText(node: MdNode): string {
  if ('value' in node && typeof (node as { value: unknown }).value === 'string') return (node as { value: string }).value;
  return (node.children ?? []).map(toText).join('');
}

export function startOf(node: MdNode): Point {
  return node.position?.start ?? { line: 1, column: 1 };
}
