/**
 * What the page records into the tab's active operation by itself: ticked steps, notes, runbooks opened.
 * Failures are shown by the callers that show things (the bar); a ticked step that could not be recorded
 * stays ticked on the page and the bar says so.
 */
import type { RecordRequest } from '@site/server/operations/types';
import type { ApiClient } from '@site/src/lib/api';
import { activeOperationId } from '@site/src/lib/activeOperation';

type Listener = (problem: string | null) => void;
const listeners = new Set<Listener>();

export function onRecordProblem(listener: Listener): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

export async function recordInActive(api: ApiClient, request: RecordRequest): Promise<boolean> {
  const id = activeOperationId();
  if (!id) return false;
  try {
    await api.post(`/api/operations/${encodeURIComponent(id)}/events`, request);
    for (const l of listeners) l(null);
    return true;
  } catch (error) {
    const message = `Not recorded in the operation: ${error instanceof Error ? error.message : String(error)}`;
    for (const l of listeners) l(message);
    return false;
  }
}

const LINKED = 'opsbook:operation-links:';

/** A runbook page opened while working in an operation is recorded once per operation and page, per tab. */
export function alreadyLinked(operation: string, path: string): boolean {
  try {
    const seen = JSON.parse(window.sessionStorage.getItem(LINKED + operation) ?? '[]') as string[];
    return seen.includes(path);
  } catch {
    return false;
  }
}

export function markLinked(operation: string, path: string): void {
  try {
    const seen = JSON.parse(window.sessionStorage.getItem(LINKED + operation) ?? '[]') as string[];
    if (!seen.includes(path)) window.sessionStorage.setItem(LINKED + operation, JSON.stringify([...seen, path]));
  } catch {
    /* no sessionStorage: the page may be recorded again on the next visit, which is harmless */
  }
}
