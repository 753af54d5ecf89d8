/**
 * The export of an operation (issue 12): the operation, its whole timeline, the site commit the server runs
 * and, for every snippet the operation ran or asked approval for, the hash it ran with and whether that is
 * still the hash the site has now. Markdown, HTML and JSON all render this one document.
 */
import type { UserRef } from '../../api';
import type { Manifest } from '../../../plugins/remark-runbook/types';
import type { Operation, OperationEvent } from '../types';

export const EXPORT_FORMAT = 'opsbook-operation-export/1';

export interface SnippetRef {
  readonly key: string;
  /** The hash the operation's runs and approvals used. */
  readonly sha256: string;
  /** The manifest's hash for the key now; null when the key is gone from the site. */
  readonly current: string | null;
  readonly runbook: string | null;
  readonly file: string | null;
  readonly line: number | null;
}

export interface ExportDocument {
  readonly format: typeof EXPORT_FORMAT;
  readonly operation: Operation;
  readonly events: readonly OperationEvent[];
  readonly site: { readonly commit: string | null; readonly dirty: boolean; readonly builtAt: string | null; readonly manifestSha256: string };
  readonly snippets: readonly SnippetRef[];
  readonly exportedAt: string;
  readonly exportedBy: UserRef;
  /** Where the operation lives, for a reader of the file (absolute when the server knows its public URL). */
  readonly link: string;
}

export function exportDocument(o: {
  readonly operation: Operation;
  readonly events: readonly OperationEvent[];
  readonly manifest: Manifest;
  readonly manifestSha256: string;
  readonly by: UserRef;
  readonly at: Date;
  readonly publicUrl?: string;
}): ExportDocument {
  const used = new Map<string, string>();
  for (const e of o.events) {
    if (e.data.kind === 'run') used.set(`${e.data.run.snippet}\u0000${e.data.run.sha256}`, e.data.run.snippet);
    if (e.data.kind === 'approval') used.set(`${e.data.approval.snippet}\u0000${e.data.approval.sha256}`, e.data.approval.snippet);
  }
  const snippets = [...used.keys()].sort().map((k): SnippetRef => {
    const [key, sha256] = k.split('\u0000') as [string, string];
    const entry = Object.hasOwn(o.manifest.snippets, key) ? o.manifest.snippets[key] : undefined;
    return { key, sha256, current: entry?.sha256 ?? null, runbook: entry?.runbook ?? null, file: entry?.file ?? null, line: entry?.line ?? null };
  });
  const path = `/operations?id=${encodeURIComponent(o.operation.id)}`;
  return {
    format: EXPORT_FORMAT,
    operation: o.operation,
    events: o.events,
    site: { commit: o.manifest.commit ?? null, dirty: o.manifest.dirty === true, builtAt: o.manifest.builtAt ?? null, manifestSha256: o.manifestSha256 },
    snippets,
    exportedAt: o.at.toISOString(),
    exportedBy: o.by,
    link: o.publicUrl ? new URL(path, o.publicUrl).toString() : path,
  };
}
