/**
 * The outbox: `enqueue` writes notifications to the state store and returns; a pump delivers what is due,
 * records every attempt, and sleeps until the next retry is due (or a poll, to pick up what another
 * instance or a previous life of this one left). Nothing here ever throws into a caller: a store or
 * receiver failure is logged and retried, and the server keeps serving.
 */
import { randomUUID } from 'node:crypto';
import { attempt, backoffMs, type Fetch, type RetryPolicy } from './delivery';
import type { OutboxStore } from './sql';
import type { NewNotification, NotificationView, NotificationStatus, ResolvedChannel, SettledDelivery } from './types';

export interface OutboxDeps {
  readonly store: OutboxStore;
  readonly channels: (name: string) => ResolvedChannel | null;
  readonly policy: RetryPolicy;
  readonly instance: string;
  readonly log: (message: string) => void;
  readonly now?: () => Date;
  readonly fetch?: Fetch;
  /** How often to look for work nobody woke us for (another instance's retries, a restart's leftovers). */
  readonly pollMs?: number;
  /** Told after each attempt is recorded (never awaited; a throw is logged). */
  readonly onSettled?: (delivery: SettledDelivery) => void;
}

export interface Outbox {
  /** Durable once resolved (false when the store refused them; logged). Never rejects. */
  enqueue(items: readonly NewNotification[]): Promise<boolean>;
  list(filter: { status?: NotificationStatus; limit: number }): Promise<NotificationView[]>;
  /** Resolves when nothing is in flight and nothing pending is due now (tests, shutdown). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** A claim older than this is presumed abandoned by a crashed instance. */
const STALE_CLAIM_MS = 5 * 60_000;

export function createOutbox(deps: OutboxDeps): Outbox {
  const now = deps.now ?? (() => new Date());
  const doFetch = deps.fetch ?? fetch;
  const pollMs = deps.pollMs ?? 15_000;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  let pumping: Promise<void> | null = null;
  let again = false;

  const wake = (delayMs = 0) => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void pump();
    }, Math.max(0, Math.min(delayMs, 2 ** 31 - 1)));
    timer.unref();
  };

  async function deliver(n: Awaited<ReturnType<OutboxStore['claimDue']>>[number]): Promise<void> {
    const number = n.attempts + 1;
    const at = now();
    const channel = deps.channels(n.channel);
    const result = channel
      ? await attempt(channel, n.body, deps.policy.timeoutMs, doFetch, now)
      : { outcome: 'failed' as const, httpStatus: null, error: `no channel "${n.channel}" is configured any more`, retryAfterMs: null };
    const outOfAttempts = result.outcome === 'retry' && number >= deps.policy.maxAttempts;
    const outcome = outOfAttempts ? 'failed' : result.outcome;
    const error = result.outcome === 'sent' ? null : result.error;
    const retryAfterMs = result.outcome === 'sent' ? null : result.retryAfterMs;
    const nextAttemptAt = outcome === 'retry' ? new Date(at.getTime() + backoffMs(deps.policy, number, retryAfterMs)).toISOString() : null;
    await deps.store.settle(
      { notificationId: n.id, attempt: number, at: at.toISOString(), httpStatus: result.httpStatus, outcome, error, retryAfterMs },
      { status: outcome === 'sent' ? 'sent' : outcome === 'retry' ? 'pending' : 'failed', nextAttemptAt, sentAt: outcome === 'sent' ? now().toISOString() : null, lastError: error },
    );
    try {
      deps.onSettled?.({ notificationId: n.id, channel: n.channel, kind: n.kind, event: n.event, attempt: number, outcome, httpStatus: result.httpStatus, answer: result.outcome === 'sent' ? result.answer : error });
    } catch (e) {
      deps.log(`notify: a delivery listener failed for ${n.id}: ${(e as Error).message}`);
    }
    if (outcome === 'retry') deps.log(`notify: ${n.channel} (${n.event}) attempt ${number} failed: ${error}; next attempt at ${nextAttemptAt}.`);
    if (outcome === 'failed') {
      deps.log(`NOTIFICATION FAILED: ${n.channel} (${n.event}) “${n.subject}” after ${number} attempt(s): ${error}${outOfAttempts ? ' (out of attempts)' : ''}. See GET /api/notifications.`);
    }
  }

  async function pumpOnce(): Promise<void> {
    for (;;) {
      const batch = await deps.store.claimDue(now(), deps.instance, 20);
      if (batch.length === 0) break;
      await Promise.all(batch.map((n) => deliver(n).catch((e: unknown) => deps.log(`notify: could not record delivery of ${n.id}: ${(e as Error).message}`))));
    }
    const due = await deps.store.nextDue();
    // At least 50 ms: a due time in the past (another instance's clock) must not spin the pump.
    wake(due ? Math.max(50, Math.min(pollMs, Date.parse(due) - now().getTime())) : pollMs);
  }

  function pump(): Promise<void> {
    if (pumping) {
      again = true;
      return pumping;
    }
    pumping = (async () => {
      do {
        again = false;
        try {
          await pumpOnce();
        } catch (error) {
          deps.log(`notify: the outbox could not be read (${(error as Error).message}); retrying in ${pollMs} ms.`);
          wake(pollMs);
        }
      } while (again && !closed);
    })().finally(() => {
      pumping = null;
    });
    return pumping;
  }

  // A restart resumes: this instance's claims from its previous life (and anybody's stale ones) are pending again.
  const started = deps.store
    .release(deps.instance, new Date(now().getTime() - STALE_CLAIM_MS))
    .then((n) => {
      if (n) deps.log(`notify: resuming ${n} notification(s) left in flight before a restart.`);
    })
    .catch((e: unknown) => deps.log(`notify: could not resume in-flight notifications: ${(e as Error).message}`))
    .finally(() => wake(0));

  return {
    async enqueue(items) {
      if (items.length === 0) return true;
      try {
        const createdAt = now().toISOString();
        for (const item of items) await deps.store.insert({ ...item, id: item.id ?? randomUUID(), createdAt });
      } catch (error) {
        deps.log(`NOTIFICATION NOT STORED: ${items.map((i) => `${i.channel} (${i.event}) “${i.subject}”`).join('; ')}: ${(error as Error).message}`);
        return false;
      }
      void pump();
      return true;
    },
    list: (filter) => deps.store.list(filter),
    async idle() {
      await started;
      for (;;) {
        if (pumping) await pumping;
        const due = await deps.store.nextDue();
        if (!pumping && (!due || Date.parse(due) > now().getTime())) return;
        if (!pumping) await pump();
      }
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await started;
      if (pumping) await pumping;
    },
  };
}
