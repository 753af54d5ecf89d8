/**
 * The approvals the signed-in user may see, as one external store (useSyncExternalStore) per server.
 * It fetches when it learns who is signed in, applies every `approval` push from the run socket at once
 * (the push carries the whole Approval) and then refetches shortly after, so inboxes, the navbar count
 * and a waiting operator's block agree without a reload. A socket that reopens after a drop triggers a
 * refetch too: pushes sent while it was down are lost. The React side (SSR-safe) is useApprovals.ts.
 */
import type { Approval, ApprovalStatus, RoleName } from '@site/server/api';
import type { ApiClient } from './api';
import type { ApprovalListener, ConnectionState, Disposable } from './runClient';

export interface Viewer {
  readonly user: string;
  readonly roles: readonly RoleName[];
  /** The viewer's groups (GET /api/me), for membership of an approval's approver role. */
  readonly groups?: readonly string[];
  /** The approver roles the server says the viewer decides for (GET /api/me `approverRoles`). */
  readonly approverRoles?: readonly string[];
}

export interface ApprovalsState {
  /** idle: nobody is signed in yet (or during SSR). */
  readonly status: 'idle' | 'loading' | 'ready' | 'error';
  /** Newest request first. */
  readonly approvals: readonly Approval[];
  readonly error: string | null;
}

/** What the store listens to: the run socket's pushes and its connection state. */
export interface ApprovalSource {
  onApproval(listener: ApprovalListener): Disposable;
  onConnectionChange(listener: (state: ConnectionState) => void): Disposable;
}

export interface ApprovalsDeps {
  readonly api: Pick<ApiClient, 'get'>;
  /** Called on the first subscription (browser only); null when there is no socket to listen to. */
  readonly source: () => ApprovalSource | null;
  /** Pushes often come in bursts (request, then decision): one refetch after this delay. Default 300 ms. */
  readonly refetchDelayMs?: number;
}

export const IDLE: ApprovalsState = { status: 'idle', approvals: [], error: null };

/** How far an approval has progressed; a fetched copy never undoes a newer pushed one. */
const PROGRESS: Record<ApprovalStatus, number> = { pending: 0, approved: 1, rejected: 1, expired: 1, used: 2 };

function fresher(a: Approval, b: Approval): Approval {
  return PROGRESS[b.status] > PROGRESS[a.status] ? b : a;
}

function byNewest(a: Approval, b: Approval): number {
  return b.requestedAt.localeCompare(a.requestedAt) || b.id.localeCompare(a.id);
}

/**
 * Whether the viewer gets the approvals inbox: the generic approver role, or membership of any approver role
 * (approvals.roles, by name or group) as the server reported it — a finance lead with no Opsbook role decides
 * the finance requests all the same. The server filters what each list holds; this only picks the lists.
 */
export function isApprover(viewer: Viewer | null): boolean {
  return viewer !== null && (viewer.roles.includes('approver') || (viewer.approverRoles ?? []).length > 0);
}

/** The lists a viewer may read: approvers all recent requests (and all pending); everyone their own. */
export function queriesFor(viewer: Viewer): readonly string[] {
  const mine = '/api/approvals?mine=1';
  return isApprover(viewer) ? ['/api/approvals?status=pending', '/api/approvals', mine] : [mine];
}

export class ApprovalsStore {
  private state: ApprovalsState = IDLE;
  private readonly byId = new Map<string, Approval>();
  private readonly listeners = new Set<() => void>();
  private viewer: Viewer | null = null;
  private generation = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private subscriptions: Disposable[] = [];
  private sawOpen = false;

  constructor(private readonly deps: ApprovalsDeps) {}

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.attach();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.detach();
    };
  };

  readonly getSnapshot = (): ApprovalsState => this.state;

  /** Who is signed in; a different user (or roles) starts over. */
  setViewer(viewer: Viewer | null): void {
    const same = viewer && this.viewer && viewer.user === this.viewer.user && viewer.roles.join() === this.viewer.roles.join() && (viewer.approverRoles ?? []).join() === (this.viewer.approverRoles ?? []).join();
    if (same || (viewer === null && this.viewer === null)) return;
    this.viewer = viewer;
    this.byId.clear();
    this.generation += 1; // answers for the previous viewer are dropped
    if (viewer === null) {
      this.setState(IDLE);
      return;
    }
    this.setState({ status: 'loading', approvals: [], error: null });
    void this.refresh();
  }

  /** Fetch every list the viewer may read and merge them. Resolves when done (errors land in the state). */
  async refresh(): Promise<void> {
    clearTimeout(this.timer);
    const viewer = this.viewer;
    if (!viewer) return;
    const generation = ++this.generation;
    try {
      const lists = await Promise.all(queriesFor(viewer).map((path) => this.deps.api.get<{ approvals: readonly Approval[] }>(path)));
      if (generation !== this.generation) return;
      for (const list of lists) for (const approval of list.approvals ?? []) this.merge(approval);
      this.publish('ready', null);
    } catch (error) {
      if (generation !== this.generation) return;
      this.publish(this.byId.size > 0 ? 'ready' : 'error', error instanceof Error ? error.message : String(error));
    }
  }

  /** A newer copy of one approval (a push, or the answer to a request or decision). */
  upsert(approval: Approval): void {
    this.merge(approval);
    this.publish(this.state.status === 'idle' ? 'idle' : 'ready', this.state.error);
  }

  private merge(approval: Approval): void {
    const known = this.byId.get(approval.id);
    this.byId.set(approval.id, known ? fresher(approval, known) : approval);
  }

  private publish(status: ApprovalsState['status'], error: string | null): void {
    this.setState({ status, approvals: [...this.byId.values()].sort(byNewest), error });
  }

  private setState(next: ApprovalsState): void {
    this.state = next;
    for (const listener of [...this.listeners]) listener();
  }

  private scheduleRefresh(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), this.deps.refetchDelayMs ?? 300);
  }

  private attach(): void {
    const source = this.deps.source();
    if (!source) return;
    this.subscriptions = [
      source.onApproval((approval) => {
        if (!this.viewer) return;
        this.upsert(approval);
        this.scheduleRefresh();
      }),
      source.onConnectionChange((connection) => {
        if (connection !== 'open') return;
        if (this.sawOpen && this.viewer) void this.refresh();
        this.sawOpen = true;
      }),
    ];
  }

  private detach(): void {
    clearTimeout(this.timer);
    for (const subscription of this.subscriptions) subscription.dispose();
    this.subscriptions = [];
    this.sawOpen = false;
  }
}

// ---- derived views (pure) -------------------------------------------------------------------------

/** The status as of `now`: a pending or approved request past its expiry is expired, whatever was fetched. */
export function effectiveStatus(approval: Approval, now: number): ApprovalStatus {
  if ((approval.status === 'pending' || approval.status === 'approved') && Date.parse(approval.expiresAt) <= now) return 'expired';
  return approval.status;
}

/**
 * Whether the viewer is a member of the request's approver role, as its deciders say (users by name, groups
 * by the viewer's groups). Without deciders (an older server) the generic approver role stands in.
 */
export function memberOf(approval: Approval, viewer: Viewer): boolean {
  const d = approval.deciders;
  if (!d) return isApprover(viewer);
  return d.users.some((u) => u.user === viewer.user) || d.groups.some((g) => (viewer.groups ?? []).includes(g));
}

/** Whether this member already gave one of the N approvals the request needs. */
export function votedBy(approval: Approval, viewer: Viewer): boolean {
  return (approval.votes ?? []).some((v) => v.by.user === viewer.user);
}

/** A request this viewer may approve or reject now: pending, unexpired, someone else's, and the viewer is a member of its role. */
export function decidableBy(approval: Approval, viewer: Viewer | null, now: number): boolean {
  return viewer !== null && memberOf(approval, viewer) && !votedBy(approval, viewer) && approval.requestedBy.user !== viewer.user && effectiveStatus(approval, now) === 'pending';
}

export function countDecidable(approvals: readonly Approval[], viewer: Viewer | null, now: number): number {
  return approvals.reduce((n, a) => n + (decidableBy(a, viewer, now) ? 1 : 0), 0);
}

/** The inbox order: pending (soonest to expire first), then decided (most recent first). */
export function inboxOrder(approvals: readonly Approval[], now: number): { pending: Approval[]; decided: Approval[] } {
  const pending: Approval[] = [];
  const decided: Approval[] = [];
  for (const a of approvals) (effectiveStatus(a, now) === 'pending' ? pending : decided).push(a);
  pending.sort((a, b) => a.expiresAt.localeCompare(b.expiresAt));
  const last = (a: Approval): string => a.usedAt ?? a.decidedAt ?? a.requestedAt;
  decided.sort((a, b) => last(b).localeCompare(last(a)));
  return { pending, decided };
}
