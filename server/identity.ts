/** Who is asking: established once per request or socket upgrade by the configured auth mode. */
import type { RoleName } from './api';

export interface Identity {
  /** Canonical (see canonicalUser): what approvals, audit and per-user limits compare. */
  readonly user: string;
  /** As the identity provider spelled it, for people to read. */
  readonly displayName: string;
  readonly roles: readonly RoleName[];
  /**
   * The groups the identity provider asserted (proxy header, OIDC claim, demo identity), as sent: approver
   * roles (config `approvals.roles`) name groups as well as users.
   */
  readonly groups?: readonly string[];
  /** When the credential behind this identity stops being valid (epoch ms); OIDC tokens only. */
  readonly expiresAt?: number;
}

/**
 * The one spelling of a user name: trimmed, Unicode NFC, lower-case. Applied once where an identity is
 * established, so `OSKAR` and `oskar` are the same person to the four-eyes rule, the audit and the limits.
 */
export function canonicalUser(name: string): string {
  return name.trim().normalize('NFC').toLowerCase();
}

/** The fixed operator the in-process tests and benchmarks use when they do not exercise auth. */
export const DEMO_OPERATOR: Identity = Object.freeze({
  user: 'dana.operator',
  displayName: 'Dana Operator',
  roles: Object.freeze(['service-team'] as const),
});
