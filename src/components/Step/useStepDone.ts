/** A step's "done" flag, persisted in localStorage per page + step id; false during SSR. */
import { useCallback, useSyncExternalStore } from 'react';

const PREFIX = 'opsbook:done:';
const listeners = new Set<() => void>();
/** Used when localStorage is unavailable (disabled, private mode): ticks last for this page view. */
const memory = new Map<string, boolean>();

function read(key: string): boolean {
  try {
    return window.localStorage.getItem(PREFIX + key) === '1';
  } catch {
    return memory.get(key) ?? false;
  }
}

function write(key: string, done: boolean): void {
  try {
    if (done) window.localStorage.setItem(PREFIX + key, '1');
    else window.localStorage.removeItem(PREFIX + key);
  } catch {
    memory.set(key, done);
  }
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  // Another tab on the same runbook ticks along.
  const onStorage = (event: StorageEvent): void => {
    if (event.key === null || event.key.startsWith(PREFIX)) listener();
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

export function useStepDone(key: string): readonly [boolean, (done: boolean) => void] {
  const done = useSyncExternalStore(
    subscribe,
    () => read(key),
    () => false,
  );
  const setDone = useCallback((value: boolean) => write(key, value), [key]);
  return [done, setDone] as const;
}
