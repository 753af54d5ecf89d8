/**
 * Who may run what, where (DESIGN.md §7), decided on the server from the manifest entry and the
 * identity, whatever the page shows. Approvals are checked by the runner after this (they need the
 * resolved parameters); this decides whether one is needed.
 */
import type { ManifestSnippet } from '../../plugins/remark-runbook/types';
import { sqlVerdict } from '../../plugins/remark-runbook/syntax/sqlKind';
import type { EnvironmentConfig } from '../config';
import type { Identity } from '../identity';
import type { ErrorCode } from '../protocol';

export type Decision =
  | { readonly ok: true; readonly needsApproval: boolean }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string; readonly hint?: string };

export interface PolicyInput {
  readonly snippet: ManifestSnippet;
  readonly envName: string;
  readonly env: EnvironmentConfig;
  readonly identity: Identity;
  readonly confirm: string | undefined;
}

/** Roles that may execute steps at all; `admin` alone reads the audit log and runs nothing. */
export function mayExecute(identity: Identity): boolean {
  return identity.roles.includes('service-team') || identity.roles.includes('approver');
}

export function decide(input: PolicyInput): Decision {
  const { snippet, envName, env, identity } = input;
  if (!snippet.envs.includes('*') && !snippet.envs.includes(envName)) {
    return { ok: false, code: 'env_not_allowed', message: `This snippet may run only in ${snippet.envs.join(', ')}, not in ${envName}.`, hint: 'Pick an allowed environment in the navbar.' };
  }
  if (!mayExecute(identity)) {
    return { ok: false, code: 'forbidden', message: `${identity.displayName} (${identity.roles.join(', ') || 'no roles'}) may not run steps; they run for the Service Implementation Team and approvers.` };
  }
  // The linter applies the same verdict at build time; refusing here covers a manifest built without it.
  const refusal = snippet.lang === 'sql' ? sqlVerdict(snippet.text, snippet).refusal : null;
  if (refusal) {
    const lead = refusal.reason === 'ddl' ? 'DDL never runs from a service-team step: ' : 'This snippet may not run: ';
    return { ok: false, code: 'forbidden', message: `${lead}${refusal.message.replace(/^It /, 'it ')}`, hint: refusal.hint };
  }
  if (env.production && snippet.mode === 'write' && input.confirm !== envName) {
    return { ok: false, code: 'confirm_required', message: `This writes to the production environment ${envName}; type its name to confirm.` };
  }
  return { ok: true, needsApproval: snippet.role === 'escalation' };
}
