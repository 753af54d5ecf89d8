/**
 * Answering an Airflow 3.1+ required action (a human-in-the-loop task) from the page, governed like an
 * approval: the answer is given through the block that follows the run (manifest snippet, its hash, the
 * environment and its policy), the chosen options must be the task's own, and on an escalation step only
 * an approver who did not start the run may answer (the person who triggered it cannot approve it). Every
 * attempt, allowed or refused, is an audit record (kind approval_decision) written before the answer.
 */
import type { OpsbookConfig } from '../config';
import type { AirflowConnections } from '../connectors/airflow/connections';
import type { RunStarters } from '../connectors/airflow/execute/runStarters';
import type { RequiredAction } from '../connectors/airflow/types';
import { ConnectorError } from '../connectors/types';
import type { Identity } from '../identity';
import type { AuditEntry, AuditSink } from './audit';
import { ApprovalError } from './approvals';
import type { ManifestStore } from './manifestStore';
import { decide } from './policy';

export interface RequiredActionAnswer {
  readonly snippet: string;
  readonly sha256: string;
  readonly env: string;
  /** The production environment's name, typed to confirm, as for any write there. */
  readonly confirm?: string;
  readonly dagId: string;
  readonly runId: string;
  readonly taskId: string;
  readonly mapIndex: number;
  readonly chosen: readonly string[];
}

export interface RequiredActionDeps {
  readonly config: OpsbookConfig;
  readonly manifest: ManifestStore;
  readonly audit: AuditSink;
  readonly airflow: () => AirflowConnections | null;
  readonly starters: RunStarters;
}

export function createRequiredActionService(deps: RequiredActionDeps) {
  async function answer(identity: Identity, req: RequiredActionAnswer): Promise<RequiredAction> {
    const snippets = deps.manifest.current().snippets;
    const snippet = Object.hasOwn(snippets, req.snippet) ? snippets[req.snippet] : undefined;
    if (!snippet || snippet.lang !== 'airflow') throw new ApprovalError(404, 'unknown_snippet', `No Airflow snippet "${req.snippet}" in the manifest this server runs.`);
    if (snippet.sha256 !== req.sha256) throw new ApprovalError(409, 'stale_snippet', 'The page shows an older version of this snippet; reload the page.');
    const env = Object.hasOwn(deps.config.environments, req.env) ? deps.config.environments[req.env] : undefined;
    if (!env) throw new ApprovalError(400, 'unknown_env', `There is no environment "${req.env}".`);
    // An answer lets the DAG run go on: it is a write of this step, whatever the block's own command.
    const policy = decide({ snippet: { ...snippet, mode: 'write' }, envName: req.env, env, identity, confirm: req.confirm });
    if (!policy.ok) throw new ApprovalError(403, policy.code, policy.message);
    if (snippet.role === 'escalation') {
      if (!identity.roles.includes('approver')) throw new ApprovalError(403, 'forbidden', 'This is an escalation step: only an approver answers its required actions.');
      const starter = deps.starters.startedBy({ env: req.env, target: snippet.target, dagId: req.dagId, runId: req.runId });
      if (!starter) {
        throw new ApprovalError(403, 'forbidden', `Opsbook cannot tell who started run ${req.runId}, so it cannot keep its starter from approving it; answer it in Airflow, where its own permissions apply.`);
      }
      if (starter === identity.user) throw new ApprovalError(403, 'forbidden', 'You started this run: on an escalation step another approver must answer its required action.');
    }
    const connections = deps.airflow();
    if (!connections) throw new ApprovalError(503, 'unavailable', 'This server has no Airflow connections.');
    const { client } = connections.get(req.env, snippet.target);
    const action = (await client.listRequiredActions(req.dagId, req.runId)).find((a) => a.taskId === req.taskId && a.mapIndex === req.mapIndex);
    if (!action) throw new ApprovalError(404, 'not_found', `Run ${req.runId} of ${req.dagId} has no required action for task ${req.taskId}${req.mapIndex >= 0 ? `[${req.mapIndex}]` : ''}.`);
    if (action.chosen !== null) throw new ApprovalError(409, 'approval_invalid', `It was already answered (${action.chosen.join(', ')}${action.answeredBy ? ` by ${action.answeredBy}` : ''}).`);
    const unknown = req.chosen.filter((c) => !action.options.includes(c));
    if (req.chosen.length === 0 || unknown.length > 0) throw new ApprovalError(400, 'bad_request', `Choose among ${action.options.join(', ')}${unknown.length ? `; ${unknown.join(', ')} is not one of them` : ''}.`);
    if (!action.multiple && req.chosen.length > 1) throw new ApprovalError(400, 'bad_request', 'Choose one option: this task takes a single answer.');
    try {
      return await client.answerRequiredAction(action, req.chosen);
    } catch (error) {
      if (error instanceof ConnectorError) throw new ApprovalError(error.code === 'forbidden' ? 403 : 502, 'connector_error', `${error.message}${error.hint ? ` ${error.hint}` : ''}`);
      throw error;
    }
  }

  const record = (identity: Identity, req: RequiredActionAnswer, status: 'approved' | 'rejected', errorCode: string | null, detail: string): AuditEntry => ({
    kind: 'approval_decision', user: identity.user, roles: identity.roles, snippet: req.snippet, sha256: req.sha256, runbook: deps.manifest.current().snippets[req.snippet]?.runbook ?? null,
    step: deps.manifest.current().snippets[req.snippet]?.step ?? null, env: req.env,
    params: { dag_id: req.dagId, run_id: req.runId, task_id: req.taskId, map_index: req.mapIndex, chosen: req.chosen.join(', ') },
    approval: null, runId: null, startedAt: null, endedAt: null, status, rowCount: null, check: null, errorCode: errorCode as AuditEntry['errorCode'], detail: detail.slice(0, 500),
  });

  return {
    async answer(identity: Identity, req: RequiredActionAnswer): Promise<RequiredAction> {
      const what = `required action ${req.taskId}${req.mapIndex >= 0 ? `[${req.mapIndex}]` : ''} of ${req.dagId} run ${req.runId}`;
      try {
        const done = await answer(identity, req);
        await deps.audit.record(record(identity, req, 'approved', null, `answered ${what}: ${req.chosen.join(', ')}`));
        return done;
      } catch (error) {
        const e = error instanceof ApprovalError ? error : new ApprovalError(502, 'connector_error', (error as Error).message);
        await deps.audit.record(record(identity, req, 'rejected', e.code, `answer to ${what} refused: ${e.message}`));
        throw e;
      }
    },
  };
}

export type RequiredActionService = ReturnType<typeof createRequiredActionService>;
