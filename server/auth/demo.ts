/**
 * Demo identities for training and tests: an operator, two approvers (the implementation manager and the
 * engineer on call) and an admin. The chosen one lives in a cookie; config refuses demo mode whenever an
 * environment is production, so this can never guard real data.
 */
import type { Identity } from '../identity';
import { cookieValue, type Authenticator } from './types';

export const DEMO_USER_COOKIE = 'opsbook_demo_user';

export const DEMO_USERS: readonly Identity[] = Object.freeze([
  { user: 'dana.operator', displayName: 'Dana Operator', roles: ['service-team'] },
  { user: 'imani.manager', displayName: 'Imani Manager', roles: ['approver'] },
  { user: 'oskar.oncall', displayName: 'Oskar On-call', roles: ['approver', 'service-team'] },
  { user: 'alex.admin', displayName: 'Alex Admin', roles: ['admin'] },
]);

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
