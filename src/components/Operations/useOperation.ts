/**
 * React side of operations (issue 12): the tab's active operation, and one operation kept live — loaded
 * once, then every pushed event appended in order; after a reconnect (or a gap in the numbers) the events
 * missed are fetched, so a page that lost its socket loses nothing.
 */
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { Operation, OperationDetail, OperationEvent } from '@site/server/operations/types';
import { activeOperationId, onActiveOperationChange } from '@site/src/lib/activeOperation';
import { useApi } from '@site/src/lib/useApi';
import { getRunClient } from '@site/src/lib/runClient';
import { useServerBase, wsUrl } from '@site/src/lib/serverUrl';
import { followsOn, mergeEvents } from './mergeEvents';

export function useActiveOperationId(): string | null {
  return useSyncExternalStore(onActiveOperationChange, activeOperationId, () => null);
}

export type LiveOperation =
  | { readonly state: 'loading' }
  | { readonly state: 'failed'; readonly message: string }
  | { readonly state: 'ready'; readonly operation: Operation; readonly events: readonly OperationEvent[] };

export function useLiveOperation(id: string | null): { readonly live: LiveOperation; readonly reload: () => void; readonly apply: (operation: Operation) => void } {
  const api = useApi();
  const base = useServerBase();
  const [live, setLive] = useState<LiveOperation>({ state: 'loading' });
  const latest = useRef<LiveOperation>(live);
  latest.current = live;

  const catchUp = useCallback(async () => {
    if (!id) return;
    const now = latest.current;
    const since = now.state === 'ready' ? (now.events.at(-1)?.seq ?? 0) : 0;
    try {
      const d = await api.get<OperationDetail>(`/api/operations/${encodeURIComponent(id)}${since ? `?since=${since}` : ''}`);
      setLive((prev) => ({ state: 'ready', operation: d.operation, events: prev.state === 'ready' && since ? mergeEvents(prev.events, d.events) : d.events }));
    } catch (error) {
      if (latest.current.state !== 'ready') setLive({ state: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
  }, [api, id]);

  useEffect(() => {
    setLive({ state: 'loading' });
    latest.current = { state: 'loading' };
    if (!id) return;
    void catchUp();
    const client = getRunClient(wsUrl(base));
    const pushes = client.onOperation((push) => {
      if (push.operation.id !== id) return;
      const now = latest.current;
      // A gap means a push was missed (a reconnect): fetch what is missing instead of guessing.
      if (now.state !== 'ready' || !followsOn(now.events, push.event)) return void catchUp();
      setLive({ state: 'ready', operation: push.operation, events: mergeEvents(now.events, [push.event]) });
    });
    const reconnects = client.onConnectionChange((state) => {
      if (state === 'open') void catchUp();
    });
    return () => {
      pushes.dispose();
      reconnects.dispose();
    };
  }, [base, id, catchUp]);

  const apply = useCallback((operation: Operation) => {
    setLive((prev) => (prev.state === 'ready' ? { ...prev, operation } : prev));
    void catchUp();
  }, [catchUp]);
  return { live, reload: () => void catchUp(), apply };
}
