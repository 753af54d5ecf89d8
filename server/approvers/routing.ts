/**
 * Requests that reach people and do not rot (issue 12 item 5). A new request is announced to its role's
 * channels with a link to its inbox entry; while nobody decides, a sweep walks it up the runbook's escalation
 * ladder — each level once its `after` has passed since the request — and records its expiry. Every step is
 * a row in the state store (claimed by key, so two instances or a restarted one never repeat a step), pushed
 * to the requester's and the approvers' pages, and announced through the outbox.
 *
 * The sweep runs on a timer in every instance; it has no memory of its own, so a restart loses nothing. Its
 * clock is injected: tests call `sweep()` after moving it.
 */
import type { Approval, ApprovalStep, Deciders } from '../api';
import type { StateStore } from '../audit/types';
import type { OpsbookConfig } from '../config';
import type { AuditSink } from '../execution/audit';
import type { ManifestStore } from '../execution/manifestStore';
import type { Outbox } from '../notifications/outbox';
import { APPROVALS_SLACK, APPROVALS_WEBHOOK } from '../notifications/channels';
import type { NewNotification } from '../notifications/types';
import { durationMinutes, type Ladder, type OpsData } from '../../src/components/opsData';
import { contactLine, resolveLevel } from '../../src/components/EscalationLadder/resolveLevel';
import { approverRoles, decidersOf, requiredApprovals } from './membership';
import { bodyFor, publicLink, toChannels, type Notice } from './messages';
import { openRoutingStore, type RoutingStore } from './sql';

/** The data files the server reads (docs/**\/_data): ladders, rotations, owners, people, approver labels. */
export type ServerOpsData = Partial<OpsData> & { readonly approvers?: Readonly<Record<string, { readonly label?: string }>> };

export interface RoutingDeps {
  readonly config: OpsbookConfig;
  readonly manifest: ManifestStore;
  readonly store: StateStore;
  readonly data: () => ServerOpsData;
  readonly outbox: Pick<Outbox, 'enqueue'>;
  readonly audit: AuditSink;
  readonly now: () => Date;
  readonly log: (message: string) => void;
  /** Pushes a changed request (a new step) to the pages that show it. */
  readonly push: (approval: Approval) => void;
}

export function createApprovalRouting(deps: RoutingDeps) {
  const { config } = deps;
  // A store without SQL (a hand-written test fake) keeps one decision per request and no steps.
  const ready: Promise<RoutingStore | null> = deps.store.sql
    ? openRoutingStore(deps.store.sql).catch((error: unknown) => {
        deps.log(`APPROVAL ESCALATION NOT RUNNING: ${(error as Error).message}`);
        return null;
      })
    : Promise.resolve(null);
  let timer: NodeJS.Timeout | null = null;
  let sweeping: Promise<number> | null = null;

  const levelData = () => {
    const d = deps.data();
    return { oncall: d.oncall ?? {}, ownership: d.ownership ?? {}, ...(d.people ? { people: d.people } : {}) };
  };
  const labelOf = (role: string): string => deps.data().approvers?.[role]?.label ?? role;
  const deciders = (role: string): Deciders => ({ ...decidersOf(config, role), label: labelOf(role) });
  const inboxLink = (a: Approval) => publicLink(config, `/approvals?id=${encodeURIComponent(a.id)}`);
  const what = (a: Approval) => `${a.title ?? a.snippet} (${a.runbook}${a.step ? ` / ${a.step}` : ''}) on ${a.env}`;

  function ladderOf(a: Approval): { id: string; ladder: Ladder } | null {
    const id = deps.manifest.current().runbooks?.[a.runbook]?.escalation ?? null;
    const ladders = deps.data().escalation;
    const ladder = id && ladders && Object.hasOwn(ladders, id) ? ladders[id] : undefined;
    return id && ladder ? { id, ladder } : null;
  }

  /** The role's own channels, and the approvals Slack/webhook of `notifications`. */
  function announce(a: Approval, notice: Notice): NewNotification[] {
    const roles = approverRoles(config);
    const own = Object.hasOwn(roles, a.approverRole) ? roles[a.approverRole]!.channels : [];
    const items = toChannels(config, own, notice);
    if (config.notifications.slackWebhookUrl) items.push({ channel: APPROVALS_SLACK, kind: 'slack', event: notice.event, subject: notice.summary.slice(0, 200), body: bodyFor('slack', notice) });
    if (config.notifications.webhookUrl) items.push({ channel: APPROVALS_WEBHOOK, kind: 'webhook', event: notice.event, subject: notice.summary.slice(0, 200), body: { ...bodyFor('webhook', notice), approval: a.id } });
    return items;
  }

  const notice = (a: Approval, event: string, summary: string, severity: Notice['severity']): Notice => ({
    event, summary, link: inboxLink(a), linkText: 'Open the request in the approvals inbox', dedupKey: `opsbook-approval-${a.id}`, severity,
    details: { approval: a.id, runbook: a.runbook, step: a.step, env: a.env, role: a.approverRole, requestedBy: a.requestedBy.displayName },
  });

  async function enrich(a: Approval): Promise<Approval> {
    const store = await ready;
    const base = { ...a, deciders: deciders(a.approverRole) };
    if (!store) return { ...base, required: 1, votes: [], steps: [] };
    const [routing, votes, steps] = await Promise.all([store.routing(a.id), store.votes(a.id), store.steps(a.id)]);
    return { ...base, required: routing?.required ?? 1, votes, steps };
  }

  /** Records a step once; the instance that recorded it pushes it and sends its notifications. */
  async function step(a: Approval, key: string, s: ApprovalStep, items: readonly NewNotification[]): Promise<boolean> {
    const store = await ready;
    if (!store || !(await store.claimStep(a.id, key, s))) return false;
    if (items.length) await deps.outbox.enqueue(items);
    deps.push(await enrich(a));
    return true;
  }

  /** Walks one request: ladder levels now due, or its expiry. */
  async function advance(a: Approval, now: Date): Promise<void> {
    if (a.status === 'expired') {
      const minutes = Math.round((Date.parse(a.expiresAt) - Date.parse(a.requestedAt)) / 60_000);
      const recorded = await step(a, 'expired', { kind: 'expired', at: a.expiresAt, title: `Expired undecided after ${minutes} min`, detail: 'Nobody decided in time; the operator must ask again.' },
        announce(a, notice(a, 'approval.expired', `:hourglass: The request to run ${what(a)} for ${a.requestedBy.displayName} expired undecided after ${minutes} min.`, 'info')));
      if (recorded) {
        await deps.audit.record({
          kind: 'approval_decision', user: 'opsbook', roles: [], snippet: a.snippet, sha256: a.sha256, runbook: a.runbook, step: a.step, env: a.env, params: a.params,
          approval: a.id, runId: null, startedAt: null, endedAt: null, status: 'expired', rowCount: null, check: null, errorCode: null, detail: `Expired undecided after ${minutes} min.`,
        });
      }
      return;
    }
    if (a.status !== 'pending') return;
    const found = ladderOf(a);
    if (!found) return;
    const waited = (now.getTime() - Date.parse(a.requestedAt)) / 60_000;
    for (const [i, level] of found.ladder.levels.entries()) {
      const after = level.after === undefined ? null : durationMinutes(level.after);
      if (after === null || after > waited) continue;
      const r = resolveLevel(levelData(), found.ladder, level, now);
      const who = r.who && r.who !== level.name ? `${level.name}: ${r.who}` : level.name;
      const contact = contactLine(r.contact);
      const detail = [r.because, contact, level.reach].filter(Boolean).join(' · ') || null;
      const first = after === 0;
      const title = first ? `Ladder level ${i + 1} engaged — ${who}` : `Escalated after ${level.after} undecided — ${who}`;
      const summary = `:rotating_light: The request to run ${what(a)} for ${a.requestedBy.displayName} is undecided after ${level.after}: escalated to ${who}${contact ? ` (${contact})` : ''}.`;
      // A 0m level is announced with the request itself (one message, not two).
      await step(a, `level-${i}`, { kind: 'escalated', at: first ? a.requestedAt : new Date(Date.parse(a.requestedAt) + after * 60_000).toISOString(), title, detail },
        first ? [] : announce(a, notice(a, 'approval.escalated', summary, 'warning')));
    }
  }

  async function sweep(): Promise<number> {
    const store = await ready;
    if (!store) return 0;
    const now = deps.now();
    let n = 0;
    for (const id of await store.openRequests(500)) {
      const a = await deps.store.getApproval(id, now);
      if (!a) continue;
      try {
        await advance(a, now);
        n++;
      } catch (error) {
        deps.log(`approval escalation: ${id}: ${(error as Error).message}`);
      }
    }
    return n;
  }

  return {
    enrich,
    levelData,
    deciders,
    labelOf,
    ready,
    /** A new request: its routing, the announcement to its role, and the ladder levels due at once. */
    async requested(a: Approval, mode: 'read' | 'write'): Promise<void> {
      const store = await ready;
      if (!store) return;
      const found = ladderOf(a);
      await store.setRouting(a.id, { required: requiredApprovals(config, a.env, mode), ladder: found?.id ?? null, mode });
      const d = deciders(a.approverRole);
      const names = d.users.map((u) => u.displayName).concat(d.groups.map((g) => `group ${g}`));
      const channels = approverRoles(config)[a.approverRole]?.channels ?? [];
      const builtIn = [config.notifications.slackWebhookUrl ? 'the approvals Slack channel' : '', config.notifications.webhookUrl ? 'the approvals webhook' : ''].filter(Boolean);
      const where = [...channels, ...builtIn];
      const first = found?.ladder.levels[0];
      const firstDue = first?.after !== undefined && durationMinutes(first.after) === 0;
      await step(a, 'notified', {
        kind: 'notified', at: a.requestedAt,
        title: d.unconfigured ? `Nobody is configured to decide for ${d.label}` : `Sent to ${d.label}${where.length ? ` via ${where.join(', ')}` : ''}`,
        detail: d.unconfigured ? `Add approvals.roles.${a.approverRole} to the server configuration.` : names.length ? `Who can decide: ${names.join(', ')}` : null,
      }, firstDue ? [] : announce(a, notice(a, 'approval.requested', `:raising_hand: ${a.requestedBy.displayName} asks ${labelOf(a.approverRole)} to approve ${what(a)}: “${a.reason}”.`, 'warning')));
      // With a 0m first level, its step carries the announcement (who is engaged, how to reach them).
      if (firstDue) await advanceFirst(a);
      await advance(a, deps.now());
    },
    /** Records one approve; resolves to the approvals given so far, or null when this member already approved. */
    async vote(a: Approval, by: { user: string; displayName: string }, comment: string, now: Date): Promise<{ votes: number; required: number } | null> {
      const store = await ready;
      if (!store) return { votes: 1, required: 1 };
      const routing = await store.routing(a.id);
      if (!(await store.addVote(a.id, { by, at: now.toISOString(), comment }))) return null;
      return { votes: (await store.votes(a.id)).length, required: routing?.required ?? 1 };
    },
    /** Records that someone was paged about this request. */
    async paged(approvalId: string, key: string, s: ApprovalStep): Promise<void> {
      const a = await deps.store.getApproval(approvalId, deps.now());
      if (a) await step(a, key, s, []);
    },
    sweep,
    start(): void {
      if (timer) return;
      timer = setInterval(() => {
        if (sweeping) return; // one sweep at a time in this instance
        sweeping = sweep().catch((error: unknown) => (deps.log(`approval escalation sweep: ${(error as Error).message}`), 0)).finally(() => (sweeping = null));
      }, config.approvals.sweepSeconds * 1000);
      timer.unref();
    },
    async close(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      await sweeping;
    },
  };

  /** The 0m level's announcement: the request and who is engaged, in one message. */
  async function advanceFirst(a: Approval): Promise<void> {
    const found = ladderOf(a);
    const level = found?.ladder.levels[0];
    if (!found || !level) return;
    const r = resolveLevel(levelData(), found.ladder, level, deps.now());
    const who = r.who && r.who !== level.name ? `${level.name}: ${r.who}` : level.name;
    const contact = contactLine(r.contact);
    await deps.outbox.enqueue(announce(a, notice(a, 'approval.requested',
      `:raising_hand: ${a.requestedBy.displayName} asks ${labelOf(a.approverRole)} to approve ${what(a)}: “${a.reason}”. First on the ${found.ladder.title} ladder: ${who}${contact ? ` (${contact})` : ''}.`, 'warning')));
  }
}

export type ApprovalRouting = ReturnType<typeof createApprovalRouting>;
