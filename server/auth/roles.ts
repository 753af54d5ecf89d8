import type { RoleName } from '../api';

/** Opsbook roles for a set of groups, through the configured map; unknown groups grant nothing. */
export function rolesFor(groups: readonly string[], roleMap: Readonly<Record<string, readonly RoleName[]>>): RoleName[] {
  const roles = new Set<RoleName>();
  for (const g of groups) for (const r of roleMap[g] ?? []) roles.add(r);
  return [...roles].sort();
}
