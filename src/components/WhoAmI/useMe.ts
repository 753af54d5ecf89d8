/** GET /api/me, fetched once per page load and shared; SSR and hydration see 'loading'. */
import { useEffect, useSyncExternalStore } from 'react';
import type { MeInfo } from '@site/server/protocol';
import { fetchJson, useServerBase } from '@site/src/lib/serverUrl';

export type MeState = { readonly status: 'loading' | 'offline'; readonly me: null } | { readonly status: 'ready'; readonly me: MeInfo };

const initial: MeState = { status: 'loading', me: null };
let state: MeState = initial;
let requested: string | null = null;
const listeners = new Set<() => void>();

function load(base: string): void {
  if (requested === base) return;
  requested = base;
  void fetchJson<MeInfo>(base, '/api/me').then((me) => {
    state = me && typeof me.displayName === 'string' ? { status: 'ready', me } : { status: 'offline', me: null };
    if (state.status === 'offline') requested = null; // a later mount (next page) may try again
    for (const listener of listeners) listener();
  });
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

export function useMe(): MeState {
  const base = useServerBase();
  useEffect(() => load(base), [base]);
  return useSyncExternalStore(
    subscribe,
    () => state,
    () => initial,
  );
}
