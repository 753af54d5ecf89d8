/** Who is asking: established once per request or socket upgrade by the configured auth mode. */
import type { RoleName } from './api';

export interface Identity {
  readonly user: string;
  readonly displayName: string;
  readonly roles: readonly RoleName[];
}

/** The fixed operator the in-process tests and benchmarks use when they do not exercise auth. */
export const DEMO_OPERATOR: Identity = Object.freeze({
  user: 'dana.operator',
  displayName: 'Dana Operator',
  roles: Object.freeze(['service-team'] as const),
});
