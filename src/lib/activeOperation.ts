/**
 * The operation this tab works in (issue 12): its id is kept per tab (sessionStorage), so two tabs can
 * work two operations. Runs started from the tab carry it (runClient), approvals requested from it name
 * it, ticked steps and notes go to it. No React here (the hook is in useOperation.ts).
 */
const KEY = 'opsbook:operation';
const listeners = new Set<() => void>();
/** When sessionStorage is unavailable: for this page view only. */
let memory: string | null = null;

export function activeOperationId(): string | null {
  if (typeof window === 'undefined') return null;
  try {
    return window.sessionStorage.getItem(KEY);
  } catch {
    return memory;
  }
}

export function setActiveOperation(id: string | null): void {
  try {
    if (id) window.sessionStorage.setItem(KEY, id);
    else window.sessionStorage.removeItem(KEY);
  } catch {
    memory = id;
  }
  for (const listener of [...listeners]) listener();
}

export function onActiveOperationChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

/** `operation` added to a request body when this tab works in one. */
export function withOperation<T extends object>(body: T): T & { operation?: string } {
  const id = activeOperationId();
  return id ? { ...body, operation: id } : body;
}
