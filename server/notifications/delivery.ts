/**
 * One delivery attempt and what to do next. Following the receivers' documented answers: 2xx delivered;
 * 429 retry after the Retry-After the receiver gave; 408, 5xx and network errors retry with doubling backoff;
 * any other 4xx (PagerDuty 400 invalid event, Slack invalid_payload / channel_not_found …) will not succeed
 * by repeating it, so it fails at once — recorded and logged, like a notification out of attempts.
 */
import type { ResolvedChannel } from './types';

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseMs: number;
  readonly maxMs: number;
  readonly timeoutMs: number;
}

export type AttemptResult =
  /** `answer`: the start of what the receiver said (PagerDuty: status, message, dedup_key; Slack: ok). */
  | { readonly outcome: 'sent'; readonly httpStatus: number; readonly answer: string }
  | { readonly outcome: 'retry' | 'failed'; readonly httpStatus: number | null; readonly error: string; readonly retryAfterMs: number | null };

export type Fetch = typeof fetch;

/** Retry-After is seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: Date): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now.getTime());
}

export async function attempt(channel: ResolvedChannel, body: Readonly<Record<string, unknown>>, timeoutMs: number, doFetch: Fetch, now: () => Date): Promise<AttemptResult> {
  let res: Response;
  try {
    res = await doFetch(channel.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...channel.headers },
      body: JSON.stringify(channel.finish(body)),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const e = error as Error;
    const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : `${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ''}`;
    return { outcome: 'retry', httpStatus: null, error: why, retryAfterMs: null };
  }
  const text = (await res.text().catch(() => '')).slice(0, 300);
  if (res.ok) return { outcome: 'sent', httpStatus: res.status, answer: text };
  const error = `HTTP ${res.status}${text ? `: ${text}` : ''}`;
  if (res.status === 429) return { outcome: 'retry', httpStatus: 429, error, retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), now()) };
  if (res.status === 408 || res.status >= 500) return { outcome: 'retry', httpStatus: res.status, error, retryAfterMs: null };
  return { outcome: 'failed', httpStatus: res.status, error, retryAfterMs: null };
}

/** The wait before attempt `n + 1` after `n` attempts: doubling from baseMs, capped, at least what the receiver asked. */
export function backoffMs(policy: RetryPolicy, attempts: number, retryAfterMs: number | null): number {
  const doubling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.max(doubling, retryAfterMs ?? 0);
}
