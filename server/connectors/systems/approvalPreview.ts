/**
 * What an approver sees for a system's write before deciding: the command with the requested values in
 * place, in the vendor's words. Nothing is sent to the system to make it (a dry run of a page or a job
 * run would itself be an action); the run shows its full preview to the operator before it acts.
 */
import type { BoundValue } from '../../../plugins/remark-runbook/syntax/params';
import { TEMPLATE } from '../../../plugins/remark-runbook/syntax/systems/grammar';
import { resolveCommand } from '../../../plugins/remark-runbook/syntax/systems/grammar';
import type { ApprovalPreview } from '../../api';
import { systemForLang } from './registry';

export function systemApprovalPreview(lang: string, text: string, binds: Readonly<Record<string, BoundValue>>): ApprovalPreview {
  const system = systemForLang(lang);
  if (!system) return { kind: 'none', note: `No preview for ${lang} blocks.` };
  const resolved = resolveCommand(system.grammar, text, binds);
  if (!resolved.ok) return { kind: 'none', note: `No preview: ${resolved.message}` };
  const command = text.replace(/\\\r?\n\s*/g, ' ').trim().replace(TEMPLATE, (_, n: string) => String(binds[n]?.value ?? `{{${n}}}`));
  return { kind: 'none', note: `Approving lets the requester run, on ${system.grammar.label}: ${command}` };
}
