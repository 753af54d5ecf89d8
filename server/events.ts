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

  publish(approval: Approval): void {
    for (const s of this.subscribers) {
      if (s.identity.user === approval.requestedBy.user || s.identity.roles.includes('approver')) s.send({ type: 'approval', approval });
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
