import { describe, expect, it } from 'vitest';
import type { Approval } from '@site/server/api';
import { approval } from './__fixtures__/approval';
import { ApprovalsStore, countDecidable, decidableBy, effectiveStatus, inboxOrder, queriesFor, type ApprovalSource, type Viewer } from './approvals';
import type { ApprovalListener, ConnectionState } from './runClient';

const operator: Viewer = { user: 'dana', roles: ['service-team'] };
const approver: Viewer = { user: 'alex', roles: ['approver'] };

/** A socket stand-in: tests push approvals and flip the connection state. */
function fakeSource() {
  const approvalListeners = new Set<ApprovalListener>();
  const stateListeners = new Set<(s: ConnectionState) => void>();
  const source: ApprovalSource = {
    onApproval: (l) => (approvalListeners.add(l), { dispose: () => void approvalListeners.delete(l) }),
    onConnectionChange: (l) => (stateListeners.add(l), { dispose: () => void stateListeners.delete(l) }),
  };
  return {
    source,
    push: (a: Approval) => approvalListeners.forEach((l) => l(a)),
    state: (s: ConnectionState) => stateListeners.forEach((l) => l(s)),
    listeners: () => approvalListeners.size + stateListeners.size,
  };
}

/** An API stand-in: answers each path from a table that tests change between fetches. */
function fakeApi(lists: Record<string, readonly Approval[]>) {
  const calls: string[] = [];
  return {
    calls,
    lists,
    api: {
      get: async <T,>(path: string): Promise<T> => {
        calls.push(path);
        const list = lists[path];
        if (!list) throw new Error(`unexpected ${path}`);
        return { approvals: list } as T;
      },
    },
  };
}

const settle = (ms = 0) => new Promise((r) => setTimeout(r, ms));

function setup(viewer: Viewer, lists: Record<string, readonly Approval[]>) {
  const socket = fakeSource();
  const server = fakeApi(lists);
  const store = new ApprovalsStore({ api: server.api, source: () => socket.source, refetchDelayMs: 5 });
  let notified = 0;
  const unsubscribe = store.subscribe(() => (notified += 1));
  store.setViewer(viewer);
  return { socket, server, store, unsubscribe, notified: () => notified };
}

describe('ApprovalsStore', () => {
  it('reads only its own requests for an operator, everything recent for an approver', () => {
    expect(queriesFor(operator)).toEqual(['/api/approvals?mine=1']);
    expect(queriesFor(approver)).toEqual(['/api/approvals?status=pending', '/api/approvals', '/api/approvals?mine=1']);
  });

  it('gives the inbox to a member of an approver role who does not hold the approver role, as the server reports it', () => {
    const financeLead: Viewer = { user: 'fay.finance', roles: [], groups: ['finance-leads'], approverRoles: ['finance-lead'] };
    expect(queriesFor(financeLead)).toEqual(['/api/approvals?status=pending', '/api/approvals', '/api/approvals?mine=1']);
    // Groups alone decide nothing on the page: membership is the server's answer.
    expect(queriesFor({ user: 'dana.operator', roles: ['service-team'], groups: ['finance-leads'], approverRoles: [] })).toEqual(['/api/approvals?mine=1']);
  });

  it('loads when it learns who is signed in, newest request first', async () => {
    const older = approval({ id: 'a1', requestedAt: '2026-11-23T08:00:00.000Z' });
    const newer = approval({ id: 'a2', requestedAt: '2026-11-23T09:00:00.000Z' });
    const { store, server } = setup(operator, { '/api/approvals?mine=1': [older, newer] });
    expect(store.getSnapshot().status).toBe('loading');
    await settle();
    expect(server.calls).toEqual(['/api/approvals?mine=1']);
    expect(store.getSnapshot()).toMatchObject({ status: 'ready', error: null });
    expect(store.getSnapshot().approvals.map((a) => a.id)).toEqual(['a2', 'a1']);
  });

  it('applies an approval push at once, then refetches', async () => {
    const pending = approval({ id: 'a1' });
    const { store, server, socket } = setup(operator, { '/api/approvals?mine=1': [pending] });
    await settle();
    const decided = approval({ id: 'a1', status: 'approved', decidedBy: { user: 'alex', displayName: 'Alex' }, comment: 'go' });
    server.lists['/api/approvals?mine=1'] = [decided];
    socket.push(decided);
    expect(store.getSnapshot().approvals[0]).toMatchObject({ id: 'a1', status: 'approved', comment: 'go' });
    expect(server.calls).toHaveLength(1);
    await settle(30);
    expect(server.calls).toEqual(['/api/approvals?mine=1', '/api/approvals?mine=1']);
  });

  it('coalesces a burst of pushes into one refetch', async () => {
    const { server, socket } = setup(approver, { '/api/approvals?status=pending': [], '/api/approvals': [], '/api/approvals?mine=1': [] });
    await settle();
    server.calls.length = 0;
    for (let i = 0; i < 5; i += 1) socket.push(approval({ id: `a${i}` }));
    await settle(30);
    expect(server.calls).toHaveLength(3); // one refresh = the approver's three lists
  });

  it('never lets a stale fetched copy undo a pushed decision', async () => {
    const pending = approval({ id: 'a1' });
    const { store, socket } = setup(operator, { '/api/approvals?mine=1': [pending] });
    await settle();
    // The server answers the refetch from a replica that has not seen the decision yet.
    socket.push(approval({ id: 'a1', status: 'rejected', decidedBy: { user: 'alex', displayName: 'Alex' }, comment: 'no' }));
    await settle(30);
    expect(store.getSnapshot().approvals[0]).toMatchObject({ status: 'rejected', comment: 'no' });
  });

  it('refetches when the socket reopens after a drop, not on the first open', async () => {
    const { socket, server } = setup(operator, { '/api/approvals?mine=1': [] });
    await settle();
    socket.state('open');
    await settle();
    expect(server.calls).toHaveLength(1);
    socket.state('closed');
    socket.state('connecting');
    socket.state('open');
    await settle();
    expect(server.calls).toHaveLength(2);
  });

  it('keeps what it has and reports the error when a refetch fails', async () => {
    const { store, server } = setup(operator, { '/api/approvals?mine=1': [approval()] });
    await settle();
    delete server.lists['/api/approvals?mine=1'];
    await store.refresh();
    expect(store.getSnapshot()).toMatchObject({ status: 'ready', error: 'unexpected /api/approvals?mine=1' });
    expect(store.getSnapshot().approvals).toHaveLength(1);
  });

  it("starts over for another user and drops the previous user's late answers", async () => {
    const { store, server } = setup(operator, { '/api/approvals?mine=1': [approval({ id: 'dana-1' })] });
    server.lists['/api/approvals?status=pending'] = [approval({ id: 'x-1' })];
    server.lists['/api/approvals'] = [];
    store.setViewer(approver); // before the operator's answer arrived
    await settle();
    expect(store.getSnapshot().approvals.map((a) => a.id).sort()).toEqual(['dana-1', 'x-1']); // the approver's lists
    store.setViewer(null);
    expect(store.getSnapshot()).toMatchObject({ status: 'idle', approvals: [] });
  });

  it('stops listening to the socket when the last subscriber leaves', async () => {
    const { socket, unsubscribe } = setup(operator, { '/api/approvals?mine=1': [] });
    expect(socket.listeners()).toBe(2);
    unsubscribe();
    expect(socket.listeners()).toBe(0);
  });
});

describe('derived views', () => {
  const t0 = Date.parse('2026-11-23T09:00:00.000Z');

  it('treats a pending or approved request past its expiry as expired', () => {
    expect(effectiveStatus(approval(), t0 + 59 * 60_000)).toBe('pending');
    expect(effectiveStatus(approval(), t0 + 60 * 60_000)).toBe('expired');
    expect(effectiveStatus(approval({ status: 'approved' }), t0 + 61 * 60_000)).toBe('expired');
    expect(effectiveStatus(approval({ status: 'used' }), t0 + 61 * 60_000)).toBe('used');
  });

  it('lets approvers decide on pending requests of others only', () => {
    const a = approval(); // requested by dana
    expect(decidableBy(a, approver, t0)).toBe(true);
    expect(decidableBy(a, { user: 'dana', roles: ['approver'] }, t0)).toBe(false);
    expect(decidableBy(a, operator, t0)).toBe(false);
    expect(decidableBy(a, { user: 'root', roles: ['admin'] }, t0)).toBe(false);
    expect(decidableBy(approval({ status: 'approved' }), approver, t0)).toBe(false);
    expect(countDecidable([a, approval({ id: 'b', requestedBy: { user: 'alex', displayName: 'A' } }), approval({ id: 'c' })], approver, t0)).toBe(2);
  });

  it('lets only members of the request’s approver role decide, each once, by name or by group', () => {
    const deciders = { role: 'data-engineering-on-call', label: 'Data engineering on-call', users: [{ user: 'oskar', displayName: 'Oskar' }], groups: ['de-oncall'], unconfigured: false };
    const a = approval({ deciders });
    expect(decidableBy(a, { user: 'oskar', roles: ['approver'] }, t0)).toBe(true);
    expect(decidableBy(a, { user: 'pia', roles: [], groups: ['de-oncall'] }, t0)).toBe(true);
    // The generic approver role is not membership.
    expect(decidableBy(a, { user: 'imani', roles: ['approver'], groups: ['managers'] }, t0)).toBe(false);
    const voted = approval({ deciders, required: 2, votes: [{ by: { user: 'oskar', displayName: 'Oskar' }, at: new Date(t0).toISOString(), comment: 'ok' }] });
    expect(decidableBy(voted, { user: 'oskar', roles: ['approver'] }, t0)).toBe(false);
    expect(decidableBy(voted, { user: 'pia', roles: [], groups: ['de-oncall'] }, t0)).toBe(true);
  });

  it('orders the inbox: pending soonest-to-expire first, then latest decisions', () => {
    const soon = approval({ id: 'soon', requestedAt: '2026-11-23T08:30:00.000Z' });
    const later = approval({ id: 'later', requestedAt: '2026-11-23T08:50:00.000Z' });
    const decidedOld = approval({ id: 'd-old', status: 'rejected', decidedAt: '2026-11-23T08:10:00.000Z' });
    const usedNew = approval({ id: 'u-new', status: 'used', decidedAt: '2026-11-23T08:05:00.000Z', usedAt: '2026-11-23T08:40:00.000Z' });
    const { pending, decided } = inboxOrder([later, decidedOld, soon, usedNew], t0);
    expect(pending.map((a) => a.id)).toEqual(['soon', 'later']);
    expect(decided.map((a) => a.id)).toEqual(['u-new', 'd-old']);
  });
});
