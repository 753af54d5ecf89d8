/**
 * The escalation flow of one block: request an approval, wait for the decision (it arrives by push),
 * run once with it. The server decides; this hook only mirrors its rules so the page never offers a Run
 * the server would refuse (DESIGN.md §7).
 */
import { withOperation } from '@site/src/lib/activeOperation';
import { useCallback, useMemo, useState } from 'react';
import type { Approval, ApprovalRequest } from '@site/server/api';
import type { ParamSpec } from '@site/plugins/remark-runbook/types';
import { useApi } from '@site/src/lib/useApi';
import { useMe } from '@site/src/lib/me';
import { useApprovals } from '@site/src/lib/useApprovals';
import { useNow } from '@site/src/lib/useNow';
import {
  approvalMismatches,
  blockApprovalState,
  pickBlockApproval,
  type BlockApprovalState,
  type Mismatch,
  type RunIntent,
} from './approvalMatch';

export interface Escalation {
  /** `loading` until the user's approvals are known: no request form yet, so none is sent twice. */
  readonly state: BlockApprovalState | 'loading';
  /** Why the approvals could not be read (the form still works: the server decides). */
  readonly loadError: string | null;
  readonly approval: Approval | null;
  /** How the shown approval differs from what would run now (empty: it matches). */
  readonly mismatches: readonly Mismatch[];
  /** The approval id Run may send, or null when Run must stay disabled. */
  readonly usableApproval: string | null;
  readonly requesting: boolean;
  readonly requestError: string | null;
  /** Whether a signed-in user is known (requests need one). */
  readonly signedIn: boolean;
  readonly now: number;
  request(intent: RunIntent, reason: string): Promise<boolean>;
  /**
   * The page sent a run with this approval (spent: true) — no second Run with it, even before the server
   * says `used`; or the server refused that run before it started (spent: false), so it may still be good.
   */
  setSpent(id: string, spent: boolean): void;
  /** Ask the server again (after a run used the approval). */
  refresh(): void;
}

export function useEscalation(enabled: boolean, keys: readonly string[], intent: RunIntent | null, params: readonly ParamSpec[]): Escalation {
  const api = useApi();
  const { approvals, viewer, store, status, error } = useApprovals(enabled);
  const me = useMe();
  // Only escalation blocks tick: a page of service-team blocks must not re-render every 15 s.
  const now = useNow(15_000, enabled);
  const [requestedHere, setRequestedHere] = useState<ReadonlySet<string>>(() => new Set());
  const [spent, setSpent] = useState<ReadonlySet<string>>(() => new Set());
  const [requesting, setRequesting] = useState(false);
  const [requestError, setRequestError] = useState<string | null>(null);

  const approval = useMemo(
    () => (enabled && viewer ? pickBlockApproval(approvals, { keys, user: viewer.user, now, requestedHere }) : null),
    [enabled, viewer, approvals, keys, now, requestedHere],
  );
  // Signed out or offline: nothing will load; show the form, whose button says why it cannot send.
  const known = status === 'ready' || status === 'error' || (me.status !== 'loading' && me.status !== 'ready');
  const state = known ? blockApprovalState(approval, now, spent) : 'loading';
  const mismatches = useMemo(() => (approval && intent ? approvalMismatches(approval, intent, params) : []), [approval, intent, params]);
  const usableApproval = approval && state === 'approved' && intent && mismatches.length === 0 ? approval.id : null;

  const request = useCallback(
    async (target: RunIntent, reason: string): Promise<boolean> => {
      setRequesting(true);
      setRequestError(null);
      try {
        const body: ApprovalRequest = { snippet: target.snippet, sha256: target.sha256, env: target.env, params: target.params, reason };
        const created = await api.post<Approval>('/api/approvals', withOperation(body));
        setRequestedHere((s) => new Set(s).add(created.id));
        store.upsert(created);
        return true;
      } catch (error) {
        setRequestError(error instanceof Error ? error.message : String(error));
        return false;
      } finally {
        setRequesting(false);
      }
    },
    [api, store],
  );

  const markSpent = useCallback(
    (id: string, value: boolean) =>
      setSpent((s) => {
        const next = new Set(s);
        if (value) next.add(id);
        else next.delete(id);
        return next;
      }),
    [],
  );
  const refresh = useCallback(() => void store.refresh(), [store]);

  return { state, loadError: status === 'error' ? error : null, approval, mismatches, usableApproval, requesting, requestError, signedIn: viewer !== null, now, request, setSpent: markSpent, refresh };
}
