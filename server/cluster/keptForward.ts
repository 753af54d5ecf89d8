/**
 * A kept-result read forwarded to the instance that keeps the result (issue 14). The instance the page's
 * request reached has already authenticated the user and decided, from the shared directory, that the
 * result is theirs and not expired; it records the read in the audit once the owner answers. The owner's
 * internal route (/internal/results/…) trusts only a request signed with the cluster's shared secret for
 * that run, that user and that kind of read, for a minute — so the route cannot be used to read someone
 * else's result even though the load balancer passes it through.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Response } from 'express';
import { HttpError } from '../http/errors';
import type { KeptLocation } from './keptDirectory';

export type KeptReadKind = 'page' | 'csv';

export const FORWARD_TOKEN_HEADER = 'x-opsbook-forward';
export const FORWARD_USER_HEADER = 'x-opsbook-forward-user';
const TOKEN_TTL_MS = 60_000;
/** How long the owner may take to start answering; an export then streams as long as it takes. */
const ANSWER_WITHIN_MS = 15_000;

export const OWNER_STOPPED =
  'The Opsbook server that kept this result has stopped, and the result went with it. Run the block again to get a fresh result.';

/** The forwarding key, derived from the cluster's shared secret (server.csrfSecret) so it is never the secret itself. */
export const forwardKey = (sharedSecret: string): Buffer => createHmac('sha256', sharedSecret).update('opsbook kept-result forwarding').digest();

const mac = (key: Buffer, kind: KeptReadKind, runId: string, user: string, until: number) =>
  createHmac('sha256', key).update(`${kind}\n${runId}\n${user}\n${until}`).digest('base64url');

export function signForward(key: Buffer, kind: KeptReadKind, runId: string, user: string, now: number): string {
  const until = now + TOKEN_TTL_MS;
  return `${until}.${mac(key, kind, runId, user, until)}`;
}

/** The user a forwarded read is for, or null when the token is not good for this run and kind now. */
export function verifyForward(key: Buffer, kind: KeptReadKind, runId: string, token: string | undefined, encodedUser: string | undefined, now: number): string | null {
  if (!token || !encodedUser) return null;
  const [untilText, sent] = token.split('.');
  const until = Number(untilText);
  if (!sent || !Number.isFinite(until) || until < now) return null;
  let user: string;
  try {
    user = decodeURIComponent(encodedUser);
  } catch {
    return null;
  }
  const expected = Buffer.from(mac(key, kind, runId, user, until));
  const given = Buffer.from(sent);
  return given.length === expected.length && timingSafeEqual(given, expected) ? user : null;
}

/**
 * Forwards the read to `where` and streams its answer to `res`. `onAnswered` runs once the owner answered
 * 200 and before any of the body is sent (the audit record). An owner that does not answer, or no longer
 * holds the result (it restarted: results do not outlive their process), is a 410 that says so.
 */
export async function forwardKeptRead(o: {
  readonly where: KeptLocation;
  readonly kind: KeptReadKind;
  readonly user: string;
  /** The request's query string, with its `?`, or empty. */
  readonly search: string;
  readonly key: Buffer;
  readonly res: Response;
  readonly now: number;
  readonly onAnswered: () => Promise<unknown>;
}): Promise<void> {
  const url = `${o.where.address.replace(/\/$/, '')}/internal/results/${encodeURIComponent(o.where.runId)}${o.kind === 'csv' ? '/csv' : ''}${o.search}`;
  const answer = new AbortController();
  const slow = setTimeout(() => answer.abort(), ANSWER_WITHIN_MS);
  let upstream: globalThis.Response;
  try {
    upstream = await fetch(url, {
      headers: { [FORWARD_TOKEN_HEADER]: signForward(o.key, o.kind, o.where.runId, o.user, o.now), [FORWARD_USER_HEADER]: encodeURIComponent(o.user) },
      signal: answer.signal,
    });
  } catch {
    throw new HttpError(410, 'result_gone', OWNER_STOPPED);
  } finally {
    clearTimeout(slow);
  }
  if (upstream.status === 404) {
    await upstream.body?.cancel();
    throw new HttpError(410, 'result_gone', OWNER_STOPPED);
  }
  if (upstream.status !== 200) {
    // The owner's own refusal (expired, a bad query, …): passed on as it said it.
    o.res.status(upstream.status).type('application/json').send(await upstream.text());
    return;
  }
  await o.onAnswered();
  for (const header of ['content-type', 'content-disposition']) {
    const value = upstream.headers.get(header);
    if (value) o.res.setHeader(header, value);
  }
  o.res.status(200);
  if (!upstream.body) return void o.res.end();
  // Backpressure end to end: a slow download slows the owner's export, not this instance's memory.
  await pipeline(Readable.fromWeb(upstream.body as WebReadableStream<Uint8Array>), o.res);
}
