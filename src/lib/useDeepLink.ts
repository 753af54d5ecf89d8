/**
 * The page's deep link (see deepLink.ts) as React reads it, and a page-wide list of the parameters the
 * page's blocks declare, so one notice can say which of the link's values were used and which were not.
 */
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { useLocation } from '@docusaurus/router';
import type { ParamSpec } from '@site/plugins/remark-runbook/types';
import { EMPTY_LINK, parseDeepLink, type DeepLink } from './deepLink';

/**
 * The link of the current location. Empty during SSR and the first (hydrating) render: the static HTML
 * was built without a query string, and the markup must match it before the link changes anything.
 */
export function useDeepLink(): DeepLink {
  const { search, hash } = useLocation();
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  return useMemo(() => (mounted ? parseDeepLink(search, hash) : EMPTY_LINK), [mounted, search, hash]);
}

const blocks = new Map<symbol, readonly ParamSpec[]>();
let snapshot: readonly (readonly ParamSpec[])[] = [];
const listeners = new Set<() => void>();

function changed(): void {
  snapshot = [...blocks.values()];
  for (const l of listeners) l();
}

/** A block says which parameters it takes while it is on the page. */
export function useRegisterLinkParams(params: readonly ParamSpec[]): void {
  useEffect(() => {
    const token = Symbol('block');
    blocks.set(token, params);
    changed();
    return () => {
      blocks.delete(token);
      changed();
    };
  }, [params]);
}

const EMPTY: readonly (readonly ParamSpec[])[] = [];

/** The parameters of every block on the page (one list per block). */
export function usePageParams(): readonly (readonly ParamSpec[])[] {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => snapshot,
    () => EMPTY,
  );
}
