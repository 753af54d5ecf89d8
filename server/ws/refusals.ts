/**
 * Audit records for what a socket refuses before a run starts (DESIGN.md §7a): `busy` runs, and bad
 * messages — coalesced, so a flood of garbage leaves one record per socket per window with a count
 * instead of filling the audit.
 */
import type { Identity } from '../identity';
import type { ErrorCode, RunMessage } from '../protocol';
import type { AuditEntry } from '../execution/audit';

export function refusedRunEntry(identity: Identity, msg: RunMessage, code: ErrorCode, message: string): AuditEntry {
  const at = new Date().toISOString();
  return {
    kind: 'run', runId: null, user: identity.user, roles: identity.roles, snippet: msg.snippet, sha256: msg.sha256, runbook: null, step: null,
    env: msg.env, params: msg.params, approval: msg.approval ?? null, startedAt: at, endedAt: at, status: 'rejected', rowCount: null, check: null,
    errorCode: code, detail: message.slice(0, 500),
  };
}

function badMessageEntry(identity: Identity, count: number, example: string): AuditEntry {
  const at = new Date().toISOString();
  return {
    kind: 'run', runId: null, user: identity.user, roles: identity.roles, snippet: null, sha256: null, runbook: null, step: null, env: null, params: {},
    approval: null, startedAt: at, endedAt: at, status: 'rejected', rowCount: null, check: null, errorCode: 'bad_message',
    detail: `${count} bad message${count === 1 ? '' : 's'} on one socket${count === 1 ? '' : ' (coalesced)'}; last: ${example}`.slice(0, 500),
  };
}

/**
 * The first bad message of a window is recorded at once (so a single mistake is visible immediately);
 * the rest of that window are counted and recorded as one record when the next window starts or the
 * socket closes (`flush`).
 */
export function badMessageTally(identity: Identity, record: (entry: AuditEntry) => unknown, windowMs = 60_000) {
  let windowStart = Number.NEGATIVE_INFINITY;
  let counted = 0;
  let example = '';
  const flush = () => {
    if (counted > 0) record(badMessageEntry(identity, counted, example));
    counted = 0;
  };
  return {
    hit(message: string, at = Date.now()) {
      if (at - windowStart >= windowMs) {
        flush();
        windowStart = at;
        record(badMessageEntry(identity, 1, message));
        return;
      }
      counted += 1;
      example = message;
    },
    flush,
  };
}
