/**
 * What one socket may send: token buckets for messages and bytes (capacity = the per-window budget,
 * refilled evenly over the window), and a third for refusals, so a socket that keeps flooding after being
 * told is closed rather than answered forever. Synchronous on purpose: a socket's messages must be handled
 * in the order they came (a cancel after its run), which an async limiter per message would not promise.
 */
import type { Limits } from '../config';

class TokenBucket {
  private tokens: number;
  private at: number;
  constructor(
    private readonly capacity: number,
    private readonly perMs: number,
    private readonly now: () => number,
  ) {
    this.tokens = capacity;
    this.at = now();
  }

  /** Takes `cost` tokens if there are enough; otherwise takes nothing and says how long until there are. */
  take(cost: number): { ok: true } | { ok: false; retryMs: number } {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.at) * this.perMs);
    this.at = now;
    if (cost <= this.tokens) {
      this.tokens -= cost;
      return { ok: true };
    }
    return { ok: false, retryMs: Math.ceil((Math.min(cost, this.capacity) - this.tokens) / this.perMs) };
  }
}

export type Admission = { readonly ok: true } | { readonly ok: false; readonly message: string; readonly close: boolean; readonly retryMs: number };

export interface InboundBudget {
  admit(bytes: number): Admission;
}

export function inboundBudget(limits: Limits, now: () => number = Date.now): InboundBudget {
  const windowMs = limits.socketWindowSeconds * 1000;
  const bucket = (capacity: number) => new TokenBucket(capacity, capacity / windowMs, now);
  const messages = bucket(limits.socketMessagesPerWindow);
  const bytes = bucket(limits.socketBytesPerWindow);
  const refusals = bucket(limits.socketRefusalsBeforeClose);
  const window = `${limits.socketWindowSeconds} s`;
  return {
    admit(size) {
      const m = messages.take(1);
      const b = m.ok ? bytes.take(size) : m;
      if (b.ok) return { ok: true };
      const limit = !m.ok ? `${limits.socketMessagesPerWindow} messages per ${window}` : `${limits.socketBytesPerWindow} bytes per ${window}`;
      // The refusal is ignored by a flooder; the close is not.
      const close = !refusals.take(1).ok;
      const message = close
        ? `Closed: this connection kept sending over its limit of ${limit}; reload the page to reconnect.`
        : `Over this connection's limit of ${limit}; message ignored. Retry in ${Math.max(1, Math.ceil(b.retryMs / 1000))} s.`;
      return { ok: false, message, close, retryMs: Math.max(1, Math.ceil(b.retryMs)) };
    },
  };
}
