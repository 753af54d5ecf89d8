/**
 * Demo identities for training and tests: an operator, two approvers of different approver roles (the
 * implementation manager and the data engineer on call) and an admin. The chosen one lives in a cookie; config refuses demo mode whenever an
 * environment is production, so this can never guard real data.
 */
import type { ApproverRoleConfig } from '../config';
import type { Identity } from '../identity';
import { cookieValue, type Authenticator } from './types';

export const DEMO_USER_COOKIE = 'opsbook_demo_user';

export const DEMO_USERS: readonly Identity[] = Object.freeze([
  { user: 'dana.operator', displayName: 'Dana Operator', roles: ['service-team'] },
  { user: 'imani.manager', displayName: 'Imani Manager', roles: ['approver'], groups: ['implementation-managers'] },
  { user: 'oskar.oncall', displayName: 'Oskar On-call', roles: ['approver', 'service-team'], groups: ['data-eng-oncall'] },
  { user: 'alex.admin', displayName: 'Alex Admin', roles: ['admin'] },
]);

/**
 * Who decides what in demo mode when the configuration names no approver roles: the implementation manager's
 * group holds the business-facing roles, the on-call group the engineering ones. So the demo shows a refusal:
 * Imani cannot approve a pipeline fix that is the on-call engineer's call, nor Oskar a canonical backfill.
 */
const group = (g: string): ApproverRoleConfig => ({ users: [], groups: [g], channels: [] });
export const DEMO_APPROVER_ROLES: Readonly<Record<string, ApproverRoleConfig>> = Object.freeze({
  'implementation-manager': group('implementation-managers'),
  'metadata-architect': group('implementation-managers'),
  'analytics-lead': group('implementation-managers'),
  'data-engineering-on-call': group('data-eng-oncall'),
  'pipeline-owner': group('data-eng-oncall'),
  'services-team': group('data-eng-oncall'),
});

export function demoAuthenticator(): Authenticator {
  return {
    mode: 'demo',
    demoUsers: DEMO_USERS,
    async authenticate(req) {
      const chosen = cookieValue(req, DEMO_USER_COOKIE);
      return DEMO_USERS.find((u) => u.user === chosen) ?? DEMO_USERS[0]!;
    },
  };
}
