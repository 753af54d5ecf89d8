/**
 * The rules of an operation: who may start, record in, hand over, resume and close it; every change goes to
 * the store first, then to the feed (live pages). State changes and every refusal are also audit records
 * (kind `operation`), so the audit log answers "who handed this over" without the timeline.
 */
import type { Approval, UserRef } from '../api';
import type { OpsbookConfig } from '../config';
import type { AuditEntry, AuditSink } from '../execution/audit';
import { HttpError } from '../http/errors';
import { canonicalUser, type Identity } from '../identity';
import type { OperationFeed } from './feed';
import type { OperationFilter, OperationStore } from './store';
import type { Operation, OperationDetail, OperationEvent, OperationEventData, OperationRunData, RecordRequest, StartOperationRequest } from './types';

export interface OperationServiceDeps {
  readonly config: OpsbookConfig;
  readonly store: OperationStore;
  readonly feed: OperationFeed;
  readonly audit: AuditSink;
  readonly now: () => Date;
  /** People the server knows by name (demo identities), so a handover shows the recipient's display name. */
  readonly knownUsers?: () => readonly UserRef[];
  readonly log?: (message: string) => void;
}

export type OperationService = ReturnType<typeof createOperationService>;

/** The HTTP code and the audit record's error code of each kind of refusal (409: it changed, or is closed). */
const REFUSALS = {
  400: { http: 'bad_request', audit: 'bad_request' },
  403: { http: 'forbidden', audit: 'forbidden' },
  404: { http: 'not_found', audit: 'not_found' },
  409: { http: 'conflict', audit: 'bad_request' },
} as const;

const ref = (identity: Identity): UserRef => ({ user: identity.user, displayName: identity.displayName });
const isAdmin = (identity: Identity) => identity.roles.includes('admin');

export function createOperationService(deps: OperationServiceDeps) {
  const log = deps.log ?? ((m: string) => console.error(`opsbook: ${m}`));

  const auditEntry = (identity: Identity, operation: string | null, action: string, outcome: 'succeeded' | 'rejected', errorCode: AuditEntry['errorCode'], detail: string): AuditEntry => ({
    kind: 'operation', user: identity.user, roles: [...identity.roles], snippet: null, sha256: null, runbook: null, step: null, env: null,
    params: { action }, approval: null, runId: null, startedAt: null, endedAt: null, status: outcome, rowCount: null, check: null, errorCode,
    detail: detail.slice(0, 500), operation,
  });

  /** Records the refusal, then throws it for the HTTP layer. */
  async function refuse(identity: Identity, operation: string | null, action: string, status: 400 | 403 | 404 | 409, message: string): Promise<never> {
    const code = REFUSALS[status];
    await deps.audit.record(auditEntry(identity, operation, action, 'rejected', code.audit, message));
    throw new HttpError(status, code.http, message);
  }

  async function mayUse(identity: Identity, operation: string | null, action: string): Promise<void> {
    if (identity.roles.length === 0) await refuse(identity, operation, action, 403, 'Operations are for operators, approvers and admins; ask an admin for a role.');
  }

  async function existing(identity: Identity, id: string, action: string): Promise<Operation> {
    const op = await deps.store.get(id);
    return op ?? refuse(identity, id, action, 404, `There is no operation "${id}".`);
  }

  async function append(id: string, actor: UserRef, data: OperationEventData): Promise<OperationEvent | null> {
    const appended = await deps.store.append(id, actor, data, deps.now());
    if (!appended) return null;
    deps.feed.publish({ type: 'operation', operation: appended.operation, event: appended.event });
    return appended.event;
  }

  /** After a state change: the event, published with the changed operation. */
  async function changed(identity: Identity, op: Operation, data: OperationEventData, action: string, detail: string): Promise<Operation> {
    await append(op.id, ref(identity), data);
    await deps.audit.record(auditEntry(identity, op.id, action, 'succeeded', null, detail));
    return (await deps.store.get(op.id))!;
  }

  async function linkable(id: string | undefined): Promise<string | null> {
    if (!id) return null;
    try {
      const op = await deps.store.get(id);
      return op && op.status !== 'closed' ? op.id : null;
    } catch (error) {
      log(`operation ${id} could not be read for a run: ${(error as Error).message}`);
      return null;
    }
  }

  return {
    async start(identity: Identity, req: StartOperationRequest): Promise<Operation> {
      await mayUse(identity, null, 'start');
      if (!Object.hasOwn(deps.config.environments, req.env)) {
        await refuse(identity, null, 'start', 400, `There is no environment "${req.env}". Known: ${Object.keys(deps.config.environments).join(', ')}.`);
      }
      const origin = req.origin ?? (req.runbook ? req.runbook : 'link');
      const params = req.params ?? {};
      const op = await deps.store.create({ title: req.title, severity: req.severity, env: req.env, origin, runbook: req.runbook ?? null, params, by: ref(identity), at: deps.now() });
      return changed(identity, op, { kind: 'started', title: op.title, severity: op.severity, env: op.env, origin, params, ...(req.checks?.length ? { checks: req.checks } : {}) }, 'start', `started operation ${op.id}: ${op.title}`);
    },

    async list(identity: Identity, filter: OperationFilter): Promise<Operation[]> {
      await mayUse(identity, null, 'list');
      return deps.store.list(filter);
    },

    async detail(identity: Identity, id: string, since = 0): Promise<OperationDetail> {
      await mayUse(identity, id, 'read');
      const operation = await existing(identity, id, 'read');
      return { operation, events: await deps.store.events(id, since) };
    },

    /** A note, a ticked step, a runbook opened from it: anyone with a role, while it is not closed. */
    async record(identity: Identity, id: string, req: RecordRequest): Promise<OperationEvent> {
      await mayUse(identity, id, req.kind);
      const op = await existing(identity, id, req.kind);
      if (op.status === 'closed') await refuse(identity, id, req.kind, 409, `Operation "${op.title}" is closed; nothing more can be recorded in it.`);
      const event = (await append(id, ref(identity), req))!;
      // Each note, tick and runbook opened is its own audit record too: the audit log answers "who wrote
      // that, when, in which operation and step" even for someone who never opens the timeline.
      await deps.audit.record(recordedEntry(identity, id, req));
      return event;
    },

    async join(identity: Identity, id: string): Promise<Operation> {
      await mayUse(identity, id, 'join');
      const op = await existing(identity, id, 'join');
      if (op.status === 'closed') await refuse(identity, id, 'join', 409, `Operation "${op.title}" is closed.`);
      if (op.participants.some((u) => u.user === identity.user)) return op;
      return changed(identity, op, { kind: 'joined' }, 'join', `joined operation ${id}`);
    },

    /** The owner (or an admin) passes it to someone else with a note; it waits as handed-over until they resume. */
    async handover(identity: Identity, id: string, to: string, note: string): Promise<Operation> {
      await mayUse(identity, id, 'handover');
      const op = await existing(identity, id, 'handover');
      const target = canonicalUser(to);
      if (op.owner.user !== identity.user && !isAdmin(identity)) {
        await refuse(identity, id, 'handover', 403, `Only the owner (${op.owner.displayName}) or an admin can hand this operation over.`);
      }
      if (op.status === 'closed') await refuse(identity, id, 'handover', 409, `Operation "${op.title}" is closed.`);
      if (!target || target === op.owner.user) await refuse(identity, id, 'handover', 400, 'Hand it over to someone other than its current owner.');
      const known = deps.knownUsers?.().find((u) => u.user === target);
      const recipient: UserRef = known ?? { user: target, displayName: to.trim() };
      const updated = await deps.store.change(id, { status: 'handed-over', owner: recipient, fromStatus: ['open', 'handed-over'], fromOwner: op.owner.user, at: deps.now() });
      if (!updated) return refuse(identity, id, 'handover', 409, 'Someone changed this operation at the same moment; reload it and try again.');
      return changed(identity, updated, { kind: 'handover', from: op.owner, to: recipient, note }, 'handover', `handed operation ${id} over to ${recipient.user}`);
    },

    /** The recipient of a handover (or an admin) takes it up: open again, owned by them. */
    async resume(identity: Identity, id: string, note: string): Promise<Operation> {
      await mayUse(identity, id, 'resume');
      const op = await existing(identity, id, 'resume');
      if (op.status !== 'handed-over') await refuse(identity, id, 'resume', 409, op.status === 'closed' ? `Operation "${op.title}" is closed.` : `Operation "${op.title}" is already open; nothing to resume.`);
      if (op.owner.user !== identity.user && !isAdmin(identity)) {
        await refuse(identity, id, 'resume', 403, `It was handed over to ${op.owner.displayName}; only they (or an admin) can resume it.`);
      }
      const owner = isAdmin(identity) ? ref(identity) : op.owner;
      const updated = await deps.store.change(id, { status: 'open', owner, fromStatus: ['handed-over'], fromOwner: op.owner.user, at: deps.now() });
      if (!updated) return refuse(identity, id, 'resume', 409, 'Someone changed this operation at the same moment; reload it and try again.');
      return changed(identity, updated, { kind: 'resumed', note }, 'resume', `resumed operation ${id}`);
    },

    async close(identity: Identity, id: string, note: string): Promise<Operation> {
      await mayUse(identity, id, 'close');
      const op = await existing(identity, id, 'close');
      if (op.owner.user !== identity.user && !isAdmin(identity)) {
        await refuse(identity, id, 'close', 403, `Only the owner (${op.owner.displayName}) or an admin can close this operation.`);
      }
      const updated = await deps.store.change(id, { status: 'closed', fromStatus: ['open', 'handed-over'], at: deps.now() });
      if (!updated) return refuse(identity, id, 'close', 409, `Operation "${op.title}" is already closed.`);
      return changed(identity, updated, { kind: 'closed', note }, 'close', `closed operation ${id}`);
    },

    /** The operation an approval was asked in, if any (for its decision's audit record). Never throws. */
    async operationOfApproval(approvalId: string): Promise<string | null> {
      try {
        return await deps.store.operationOfApproval(approvalId);
      } catch (error) {
        log(`operation of approval ${approvalId} could not be read: ${(error as Error).message}`);
        return null;
      }
    },

    /** For the runner: the operation a run names, if it exists and is not closed (else the run is not linked). */
    linkable,

    /** The runner's record of a run that ended (or was refused), written whatever the page does. Never throws. */
    async recordRun(id: string, identity: Identity, run: OperationRunData): Promise<void> {
      try {
        await append(id, ref(identity), { kind: 'run', run });
      } catch (error) {
        log(`OPERATION RECORD FAILED: run ${run.runId ?? run.clientId} of operation ${id}: ${(error as Error).message}`);
      }
    },

    /**
     * A page sent (or its delivery settled) from inside an operation. False when the operation does not exist
     * or is closed: the page is then not part of any operation. Never throws.
     */
    async recordPage(id: string, actor: UserRef, page: Extract<OperationEventData, { kind: 'page' }>): Promise<boolean> {
      if (!(await linkable(id))) return false;
      try {
        return (await append(id, actor, page)) !== null;
      } catch (error) {
        log(`OPERATION RECORD FAILED: page of ${page.target} in operation ${id}: ${(error as Error).message}`);
        return false;
      }
    },

    /** An approval requested from inside an operation: linked, so its decision lands in the same timeline. */
    async approvalRequested(identity: Identity, id: string, approval: Approval): Promise<void> {
      if (!(await linkable(id))) return;
      try {
        await deps.store.linkApproval(approval.id, id);
        await append(id, ref(identity), approvalEvent(approval, 'requested'));
      } catch (error) {
        log(`OPERATION RECORD FAILED: approval ${approval.id} of operation ${id}: ${(error as Error).message}`);
      }
    },

    /** Any later event of an approval (decided, used, expired…): recorded in its operation, if it has one. */
    async approvalChanged(approval: Approval, event: string): Promise<void> {
      if (event === 'requested') return; // recorded by approvalRequested, which knows the operation
      try {
        const id = await deps.store.operationOfApproval(approval.id);
        if (!id) return;
        const actor = approval.decidedBy && (event === 'approved' || event === 'rejected') ? approval.decidedBy : approval.requestedBy;
        await append(id, actor, approvalEvent(approval, event));
      } catch (error) {
        log(`OPERATION RECORD FAILED: approval ${approval.id} (${event}): ${(error as Error).message}`);
      }
    },
  };
}

/** The audit record of something typed or ticked in an operation (kind `operation`, action note / step / link). */
function recordedEntry(identity: Identity, operation: string, req: RecordRequest): AuditEntry {
  const runbook = req.kind === 'note' ? (req.runbook ?? null) : req.runbook;
  const detail =
    req.kind === 'note' ? `note: ${req.text}` : req.kind === 'step' ? `${req.done ? 'ticked' : 'unticked'} step ${req.step}${req.title ? ` (${req.title})` : ''}` : `opened runbook ${req.runbook} (${req.path})`;
  return {
    kind: 'operation', user: identity.user, roles: [...identity.roles], snippet: null, sha256: null, runbook, step: req.kind === 'step' ? req.step : null, env: null,
    params: { action: req.kind, ...(req.kind === 'step' ? { done: req.done } : {}) }, approval: null, runId: null, startedAt: null, endedAt: null,
    status: 'succeeded', rowCount: null, check: null, errorCode: null, detail: detail.slice(0, 500), operation,
  };
}

const APPROVAL_EVENTS = ['requested', 'approved', 'rejected', 'used', 'expired', 'escalated'] as const;

function approvalEvent(a: Approval, event: string): OperationEventData {
  const known = (APPROVAL_EVENTS as readonly string[]).includes(event) ? (event as (typeof APPROVAL_EVENTS)[number]) : 'requested';
  return {
    kind: 'approval',
    event: known,
    approval: {
      id: a.id, snippet: a.snippet, sha256: a.sha256, env: a.env, approverRole: a.approverRole, ...(a.deciders ? { approverLabel: a.deciders.label } : {}), requestedBy: a.requestedBy.user,
      decidedBy: a.decidedBy?.user ?? null, comment: a.comment, reason: a.reason, params: a.params,
    },
  };
}
