/** An authoring error or warning, located in the runbook source (1-based line and column). */
export interface Diagnostic {
  readonly severity: 'error' | 'warning';
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** What is wrong and how to fix it, in one or two sentences. */
  readonly message: string;
}

export interface Position {
  readonly line: number;
  readonly column: number;
}

export function formatDiagnostic(d: Diagnostic): string {
  const tag = d.severity === 'warning' ? 'warning' : 'error';
  return `${d.file}:${d.line}:${d.column}  ${tag}  ${d.message}`;
}

/** Thrown by the remark plugin so Docusaurus fails the build with every error, each with file:line:col. */
export class RunbookSyntaxError extends Error {
  readonly diagnostics: readonly Diagnostic[];
  constructor(diagnostics: readonly Diagnostic[]) {
    super(
      `Runbook syntax error${diagnostics.length > 1 ? 's' : ''}:\n` +
        diagnostics.map((d) => `  ${formatDiagnostic(d)}`).join('\n'),
    );
    this.name = 'RunbookSyntaxError';
    this.diagnostics = diagnostics;
  }
}
