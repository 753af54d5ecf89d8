/**
 * Approvals (DESIGN.md §7): an operator asks, an approver other than the operator decides, and the
 * operator runs once. An approval binds the snippet key, its sha256, the environment and the resolved
 * parameters; it is single-use and expires. The store makes decisions and use atomic.
 */
import { randomUUID } from 'node:crypto';
import type { Approval, ApprovalPreview, ApprovalRequest, DecisionRequest } from '../api';
import type { StateStore } from '../audit/types';
import type { OpsbookConfig } from '../config';
import type { ConnectorRegistry } from '../connectors/registry';
import type { Identity } from '../identity';
import type { ManifestStore } from './manifestStore';
import type { AuditEntry, AuditSink } from './audit';
import { bindParams, type BindResult } from './bindParams';
import { decide } from './policy';
import type { AirflowConnections } from '../connectors/airflow/connections';
import { previewAirflowSnippet } from '../connectors/airflow/execute/approvalPreview';
import { unsupportedOnApi } from '../connectors/airflow/execute/unsupported';
import { isMember } from '../approvers/membership';
import type { ApprovalRouting } from '../approvers/routing';
import { systemApprovalPreview } from '../connectors/systems/approvalPreview';

export class ApprovalError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ApprovalDeps {
  readonly config: OpsbookConfig;
  readonly manifest: ManifestStore;
  readonly store: StateStore;
  readonly connectors: ConnectorRegistry;
  readonly audit: AuditSink;
  readonly now: () => Date;
  /** Airflow clients, for the dry-run preview of an escalated Airflow write. */
  readonly airflow?: () => AirflowConnections;
  /**
   * Who decides, how many must approve, escalation and expiry (server/approvers). Absent in tests that build
   * the service alone: then a request needs one decision by any member of its role.
   */
  readonly routing?: Pick<ApprovalRouting, 'enrich' | 'requested' | 'vote' | 'deciders'>;
  /**
   * The operations approvals are asked in (issue 12), so their audit records name the operation and the audit
   * page links them to it. Absent when the server keeps no operations.
   */
  readonly operations?: { linkable(id: string): Promise<string | null>; operationOfApproval(approvalId: string): Promise<string | null> } | null;
  /** Called with every new or decided approval: pushes to sockets and notifies webhooks. */
  readonly published: (approval: Approval, event: 'requested' | 'voted' | 'approved' | 'rejected' | 'used') => void;
}

/** Parameters compare by value, in a fixed key order. */
export function sameParams(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean {
  const canon = (o: Readonly<Record<string, unknown>>) => JSON.stringify(Object.keys(o).sort().map((k) => [k, o[k]]));
  return canon(a) === canon(b);
}

export function createApprovalService(deps: ApprovalDeps) {
  const enrich = (a: Approval): Promise<Approval> => (deps.routing ? deps.routing.enrich(a) : Promise.resolve(a));
  const recent = new Map<string, number[]>();
  const rateLimited = (user: string, now: number): boolean => {
    const windowStart = now - 60_000;
    const times = (recent.get(user) ?? []).filter((t) => t > windowStart);
    const limited = times.length >= deps.config.approvals.requestsPerMinute;
    if (!limited) times.push(now);
    recent.set(user, times);
    return limited;
  };

  async function preview(env: string, target: string, text: string, mode: 'read' | 'write', binds: BindResult): Promise<ApprovalPreview> {
    if (!binds.ok) return { kind: 'none', note: 'No preview: parameters were invalid.' };
    try {
      const connector = await deps.connectors.get(env, target);
      if (!connector.preview) return { kind: 'none', note: `The ${connector.kind} connector cannot preview statements.` };
      const p = await connector.preview({ text, binds: binds.binds, mode, timeoutMs: 15_000 });
      return { kind: 'sql', plan: p.plan, affectedRows: p.affectedRows, note: p.note };
    } catch (error) {
      return { kind: 'none', note: `No preview: ${(error as Error).message}` };
    }
  }

  async function airflowPreview(env: string, target: string, text: string, binds: BindResult): Promise<ApprovalPreview> {
    if (!binds.ok) return { kind: 'none', note: 'No preview: parameters were invalid.' };
    try {
      const connections = deps.airflow?.();
      if (!connections) return { kind: 'none', note: 'No preview: this server has no Airflow connections.' };
      return await previewAirflowSnippet(connections.get(env, target).client, text, binds.binds, AbortSignal.timeout(15_000));
    } catch (error) {
      return { kind: 'none', note: `No preview: ${(error as Error).message}` };
    }
  }

  /** Every refused request or decision is a record (DESIGN.md §7a), written before the refusal is answered. */
  async function refused<T>(work: () => Promise<T>, entry: (e: ApprovalError) => AuditEntry): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ApprovalError) await deps.audit.record(entry(error));
      throw error;
    }
  }

  /** `{operation}` for an audit record when the request names an open operation; an unknown id links nothing. */
  async function operationNamed(id: string | undefined): Promise<{ operation?: string }> {
    if (!id || !deps.operations) return {};
    const found = await deps.operations.linkable(id).catch(() => null);
    return found ? { operation: found } : {};
  }

  async function operationOfApproval(approvalId: string): Promise<{ operation?: string }> {
    const found = deps.operations ? await deps.operations.operationOfApproval(approvalId).catch(() => null) : null;
    return found ? { operation: found } : {};
  }

  async function request(identity: Identity, req: ApprovalRequest, inOperation?: string): Promise<Approval> {
    const now = deps.now();
    if (rateLimited(identity.user, now.getTime())) {
      throw new ApprovalError(429, 'rate_limited', `At most ${deps.config.approvals.requestsPerMinute} approval requests a minute; wait a moment.`);
    }
    const snippets = deps.manifest.current().snippets;
    const snippet = Object.hasOwn(snippets, req.snippet) ? snippets[req.snippet] : undefined;
    if (!snippet) throw new ApprovalError(404, 'unknown_snippet', `No snippet "${req.snippet}" in the manifest this server runs.`);
    if (snippet.sha256 !== req.sha256) throw new ApprovalError(409, 'stale_snippet', 'The page shows an older version of this snippet; reload the page.');
    if (snippet.role !== 'escalation') throw new ApprovalError(400, 'bad_request', 'This is a service-team step; it needs no approval.');
    const env = Object.hasOwn(deps.config.environments, req.env) ? deps.config.environments[req.env] : undefined;
    if (!env) throw new ApprovalError(400, 'unknown_env', `There is no environment "${req.env}".`);
    const policy = decide({ snippet, envName: req.env, env, identity, confirm: req.env });
    if (!policy.ok) throw new ApprovalError(403, policy.code, policy.message);
    const reason = req.reason.trim();
    if (reason.length < 5) throw new ApprovalError(400, 'bad_request', 'Give a reason the approver can judge (at least a few words).');
    const bound = bindParams(snippet.params, req.params, now, snippet.timezone);
    if (!bound.ok) throw new ApprovalError(400, 'invalid_params', bound.message);
    // A command this environment's Airflow cannot carry out is refused now, not after an approver spent time on it.
    const connection = env.connections[snippet.target];
    const unsupported = snippet.lang === 'airflow' && connection?.kind === 'airflow' ? unsupportedOnApi(snippet.text, connection.api ?? 'v2') : null;
    if (unsupported) throw new ApprovalError(400, 'unavailable', `${unsupported.message} ${unsupported.hint}`);
    const approval = await deps.store.createApproval({
      id: randomUUID(),
      snippet: req.snippet,
      sha256: snippet.sha256,
      runbook: snippet.runbook,
      step: snippet.step,
      title: snippet.title,
      approverRole: snippet.approver ?? 'approver',
      env: req.env,
      params: bound.resolved,
      text: snippet.text,
      reason: reason.slice(0, 2000),
      requestedBy: { user: identity.user, displayName: identity.displayName },
      requestedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + deps.config.approvals.ttlMinutes * 60_000).toISOString(),
      preview:
        snippet.lang === 'sql'
          ? await preview(req.env, snippet.target, snippet.text, snippet.mode, bound)
          : snippet.lang === 'airflow'
            ? await airflowPreview(req.env, snippet.target, snippet.text, bound)
            : systemApprovalPreview(snippet.lang, snippet.text, bound.binds),
    });
    await deps.audit.record({
      kind: 'approval_request', user: identity.user, roles: identity.roles, snippet: approval.snippet, sha256: approval.sha256, runbook: approval.runbook,
      step: approval.step, env: approval.env, params: approval.params, approval: approval.id, runId: null, startedAt: null, endedAt: null,
      status: 'requested', rowCount: null, check: null, errorCode: null, detail: approval.reason.slice(0, 500),
      ...(await operationNamed(inOperation)),
    });
    await deps.routing?.requested(approval, snippet.mode);
    const enriched = await enrich(approval);
    deps.published(enriched, 'requested');
    return enriched;
  }

  async function decideOne(identity: Identity, id: string, body: DecisionRequest): Promise<Approval> {
    const now = deps.now();
    const current = await deps.store.getApproval(id, now);
    if (!current) throw new ApprovalError(404, 'not_found', `No approval ${id}.`);
    if (current.requestedBy.user === identity.user) throw new ApprovalError(403, 'forbidden', 'Nobody approves their own request; another member of the role must decide.');
    // Only members of the role the step names decide (issue 12): the generic approver role is not enough.
    if (!isMember(deps.config, current.approverRole, identity)) {
      const d = deps.routing?.deciders(current.approverRole);
      const who = d ? [...d.users.map((u) => u.displayName), ...d.groups.map((g) => `group ${g}`)].join(', ') : '';
      throw new ApprovalError(403, 'forbidden', d?.unconfigured
        ? `Nobody is configured to decide for ${d.label}; an administrator must add approvals.roles.${current.approverRole} to the configuration.`
        : `Only ${d?.label ?? current.approverRole} decides this request, and you are not a member${who ? ` (ask ${who})` : ''}.`);
    }
    const comment = body.comment.trim();
    if (!comment) throw new ApprovalError(400, 'bad_request', 'Add a comment: the operator and the audit log need the reason for the decision.');
    const decision = body.decision === 'approve' ? 'approved' : 'rejected';
    const by = { user: identity.user, displayName: identity.displayName };
    const operation = await operationOfApproval(id);
    const auditDecision = (status: 'approved' | 'rejected', detail: string) => deps.audit.record({
      kind: 'approval_decision', user: identity.user, roles: identity.roles, snippet: current.snippet, sha256: current.sha256, runbook: current.runbook,
      step: current.step, env: current.env, params: current.params, approval: id, runId: null, startedAt: null, endedAt: null,
      status, rowCount: null, check: null, errorCode: null, detail: detail.slice(0, 500), ...operation,
    });
    if (decision === 'approved' && deps.routing) {
      if (current.status !== 'pending') {
        throw new ApprovalError(409, 'approval_invalid', current.status === 'expired' ? 'This request has expired; the operator must ask again.' : `This request was already ${current.status}.`);
      }
      const tally = await deps.routing.vote(current, by, comment.slice(0, 2000), now);
      if (!tally) throw new ApprovalError(409, 'approval_invalid', 'You have already approved this request; another member of the role must add theirs.');
      if (tally.votes < tally.required) {
        // One of N: recorded and audited; the request stays pending until the last approval.
        await auditDecision('approved', `approval ${tally.votes} of ${tally.required}: ${comment}`);
        const partial = await enrich(current);
        deps.published(partial, 'voted');
        return partial;
      }
    }
    const result = await deps.store.decideApproval(id, decision, by, comment.slice(0, 2000), now);
    if (!result.ok) {
      throw new ApprovalError(409, 'approval_invalid', result.reason === 'expired' ? 'This request has expired; the operator must ask again.' : `This request was already ${current.status}.`);
    }
    await auditDecision(decision, comment);
    const decided = await enrich(result.approval);
    deps.published(decided, decision);
    return decided;
  }

  return {
    request: (identity: Identity, req: ApprovalRequest, inOperation?: string): Promise<Approval> =>
      refused(() => request(identity, req, inOperation), (e) => ({
        kind: 'approval_request', user: identity.user, roles: identity.roles, snippet: req.snippet, sha256: req.sha256, runbook: null, step: null, env: req.env,
        params: req.params, approval: null, runId: null, startedAt: null, endedAt: null, status: 'rejected', rowCount: null, check: null,
        errorCode: e.code as AuditEntry['errorCode'], detail: e.message.slice(0, 500),
      })),

    decide: (identity: Identity, id: string, body: DecisionRequest): Promise<Approval> =>
      refused(() => decideOne(identity, id, body), (e) => ({
        kind: 'approval_decision', user: identity.user, roles: identity.roles, snippet: null, sha256: null, runbook: null, step: null, env: null,
        params: {}, approval: id.slice(0, 200), runId: null, startedAt: null, endedAt: null, status: 'rejected', rowCount: null, check: null,
        errorCode: e.code as AuditEntry['errorCode'], detail: `${body.decision} refused: ${e.message}`.slice(0, 500),
      })),

    /**
     * Checks an approval against the run it is offered for and spends it. Returns an error message
     * (approval_invalid) or null when the run may go ahead.
     */
    async consumeFor(identity: Identity, id: string, run: { snippet: string; sha256: string; env: string; params: Readonly<Record<string, unknown>> }): Promise<string | null> {
      const now = deps.now();
      const a = await deps.store.getApproval(id, now);
      if (!a) return `No approval ${id}.`;
      if (a.requestedBy.user !== identity.user) return `Approval ${id} was requested by ${a.requestedBy.displayName}; only the requester can use it.`;
      if (a.status !== 'approved') return a.status === 'pending' ? 'This approval is still waiting for a decision.' : `This approval is ${a.status}; request a new one.`;
      if (a.snippet !== run.snippet || a.sha256 !== run.sha256) return 'This approval was granted for another snippet or an older version of it; request a new one.';
      if (a.env !== run.env) return `This approval is for ${a.env}, not ${run.env}.`;
      if (!sameParams(a.params, run.params)) return `The parameters differ from the approved ones (${JSON.stringify(a.params)}); run with those, or request a new approval.`;
      const spent = await deps.store.consumeApproval(id, now);
      if (!spent) return 'This approval was used or expired a moment ago; request a new one.';
      deps.published(spent, 'used'); // open inboxes and the requester's other tabs learn it is spent
      return null;
    },

    list: async (identity: Identity, filter: { status?: Approval['status']; mine: boolean }) => {
      const status = filter.status ? { status: filter.status } : {};
      if (filter.mine) return Promise.all((await deps.store.listApprovals({ ...status, requestedBy: identity.user, limit: 200 }, deps.now())).map(enrich));
      // Approvers see every request; anyone else their own and those their approver roles may decide.
      const all = await deps.store.listApprovals({ ...status, limit: 200 }, deps.now());
      if (identity.roles.includes('approver')) return Promise.all(all.map(enrich));
      const own = await deps.store.listApprovals({ ...status, requestedBy: identity.user, limit: 200 }, deps.now());
      const theirs = all.filter((a) => a.requestedBy.user !== identity.user && isMember(deps.config, a.approverRole, identity));
      return Promise.all([...own, ...theirs].sort((a, b) => b.requestedAt.localeCompare(a.requestedAt)).map(enrich));
    },

    get: async (identity: Identity, id: string) => {
      const a = await deps.store.getApproval(id, deps.now());
      if (!a || (a.requestedBy.user !== identity.user && !identity.roles.includes('approver') && !identity.roles.includes('admin') && !isMember(deps.config, a.approverRole, identity))) {
        throw new ApprovalError(404, 'not_found', `No approval ${id}.`);
      }
      return enrich(a);
    },
  };
}

export type ApprovalService = ReturnType<typeof createApprovalService>;
