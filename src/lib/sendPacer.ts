/**
 * Keeps what the page sends on one socket within the budget the server announced in its `hello`
 * (SocketBudget: messages and bytes per window, each refilling evenly). Messages over it wait here, in order,
 * until the budget has room, instead of reaching the server and coming back `rate_limited` — so someone
 * clicking Run on many blocks, or Run every check, just sees the later runs start a moment later.
 *
 * The page paces at 90% of the budget: the server counts a message when it arrives, and the network can
 * bunch messages sent evenly apart; the margin absorbs that. The server still enforces the budget itself.
 */
import type { SocketBudget } from '@site/server/protocol';

/** What the page assumes before the server's `hello` (and from servers that send none): the server's default. */
export const DEFAULT_SOCKET_BUDGET: SocketBudget = { messages: 100, bytes: 1024 * 1024, windowMs: 10_000 };
const PACE = 0.9;
/**
 * How long a new socket holds its first sends for the server's `hello`. The server sends it first thing, so it
 * comes right behind the open; only a server from before it is waited for this long, once per connection.
 */
export const HELLO_WAIT_MS = 1_000;

export interface PacerClock {
  now(): number;
  /** Calls `fn` after `ms`; returns how to call it off. */
  schedule(fn: () => void, ms: number): () => void;
}

export const realClock: PacerClock = {
  now: () => Date.now(),
  schedule(fn, ms) {
    const handle = setTimeout(fn, ms);
    return () => clearTimeout(handle);
  },
};

class Allowance {
  private capacity = 0;
  private perMs = 0;
  private tokens = 0;
  private at = 0;

  constructor(private readonly now: () => number) {}

  /** A new allowance of `amount` per `windowMs`. `keepUsed`: what was taken already still counts against it. */
  set(amount: number, windowMs: number, keepUsed: boolean): void {
    this.refill();
    const used = keepUsed ? this.capacity - this.tokens : 0;
    this.capacity = Math.max(1, Math.floor(amount * PACE));
    this.perMs = this.capacity / windowMs;
    this.tokens = Math.max(0, this.capacity - used);
    this.at = this.now();
  }

  /** How long until `cost` fits (0: now); a cost over the whole allowance waits for a full one. */
  waitFor(cost: number): number {
    this.refill();
    const need = Math.min(cost, this.capacity);
    return need <= this.tokens ? 0 : Math.ceil((need - this.tokens) / this.perMs);
  }

  take(cost: number): void {
    this.tokens -= Math.min(cost, this.capacity);
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.at) * this.perMs);
    this.at = now;
  }
}

interface Queued {
  readonly text: string;
  readonly bytes: number;
  readonly key: string | undefined;
  readonly onSent: (() => void) | undefined;
}

const utf8 = new TextEncoder();

export class SendPacer {
  private readonly messages: Allowance;
  private readonly bytes: Allowance;
  private queue: Queued[] = [];
  private cancelTimer: (() => void) | null = null;
  private current: SocketBudget = DEFAULT_SOCKET_BUDGET;
  /** A new socket whose budget the server has not said yet: nothing goes out (a smaller budget than assumed would refuse the first burst). */
  private held = false;
  private cancelHold: (() => void) | null = null;

  constructor(
    private readonly write: (text: string) => void,
    private readonly clock: PacerClock = realClock,
  ) {
    this.messages = new Allowance(() => clock.now());
    this.bytes = new Allowance(() => clock.now());
    this.reset();
  }

  /** The budget in force (the last `hello`'s, or the default). */
  get budget(): SocketBudget {
    return this.current;
  }

  /** Messages waiting for room. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * A new socket: a full budget (the server keeps one per socket), nothing waiting. `awaitHello`: hold sends
   * until the server's `hello` says the budget (at most HELLO_WAIT_MS; then the last known one applies).
   */
  reset(o: { readonly awaitHello?: boolean } = {}): void {
    this.clear();
    this.messages.set(this.current.messages, this.current.windowMs, false);
    this.bytes.set(this.current.bytes, this.current.windowMs, false);
    if (o.awaitHello) {
      this.held = true;
      this.cancelHold = this.clock.schedule(() => this.release(), HELLO_WAIT_MS);
    }
  }

  /** The server's `hello`: its budget replaces the assumed one; what was sent on this socket already counts. */
  setBudget(budget: SocketBudget): void {
    if (!(budget.messages > 0 && budget.bytes > 0 && budget.windowMs > 0)) return;
    this.current = budget;
    this.messages.set(budget.messages, budget.windowMs, true);
    this.bytes.set(budget.bytes, budget.windowMs, true);
    this.release();
  }

  /** Sends `text` now if the budget has room, else once it has, after everything queued before it. */
  send(text: string, o: { readonly key?: string; readonly onSent?: () => void } = {}): void {
    this.queue.push({ text, bytes: utf8.encode(text).length, key: o.key, onSent: o.onSent });
    this.flush();
  }

  /** Takes back the waiting messages sent with `key`; true when there were any (they never reached the server). */
  withdraw(key: string): boolean {
    const before = this.queue.length;
    this.queue = this.queue.filter((q) => q.key !== key);
    return this.queue.length < before;
  }

  /** The socket is gone: what waits is dropped (the client decides what to send again). */
  clear(): void {
    this.queue = [];
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.cancelHold?.();
    this.cancelHold = null;
    this.held = false;
  }

  private release(): void {
    this.cancelHold?.();
    this.cancelHold = null;
    this.held = false;
    this.flush();
  }

  private flush(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    while (!this.held && this.queue.length > 0) {
      const next = this.queue[0]!;
      const wait = Math.max(this.messages.waitFor(1), this.bytes.waitFor(next.bytes));
      if (wait > 0) {
        this.cancelTimer = this.clock.schedule(() => {
          this.cancelTimer = null;
          this.flush();
        }, wait);
        return;
      }
      this.queue.shift();
      this.messages.take(1);
      this.bytes.take(next.bytes);
      this.write(next.text);
      next.onSent?.();
    }
  }
}
