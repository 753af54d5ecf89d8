/** A valid Approval with overrides, for the approvals store and matching tests. */
import type { Approval } from '@site/server/api';

const HOUR = 3_600_000;

export function approval(overrides: Partial<Approval> = {}): Approval {
  const requestedAt = overrides.requestedAt ?? new Date(Date.UTC(2026, 10, 23, 9, 0)).toISOString();
  return {
    id: 'ap-1',
    snippet: 'rb/fix-keys',
    sha256: 'a'.repeat(64),
    runbook: 'rb',
    step: 'fix',
    title: 'Delete duplicate keys',
    approverRole: 'implementation-manager',
    env: 'demo',
    params: { business_date: '2026-11-23', days: 7 },
    text: 'delete from t where d = :business_date',
    reason: 'duplicates after a double load',
    requestedBy: { user: 'dana', displayName: 'Dana Operator' },
    requestedAt,
    expiresAt: new Date(Date.parse(requestedAt) + HOUR).toISOString(),
    status: 'pending',
    decidedBy: null,
    decidedAt: null,
    comment: null,
    usedAt: null,
    preview: { kind: 'sql', plan: 'DELETE', affectedRows: 3, note: null },
    ...overrides,
  };
}
