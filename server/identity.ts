/**
 * Who is asking. Issue #5 brings demo/proxy/oidc identities; until then every request is the fixed demo
 * operator, a member of the Service Implementation Team.
 */
export interface Identity {
  readonly user: string;
  readonly displayName: string;
  readonly roles: readonly ('service-team' | 'approver' | 'admin')[];
}

export const DEMO_OPERATOR: Identity = Object.freeze({
  user: 'dana.operator',
  displayName: 'Dana Operator (demo)',
  roles: Object.freeze(['service-team'] as const),
});
