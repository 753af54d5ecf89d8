/**
 * Pushes approval events to the sockets that care: the requester's, and every approver's. In-process;
 * with a shared PostgreSQL store, each instance pushes what its own API saw (see the closing notes).
 */
import type { Approval } from './api';
import type { Identity } from './identity';
import type { ServerMessage } from './protocol';

export interface Subscriber {
  readonly identity: Identity;
  send(message: ServerMessage): void;
}

export class ApprovalHub {
  private readonly subscribers = new Set<Subscriber>();

  subscribe(s: Subscriber): () => void {
    this.subscribers.add(s);
    return () => void this.subscribers.delete(s);
  }

  /**
   * To the requester, and to whoever `deciders` accepts (the members of the request's approver role); without
   * it, to every holder of the generic approver role.
   */
  publish(approval: Approval, deciders?: (identity: Identity) => boolean): void {
    const also = deciders ?? ((i: Identity) => i.roles.includes('approver'));
    for (const s of this.subscribers) {
      if (s.identity.user === approval.requestedBy.user || also(s.identity)) s.send({ type: 'approval', approval });
    }
  }
}

/** Counts a user's running runs across all their sockets, for the per-user concurrency limit. */
export class UserRunCounter {
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
