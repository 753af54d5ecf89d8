/**
 * Approver-role membership (issue 12 item 4): a step names an approver role (implementation-manager,
 * data-engineering-on-call …); only the users and groups the configuration lists under `approvals.roles.<role>`
 * may decide its requests. The generic Opsbook `approver` role lets someone see the inbox, never decide
 * for a role they are not a member of. The same rule for every auth mode: users compare canonically, groups
 * as the identity provider sent them.
 */
import type { ApproverRoleConfig, OpsbookConfig } from '../config';
import { DEMO_APPROVER_ROLES, DEMO_USERS } from '../auth/demo';
import { canonicalUser, type Identity } from '../identity';
import type { UserRef } from '../api';

/** The role table in force: the configured one, or in demo mode without one, the demo identities' table. */
export function approverRoles(config: OpsbookConfig): Readonly<Record<string, ApproverRoleConfig>> {
  if (config.auth.mode === 'demo' && Object.keys(config.approvals.roles).length === 0) return DEMO_APPROVER_ROLES;
  return config.approvals.roles;
}

export function isMember(config: OpsbookConfig, role: string, identity: Pick<Identity, 'user' | 'groups'>): boolean {
  const roles = approverRoles(config);
  const r = Object.hasOwn(roles, role) ? roles[role] : undefined;
  if (!r) return false;
  const user = canonicalUser(identity.user);
  if (r.users.some((u) => canonicalUser(u) === user)) return true;
  const groups = identity.groups ?? [];
  return r.groups.some((g) => groups.includes(g));
}

/** Every approver role this identity may decide for: what makes someone an approver, more than the `approver` role. */
export function memberRoles(config: OpsbookConfig, identity: Pick<Identity, 'user' | 'groups'>): string[] {
  return Object.keys(approverRoles(config)).filter((role) => isMember(config, role, identity)).sort();
}

/** What the page shows as "who can decide": the named users, the groups, and (demo) the demo people in them. */
export interface RoleDeciders {
  readonly role: string;
  readonly users: readonly UserRef[];
  readonly groups: readonly string[];
  /** True when nobody can decide: the role is not in the configuration. */
  readonly unconfigured: boolean;
}

export function decidersOf(config: OpsbookConfig, role: string): RoleDeciders {
  const roles = approverRoles(config);
  const r = Object.hasOwn(roles, role) ? roles[role] : undefined;
  if (!r) return { role, users: [], groups: [], unconfigured: true };
  const named = r.users.map((u) => ({ user: canonicalUser(u), displayName: u }));
  // Demo identities are known people: list the ones whose groups make them members, by name.
  const demo = config.auth.mode === 'demo' ? DEMO_USERS.filter((d) => !named.some((n) => n.user === d.user) && isMember(config, role, d)).map((d) => ({ user: d.user, displayName: d.displayName })) : [];
  return { role, users: [...named, ...demo], groups: config.auth.mode === 'demo' ? [] : [...r.groups], unconfigured: false };
}

/** Approvals a request needs: the environment's `requiredApprovals` for writes, one otherwise. */
export function requiredApprovals(config: OpsbookConfig, env: string, mode: 'read' | 'write'): number {
  const e = Object.hasOwn(config.environments, env) ? config.environments[env] : undefined;
  return mode === 'write' ? (e?.requiredApprovals ?? 1) : 1;
}
