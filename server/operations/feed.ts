/**
 * Live updates of operations: whatever changes an operation is published here, and every connected page
 * that may read operations gets it over its WebSocket. This implementation reaches the sockets of this
 * process only; a cross-instance feed (PostgreSQL LISTEN/NOTIFY) implements the same interface, so the
 * service and the sockets do not change when it is swapped in.
 */
import { pushTopic, type PushBus } from '../push';
import type { OperationPush } from './types';

export interface OperationFeed {
  /** Hands one change to every subscriber (on every instance, for a shared feed). Never throws. */
  publish(push: OperationPush): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: (push: OperationPush) => void): () => void;
}

export class InProcessOperationFeed implements OperationFeed {
  private readonly listeners = new Set<(push: OperationPush) => void>();

  constructor(private readonly log: (message: string) => void = (m) => console.error(`opsbook: ${m}`)) {}

  publish(push: OperationPush): void {
    for (const listener of [...this.listeners]) {
      // One broken socket must not keep the change from the others.
      try {
        listener(push);
      } catch (error) {
        this.log(`an operation listener failed: ${(error as Error).message}`);
      }
    }
  }

  subscribe(listener: (push: OperationPush) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }
}

const OPERATIONS = pushTopic<OperationPush>('operation');

/**
 * The feed over the server's push bus: a change published on one instance reaches the sockets of every
 * instance sharing the PostgreSQL store (in-process with the embedded store, like the approval pushes).
 */
export function busOperationFeed(bus: PushBus, log: (message: string) => void): OperationFeed {
  return {
    publish(push) {
      bus.publish(OPERATIONS, push).catch((error: unknown) => log(`an operation update could not be pushed: ${(error as Error).message}`));
    },
    subscribe(listener) {
      return bus.subscribe(OPERATIONS, listener);
    },
  };
}
