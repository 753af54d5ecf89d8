/**
 * The push bus: how one instance tells every instance (itself included) that something happened, so each
 * can push it to the sockets it holds. Publishers and subscribers name a topic; payloads are JSON.
 *
 *   const APPROVALS = pushTopic<Approval>('approval');
 *   bus.subscribe(APPROVALS, (approval) => …);   // on every instance, for every publish on any instance
 *   void bus.publish(APPROVALS, approval);        // delivered here at once, elsewhere over the store
 *
 * Delivery is at most once per subscriber and instance, in commit order (a publisher that awaits each
 * publish before the next is delivered in its order everywhere). With the embedded
 * store it is in-process; with PostgreSQL it is LISTEN/NOTIFY (see postgres.ts). Handlers run synchronously
 * and must not throw (an exception is logged and swallowed so one handler cannot deafen the others).
 */

/** A topic with the type of its payload; two topics are the same when their names are. */
export interface PushTopic<T> {
  readonly name: string;
  /** Type-only: carries T. */
  readonly __payload?: (payload: T) => void;
}

export function pushTopic<T>(name: string): PushTopic<T> {
  if (!/^[a-z][a-z0-9._-]{0,62}$/.test(name)) throw new Error(`push topic "${name}": lower-case letters, digits, . _ - only`);
  return { name };
}

export interface PushBus {
  /** Resolves once the message is on its way to every instance (rejects only if not even this one got it). */
  publish<T>(topic: PushTopic<T>, payload: T): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe<T>(topic: PushTopic<T>, handler: (payload: T) => void): () => void;
  /** Stops listening; publishes after close are delivered locally only. */
  close(): Promise<void>;
}

/** Local fan-out shared by both buses: topic name → handlers. */
export class LocalFanout {
  private readonly handlers = new Map<string, Set<(payload: unknown) => void>>();

  constructor(private readonly log: (message: string) => void) {}

  add(topic: string, handler: (payload: unknown) => void): () => void {
    let set = this.handlers.get(topic);
    if (!set) this.handlers.set(topic, (set = new Set()));
    set.add(handler);
    return () => void set.delete(handler);
  }

  deliver(topic: string, payload: unknown): void {
    for (const handler of [...(this.handlers.get(topic) ?? [])]) {
      try {
        handler(payload);
      } catch (error) {
        this.log(`push: a "${topic}" subscriber failed: ${(error as Error).message}`);
      }
    }
  }
}
