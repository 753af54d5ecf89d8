/**
 * useApprovals(): the shared approvals store (approvals.ts) for the page's server, fed by the run
 * socket's pushes. During SSR and hydration every reader sees the idle snapshot; subscribing (browser
 * only) is what opens the socket.
 */
import { useEffect, useMemo, useSyncExternalStore } from 'react';
import { getApi } from './api';
import { ApprovalsStore, IDLE, type ApprovalsState, type Viewer } from './approvals';
import { useMe } from './me';
import { getRunClient } from './runClient';
import { useServerBase, wsUrl } from './serverUrl';

const stores = new Map<string, ApprovalsStore>();

/** The shared store for a server base. Creating it touches nothing browser-only; subscribing does. */
export function getApprovalsStore(base: string): ApprovalsStore {
  let store = stores.get(base);
  if (!store) {
    store = new ApprovalsStore({
      api: getApi(base),
      source: () => (typeof window === 'undefined' ? null : getRunClient(wsUrl(base))),
    });
    stores.set(base, store);
  }
  return store;
}

export interface UseApprovals extends ApprovalsState {
  readonly viewer: Viewer | null;
  readonly store: ApprovalsStore;
}

const noSubscribe = (): (() => void) => () => undefined;
const idleSnapshot = (): ApprovalsState => IDLE;

/**
 * Approvals visible to the signed-in user, live. `enabled` false (a block that needs no approval) reads
 * nothing and opens no socket; hooks cannot be called conditionally, so the switch is an argument.
 */
export function useApprovals(enabled = true): UseApprovals {
  const base = useServerBase();
  const store = useMemo(() => getApprovalsStore(base), [base]);
  const { me } = useMe();
  const viewer = useMemo<Viewer | null>(() => (me ? { user: me.user, roles: me.roles, groups: me.groups ?? [], approverRoles: me.approverRoles ?? [] } : null), [me]);
  useEffect(() => {
    if (enabled) store.setViewer(viewer);
  }, [enabled, store, viewer]);
  const state = useSyncExternalStore(enabled ? store.subscribe : noSubscribe, enabled ? store.getSnapshot : idleSnapshot, idleSnapshot);
  return { ...state, viewer, store };
}
