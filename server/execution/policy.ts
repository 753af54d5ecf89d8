/**
 * Who may run what, where (DESIGN.md §7). Decided here on the server from the manifest entry and the
 * identity, whatever the page shows.
 */
import type { ManifestSnippet } from '../../plugins/remark-runbook/types';
import { classifySql } from '../../plugins/remark-runbook/syntax/sqlKind';
import type { EnvironmentConfig } from '../config';
import type { Identity } from '../identity';
import type { ErrorCode } from '../protocol';

export type Decision = { readonly ok: true } | { readonly ok: false; readonly code: ErrorCode; readonly message: string; readonly hint?: string };

export interface PolicyInput {
  readonly snippet: ManifestSnippet;
  readonly envName: string;
  readonly env: EnvironmentConfig;
  readonly identity: Identity;
  readonly confirm: string | undefined;
  readonly approval: string | undefined;
}

export function decide(input: PolicyInput): Decision {
  const { snippet, envName, env, identity } = input;
  if (!snippet.envs.includes('*') && !snippet.envs.includes(envName)) {
    return { ok: false, code: 'env_not_allowed', message: `This snippet may run only in ${snippet.envs.join(', ')}, not in ${envName}.`, hint: 'Pick an allowed environment in the navbar.' };
  }
  if (snippet.role === 'escalation') {
    return {
      ok: false,
      code: 'approval_required',
      message: `This is an escalation step: it runs only with an approval from ${snippet.approver ?? 'an approver'}.`,
      hint: 'Escalate as the runbook says; the approver decides before anything runs.',
    };
  }
  if (!identity.roles.includes('service-team') && !identity.roles.includes('approver')) {
    return { ok: false, code: 'forbidden', message: `${identity.user} is not in the Service Implementation Team or an approver; service-team steps run only for them.` };
  }
  if (snippet.lang === 'sql' && classifySql(snippet.text).ddl.length > 0) {
    return { ok: false, code: 'forbidden', message: 'DDL never runs from a service-team step.', hint: 'Schema changes go through the setup DAGs or an escalation.' };
  }
  if (env.production && snippet.mode === 'write' && input.confirm !== envName) {
    return { ok: false, code: 'confirm_required', message: `This writes to the production environment ${envName}; type its name to confirm.` };
  }
  return { ok: true };
}
