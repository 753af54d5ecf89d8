/**
 * The Page action of an escalation ladder (issue 12 item 6): resolves the level's person for now (the on-call
 * of a rotation, a pipeline owner, or a named person), and sends a PagerDuty Events v2 trigger or a Slack
 * message through the outbox to the configured paging channels, with the summary, how to reach the person
 * and a link back. Governed by `paging.roles`; every attempt, sent or refused, is an audit record. A page sent
 * while working in an operation is part of its record: who paged whom, how to reach them, the channels and the
 * dedup key at once, then each channel's delivery with the receiver's answer (PagerDuty's status and
 * dedup_key, Slack's `ok`) when the outbox has it. Which page each notification belongs to is kept in the state
 * store (pageDeliveries.ts), so the answer is recorded by whichever instance delivers it, also after the one
 * that queued it restarted; one that settled while no instance could record it is recorded at the next start.
 */
import { randomUUID } from 'node:crypto';
import type { PageRequest, PageResult } from '../api';
import type { OpsbookConfig } from '../config';
import type { AuditSink } from '../execution/audit';
import type { Identity } from '../identity';
import type { SettledDelivery } from '../notifications/types';
import type { OperationService } from '../operations/service';
import type { Outbox } from '../notifications/outbox';
import { contactLine, resolveLevel } from '../../src/components/EscalationLadder/resolveLevel';
import { publicLink, toChannels } from './messages';
import type { ApprovalRouting, ServerOpsData } from './routing';
import { memoryPageDeliveries, type PageDeliveries, type PendingPage } from './pageDeliveries';

export class PageError extends Error {
  constructor(readonly status: number, readonly code: 'forbidden' | 'bad_request' | 'not_found' | 'unavailable', message: string) {
    super(message);
  }
}

export interface PagingDeps {
  readonly config: OpsbookConfig;
  readonly data: () => ServerOpsData;
  readonly outbox: Pick<Outbox, 'enqueue'>;
  readonly audit: AuditSink;
  readonly routing: Pick<ApprovalRouting, 'levelData' | 'paged'>;
  readonly now: () => Date;
  /** Where a page made inside an operation is recorded; absent (or null) when the server keeps no operations. */
  readonly operations?: Pick<OperationService, 'recordPage'> | null;
  /** Pages waiting for their delivery's answer; in this process only when absent (a store without SQL). */
  readonly deliveries?: PageDeliveries;
  readonly log?: (message: string) => void;
}

/** A delivery this long settled and still unrecorded at start was left by an instance that stopped. */
const UNRECORDED_AFTER_MS = 60_000;

export function canPage(config: OpsbookConfig, identity: Identity): boolean {
  return identity.roles.some((r) => config.paging.roles.includes(r));
}

export function createPaging(deps: PagingDeps) {
  const deliveries = deps.deliveries ?? memoryPageDeliveries();
  const log = deps.log ?? (() => undefined);
  const forget = (ids: readonly string[]) => deliveries.forget(ids).catch((error: unknown) => log(`paging: could not drop pending page deliveries (${(error as Error).message}).`));

  /** The delivery's outcome in the page's operation, then the pending row goes (a failure keeps it for the next start). */
  async function recordOutcome(notificationId: string, page: PendingPage, d: { channel: string; outcome: 'sent' | 'failed'; httpStatus: number | null; answer: string | null }): Promise<void> {
    await deps.operations?.recordPage(page.operation, page.by, {
      kind: 'page', target: page.target, summary: page.summary, outcome: d.outcome, ladder: page.ladder, level: page.level, channels: [d.channel], dedupKey: page.dedupKey,
      httpStatus: d.httpStatus, answer: d.answer ? d.answer.slice(0, 300) : null,
    });
    await deliveries.forget([notificationId]);
  }

  async function send(identity: Identity, req: PageRequest): Promise<PageResult & { readonly operation: string | null }> {
    const { config } = deps;
    if (!canPage(config, identity)) throw new PageError(403, 'forbidden', `Paging is for ${config.paging.roles.join(', ')}; you have none of these roles.`);
    const ladders = deps.data().escalation ?? {};
    const ladder = Object.hasOwn(ladders, req.ladder) ? ladders[req.ladder] : undefined;
    if (!ladder) throw new PageError(404, 'not_found', `No escalation ladder "${req.ladder}".`);
    const level = ladder.levels[req.level];
    if (!level) throw new PageError(400, 'bad_request', `The ${ladder.title} ladder has no level ${req.level + 1}.`);
    const summary = req.summary.trim();
    if (summary.length < 5) throw new PageError(400, 'bad_request', 'Say in a sentence what the page is about.');
    if (config.paging.channels.length === 0) throw new PageError(409, 'unavailable', 'No paging channel is configured (paging.channels); reach them directly.');
    const now = deps.now();
    const r = resolveLevel(deps.routing.levelData(), ladder, level, now);
    const who = r.who ?? level.name;
    const contact = contactLine(r.contact);
    const link = publicLink(config, req.path && req.path.startsWith('/') ? req.path : '/');
    const text = `${who} (${level.name}, ${ladder.title}): ${summary} — paged by ${identity.displayName}${contact ? ` · reach: ${contact}` : ''}${req.operation ? ` · operation ${req.operation}` : ''}`;
    // One open PagerDuty alert per ladder level and operation (or per page when there is none).
    const dedupKey = `opsbook-page-${req.ladder}-${req.level}-${req.operation ?? req.approval ?? randomUUID()}`;
    const items = toChannels(config, config.paging.channels, {
      event: 'page', summary: `:pager: ${text}`.slice(0, 1024), link, linkText: 'Open in Opsbook', severity: 'critical', dedupKey,
      details: { ladder: req.ladder, level: level.name, who, because: r.because, contact: r.contact, pagedBy: identity.displayName, ...(req.operation ? { operation: req.operation } : {}), ...(req.approval ? { approval: req.approval } : {}) },
    }).map((item) => ({ ...item, id: randomUUID() }));
    const by = { user: identity.user, displayName: identity.displayName };
    const page: PendingPage | null = req.operation ? { operation: req.operation, by, target: who, summary, dedupKey, ladder: ladder.title, level: level.name } : null;
    const ids = items.map((i) => i.id);
    // Stored before the outbox can deliver, so no answer arrives, on any instance, before it can be matched.
    if (page) {
      await deliveries.remember(ids, page).catch(() => {
        throw new PageError(503, 'unavailable', 'The page could not be stored for sending; try again or reach them directly.');
      });
    }
    if (!(await deps.outbox.enqueue(items))) {
      if (page) await forget(ids);
      throw new PageError(503, 'unavailable', 'The page could not be stored for sending; try again or reach them directly.');
    }
    const recorded = page && deps.operations
      ? await deps.operations.recordPage(page.operation, by, {
          kind: 'page', target: who, summary, outcome: 'queued', ladder: ladder.title, level: level.name, ...(contact ? { contact } : {}), channels: items.map((i) => i.channel), dedupKey,
        })
      : false;
    if (page && !recorded) await forget(ids); // no such open operation: nothing to record later
    if (req.approval) {
      await deps.routing.paged(req.approval, `page-${randomUUID()}`, { kind: 'paged', at: now.toISOString(), title: `${identity.displayName} paged ${who} (${level.name})`, detail: [summary, contact].filter(Boolean).join(' · ') });
    }
    return { who, channels: items.map((i) => i.channel), operation: recorded ? page!.operation : null };
  }

  return {
    /** The outbox's word on one attempt: a page of an operation records its final outcome and the answer. */
    async delivered(d: SettledDelivery): Promise<void> {
      if (d.outcome === 'retry' || d.event !== 'page') return;
      try {
        const page = await deliveries.find(d.notificationId);
        if (page) await recordOutcome(d.notificationId, page, { channel: d.channel, outcome: d.outcome, httpStatus: d.httpStatus, answer: d.answer });
      } catch (error) {
        log(`paging: could not record the delivery of page ${d.notificationId} (${(error as Error).message}); it is recorded at the next start.`);
      }
    },

    /**
     * At start: deliveries that settled while no instance could record them (the one delivering stopped right
     * after) are recorded now, with the outbox's record of the last attempt.
     */
    async recover(): Promise<number> {
      const left = await deliveries.unrecorded(new Date(deps.now().getTime() - UNRECORDED_AFTER_MS));
      for (const d of left) await recordOutcome(d.notificationId, d.page, d);
      if (left.length) log(`paging: recorded ${left.length} page delivery outcome(s) settled while the server was stopping.`);
      return left.length;
    },

    async page(identity: Identity, req: PageRequest): Promise<PageResult> {
      const base = {
        kind: 'page' as const, user: identity.user, roles: identity.roles, snippet: null, sha256: null, runbook: null, step: null, env: null,
        params: { ladder: req.ladder, level: req.level, ...(req.operation ? { operation: req.operation } : {}) }, approval: req.approval ?? null, runId: null, startedAt: null, endedAt: null,
        rowCount: null, check: null,
      };
      try {
        const { operation, ...result } = await send(identity, req);
        await deps.audit.record({ ...base, status: 'requested', errorCode: null, detail: `Paged ${result.who} via ${result.channels.join(', ')}: ${req.summary}`.slice(0, 500), ...(operation ? { operation } : {}) });
        return result;
      } catch (error) {
        const code = error instanceof PageError ? error.code : 'unavailable';
        await deps.audit.record({ ...base, status: 'rejected', errorCode: code, detail: `Page refused: ${(error as Error).message}`.slice(0, 500) });
        throw error;
      }
    },
  };
}
