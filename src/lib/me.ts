/**
 * Who is signed in (GET /api/me), fetched once per page load and shared by the navbar, the approvals
 * inbox, the audit page and the runnable blocks. SSR and hydration see 'loading'. The same request sets
 * the CSRF cookie that every POST needs.
 */
import { useEffect, useSyncExternalStore } from 'react';
import type { MeResponse, RoleName } from '@site/server/api';
import { ApiError, getApi, type ApiClient } from './api';
import { useServerBase } from './serverUrl';

export type MeState =
  | { readonly status: 'loading'; readonly me: null; readonly error: null }
  /** The server did not answer, or said who you are not (401): `error` says which. */
  | { readonly status: 'offline' | 'signed-out'; readonly me: null; readonly error: string }
  | { readonly status: 'ready'; readonly me: MeResponse; readonly error: null };

const initial: MeState = { status: 'loading', me: null, error: null };
let state: MeState = initial;
let requested: string | null = null;
const listeners = new Set<() => void>();

function setState(next: MeState): void {
  state = next;
  for (const listener of listeners) listener();
}

function load(base: string): void {
  if (requested === base) return;
  requested = base;
  getApi(base)
    .get<MeResponse>('/api/me')
    .then((me) => {
      if (me && typeof me.user === 'string' && Array.isArray(me.roles)) setState({ status: 'ready', me, error: null });
      else throw new ApiError('The server answered /api/me with something unexpected.', 200, 'bad_response');
    })
    .catch((error: unknown) => {
      requested = null; // a later mount (next page) may try again
      const signedOut = error instanceof ApiError && error.status === 401;
      setState({ status: signedOut ? 'signed-out' : 'offline', me: null, error: error instanceof Error ? error.message : String(error) });
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

export function hasRole(me: Pick<MeResponse, 'roles'> | null, role: RoleName): boolean {
  return me !== null && me.roles.includes(role);
}

/** Approvers decide on escalation requests (never their own: the server checks that too). */
export function canApprove(me: Pick<MeResponse, 'roles'> | null): boolean {
  return hasRole(me, 'approver');
}

/** Admins and approvers read the audit log. */
export function canReadAudit(me: Pick<MeResponse, 'roles'> | null): boolean {
  return hasRole(me, 'admin') || hasRole(me, 'approver');
}

/** Demo mode: become another demo identity (a cookie the server sets). Reload the page afterwards. */
export async function switchDemoUser(api: ApiClient, user: string): Promise<void> {
  await api.post<unknown>('/api/session/demo-user', { user });
}
