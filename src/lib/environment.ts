/**
 * The selected environment: a tiny external store read with useSyncExternalStore. The list comes once
 * from GET /api/environments; the choice persists in localStorage. During SSR and hydration every
 * reader sees the initial 'loading' snapshot, so server and client markup agree.
 */
import { useEffect, useSyncExternalStore } from 'react';
import type { EnvironmentInfo } from '@site/server/protocol';
import { fetchJson, useServerBase } from './serverUrl';

export type EnvironmentStatus = 'loading' | 'ready' | 'offline';

export interface EnvironmentState {
  readonly status: EnvironmentStatus;
  readonly environments: readonly EnvironmentInfo[];
  /** The chosen environment's name, or null until the list has loaded. */
  readonly selected: string | null;
}

interface EnvironmentsResponse {
  readonly environments: readonly EnvironmentInfo[];
  readonly default: string;
}

const STORAGE_KEY = 'opsbook:environment';
/** Retry delays while the server is unreachable; the last one repeats. */
const RETRY_MS = [5_000, 15_000, 30_000, 60_000];

const initial: EnvironmentState = { status: 'loading', environments: [], selected: null };
let state: EnvironmentState = initial;
const listeners = new Set<() => void>();
let loadingFrom: string | null = null;
let retries = 0;
let retryTimer: ReturnType<typeof setTimeout> | undefined;

function setState(next: EnvironmentState): void {
  state = next;
  for (const listener of listeners) listener();
}

function readStored(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled (private mode, policy): the choice just does not persist
  }
}

function writeStored(name: string): void {
  try {
    window.localStorage.setItem(STORAGE_KEY, name);
  } catch {
    /* see readStored */
  }
}

async function load(base: string): Promise<void> {
  clearTimeout(retryTimer);
  const body = await fetchJson<EnvironmentsResponse>(base, '/api/environments');
  if (!body || !Array.isArray(body.environments)) {
    setState({ ...state, status: state.environments.length > 0 ? 'ready' : 'offline' });
    const delay = RETRY_MS[Math.min(retries, RETRY_MS.length - 1)] ?? 60_000;
    retries += 1;
    retryTimer = setTimeout(() => void load(base), delay);
    return;
  }
  retries = 0;
  const names = new Set(body.environments.map((e) => e.name));
  const stored = readStored();
  const selected =
    state.selected !== null && names.has(state.selected)
      ? state.selected
      : stored !== null && names.has(stored)
        ? stored
        : names.has(body.default)
          ? body.default
          : (body.environments[0]?.name ?? null);
  setState({ status: 'ready', environments: body.environments, selected });
}

/** Fetch the list once per page load (again only while the server is unreachable). */
export function ensureEnvironments(base: string): void {
  if (typeof window === 'undefined' || loadingFrom === base) return;
  loadingFrom = base;
  void load(base);
}

/** Retry now (e.g. the "server offline" hint was clicked). */
export function reloadEnvironments(base: string): void {
  loadingFrom = base;
  retries = 0;
  void load(base);
}

export function selectEnvironment(name: string): void {
  if (!state.environments.some((e) => e.name === name)) return;
  writeStored(name);
  setState({ ...state, selected: name });
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  const onStorage = (event: StorageEvent): void => {
    // Another tab chose an environment: follow it, so two tabs never silently disagree.
    if (event.key === STORAGE_KEY && event.newValue && event.newValue !== state.selected) {
      selectEnvironment(event.newValue);
    }
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', onStorage);
  };
}

const getSnapshot = (): EnvironmentState => state;
const getServerSnapshot = (): EnvironmentState => initial;

/** The environment store; starts the one fetch on first use in the browser. */
export function useEnvironments(): EnvironmentState {
  const base = useServerBase();
  useEffect(() => ensureEnvironments(base), [base]);
  return useSyncExternalStore(subscribe, getSnapshot, getServerSnapshot);
}

/** The selected environment's description, or null while loading / offline. */
export function useSelectedEnvironment(): EnvironmentInfo | null {
  const { environments, selected } = useEnvironments();
  return environments.find((e) => e.name === selected) ?? null;
}
