/**
 * What an approver sees for an escalation step's Airflow snippet (ApprovalPreview `kind: airflow`): for a
 * clear, the dry run's task instances; for anything else, a sentence saying what the command will do.
 * approvals.ts can call this where it previews SQL today.
 */
import { resolveAirflowCommand, type AirflowCommand } from '../../../../plugins/remark-runbook/syntax/airflowCommand';
import type { BoundValue } from '../../../../plugins/remark-runbook/syntax/params';
import type { ApprovalPreview } from '../../../api';
import type { AirflowClient } from '../types';

export async function previewAirflowSnippet(client: AirflowClient, text: string, binds: Readonly<Record<string, BoundValue>>, signal?: AbortSignal): Promise<ApprovalPreview> {
  const resolved = resolveAirflowCommand(text, binds);
  if (!resolved.ok) return { kind: 'none', note: `No preview: ${resolved.message}` };
  const c = resolved.command;
  if (c.name !== 'tasks clear') return { kind: 'airflow', command: c.name, taskInstances: [], note: describe(c) };
  try {
    const pattern = new RegExp(c.taskRegex);
    const taskIds = (await client.listTaskIds(c.dagId, signal)).filter((t) => pattern.test(t));
    if (taskIds.length === 0) return { kind: 'airflow', command: c.name, taskInstances: [], note: `No task of ${c.dagId} matches /${c.taskRegex}/: the clear would fail.` };
    const refs = await client.clearTaskInstances(c.dagId, { taskIds, startDate: c.startDate, endDate: c.endDate, onlyFailed: c.onlyFailed, includeDownstream: c.downstream, includeUpstream: c.upstream, dryRun: true }, signal);
    return {
      kind: 'airflow', command: c.name, taskInstances: refs.map((r) => ({ dagId: r.dagId, runId: r.runId, taskId: r.taskId, state: r.state, ...(r.mapIndex !== null && r.mapIndex >= 0 ? { mapIndex: r.mapIndex } : {}) })),
      note: `A dry run at request time: ${refs.length} task instance${refs.length === 1 ? '' : 's'} would be cleared. The list may change before the approved clear runs.`,
    };
  } catch (error) {
    return { kind: 'none', note: `No preview: ${(error as Error).message}` };
  }
}

function describe(c: Exclude<AirflowCommand, { name: 'tasks clear' }>): string {
  switch (c.name) {
    case 'dags trigger':
      return `Starts a new run of ${c.dagId}${c.logicalDate ? ` at logical date ${c.logicalDate}` : ''}${c.conf && Object.keys(c.conf).length ? ` with conf ${JSON.stringify(c.conf)}` : ''}.`;
    case 'dags pause':
      return `Pauses ${c.dagId}: the scheduler starts no new runs until it is unpaused.`;
    case 'dags unpause':
      return `Unpauses ${c.dagId}: the scheduler starts its runs again, including any it missed.`;
    case 'variables set':
      return `Sets Airflow variable ${c.key} (the value is in the parameters).`;
    case 'dags backfill':
      return `Backfills ${c.dagId} from ${c.startDate.slice(0, 10)} to ${c.endDate.slice(0, 10)}: missing and failed days run again.`;
    default:
      return 'A read: nothing changes.';
  }
}
