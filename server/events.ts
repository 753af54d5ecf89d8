/**
 * Pushes approval events to the sockets that care: the requester's, and every approver's — on every
 * instance: a publish goes over the push bus (server/push), and each instance fans it out to its own sockets.
 */
import type { Approval } from './api';
import type { Identity } from './identity';
import type { ServerMessage } from './protocol';
import { inProcessBus, pushTopic, type PushBus } from './push';

/** Approval requested, decided or used: the approval as it now stands. */
export const APPROVAL_PUSH = pushTopic<Approval>('approval');

export interface Subscriber {
  readonly identity: Identity;
  send(message: ServerMessage): void;
}

export class ApprovalHub {
  private readonly subscribers = new Set<Subscriber>();

  /**
   * `mayDecide` is configuration, the same on every instance, so the filter runs where the sockets are:
   * a function cannot travel over the bus. Without it, holders of the generic approver role.
   */
  constructor(
    private readonly bus: PushBus = inProcessBus(),
    private readonly mayDecide: (approval: Approval, identity: Identity) => boolean = (_a, i) => i.roles.includes('approver'),
  ) {
    bus.subscribe(APPROVAL_PUSH, (approval) => this.fanOut(approval));
  }

  subscribe(s: Subscriber): () => void {
    this.subscribers.add(s);
    return () => void this.subscribers.delete(s);
  }

  /** What this instance last pushed per approval: a state pushed twice (the request and its announcement) goes once. */
  private readonly lastPushed = new Map<string, string>();

  /** To every instance's sockets (this one's at once); each instance picks its own sockets by `mayDecide`. */
  publish(approval: Approval): void {
    const state = JSON.stringify(approval);
    if (this.lastPushed.get(approval.id) === state) return;
    this.lastPushed.delete(approval.id);
    this.lastPushed.set(approval.id, state);
    // Bounded: only the most recent approvals are remembered (the oldest go first, a Map keeps insertion order).
    if (this.lastPushed.size > 1000) this.lastPushed.delete(this.lastPushed.keys().next().value!);
    void this.bus.publish(APPROVAL_PUSH, approval);
  }

  /** To the requester, and to whoever may decide it (the members of the request's approver role). */
  private fanOut(approval: Approval): void {
    const also = (i: Identity) => this.mayDecide(approval, i);
    for (const s of this.subscribers) {
      if (s.identity.user === approval.requestedBy.user || also(s.identity)) s.send({ type: 'approval', approval });
    }
  }
}

/**
 * The per-user concurrency limit: `acquire` resolves to the function that gives the slot back, or null when
 * the user already has `limit` runs going. In-process below; across instances, server/cluster/runLeases.ts.
 */
export interface UserRunLimiter {
  /**
   * A slot for one more of the user's runs, or null at the limit. Giving it back resolves once the slot is free
   * for the user's next run on any instance (it never rejects: a lease that cannot be given back lapses).
   */
  acquire(user: string, limit: number): Promise<(() => Promise<void>) | null>;
}

/** Counts a user's running runs across all their sockets (one instance), for the per-user concurrency limit. */
export class UserRunCounter implements UserRunLimiter {
  acquire(user: string, limit: number): Promise<(() => Promise<void>) | null> {
    if (!this.tryAcquire(user, limit)) return Promise.resolve(null);
    let given = false;
    return Promise.resolve(() => {
      if (!given) {
        given = true;
        this.release(user);
      }
      return Promise.resolve();
    });
  }

  private readonly counts = new Map<string, number>();
  tryAcquire(user: string, limit: number): boolean {
    const n = this.counts.get(user) ?? 0;
    if (n >= limit) return false;
    this.counts.set(user, n + 1);
    return true;
  }
  release(user: string): void {
    const n = (this.counts.get(user) ?? 1) - 1;
    if (n <= 0) this.counts.delete(user);
    else this.counts.set(user, n);
  }
}

/**
 * Every run going on in this process, so a shutdown can abort them all and wait until each has sent its
 * `done` and completed its audit record.
 */
export class RunRegistry {
  private readonly runs = new Map<AbortController, Promise<unknown>>();

  track(controller: AbortController, ended: Promise<unknown>): void {
    this.runs.set(controller, ended);
    void ended.finally(() => this.runs.delete(controller));
  }

  get size(): number {
    return this.runs.size;
  }

  /** Aborts every run; resolves when all have ended, or after `guardMs` with how many had not. */
  async abortAll(guardMs: number): Promise<number> {
    const ended = [...this.runs.values()];
    for (const controller of this.runs.keys()) controller.abort();
    let timer: NodeJS.Timeout | undefined;
    const guard = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), guardMs)));
    const outcome = await Promise.race([Promise.allSettled(ended).then(() => 'ended' as const), guard]);
    clearTimeout(timer);
    return outcome === 'ended' ? 0 : this.runs.size;
  }
}
