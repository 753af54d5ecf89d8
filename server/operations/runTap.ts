/**
 * What the runner needs to record a run into an operation (issue 12): whether the operation named by the
 * run message may take it, and the record once the run ended. The tap sits between the runner and the
 * socket and keeps what the page was shown — the columns, the first rows, the last Airflow state — so the
 * operation keeps the proof of work even when the page closed before the run ended.
 */
import type { Identity } from '../identity';
import type { AirflowRunState, Cell, DoneMessage, ServerMessage } from '../protocol';
import type { RunChannel } from '../execution/runner';
import type { OperationRunData } from './types';

export interface RunOperations {
  /** The operation id when it exists and is not closed; null means the run is not linked. */
  linkable(id: string | undefined): Promise<string | null>;
  /** Never throws: a failed record is logged, the run's outcome stands. */
  recordRun(id: string, identity: Identity, run: OperationRunData): Promise<void>;
}

/** The rows an operation keeps of each run: enough to show what was seen, not a copy of the result. */
export const SAMPLE_ROWS = 20;

export interface RunTap {
  readonly channel: RunChannel;
  /** The run's record, from its `done` and what passed through the channel. */
  record(base: { readonly snippet: string; readonly sha256: string; readonly runbook: string | null; readonly step: string | null; readonly env: string; readonly params: Readonly<Record<string, unknown>>; readonly approval: string | null; readonly runId: string | null; readonly startedAt: Date; readonly endedAt: Date }, done: DoneMessage): OperationRunData;
}

export function tapRun(inner: RunChannel): RunTap {
  const columns: string[] = [];
  const sample: (readonly Cell[])[] = [];
  let airflow: OperationRunData['airflow'] = null;
  const channel: RunChannel = {
    send(message: ServerMessage) {
      if (message.type === 'columns') columns.push(...message.columns.map((c) => c.name));
      if (message.type === 'state') airflow = airflowOf(message.state);
      inner.send(message);
    },
    rows(batch) {
      for (const row of batch) {
        if (sample.length >= SAMPLE_ROWS) break;
        sample.push(row);
      }
      return inner.rows(batch);
    },
  };
  return {
    channel,
    record(base, done) {
      return {
        runId: base.runId, clientId: done.id, snippet: base.snippet, sha256: base.sha256, runbook: base.runbook, step: base.step, env: base.env,
        params: base.params, status: done.status, rowCount: done.rowCount, truncated: done.truncated, rowsAffected: done.rowsAffected ?? null,
        dryRun: done.dryRun === true, approval: base.approval,
        check: done.check ? { passed: done.check.passed, detail: done.check.detail, ...(done.check.verdict ? { verdict: done.check.verdict } : {}) } : null,
        error: done.error ? { code: done.error.code, message: done.error.message } : null,
        columns: [...columns], sample: [...sample], airflow, startedAt: base.startedAt.toISOString(), endedAt: base.endedAt.toISOString(),
      };
    },
  };
}

/** The `state` payload is typed loosely on the wire; keep only what the timeline shows. */
function airflowOf(state: Readonly<Record<string, unknown>>): OperationRunData['airflow'] {
  const s = state as Partial<AirflowRunState>;
  if (typeof s.dagId !== 'string' || typeof s.runId !== 'string') return null;
  const tasks = Array.isArray(s.tasks) ? s.tasks.map((t) => ({ taskId: String(t.taskId), state: t.state ?? null })) : [];
  return { dagId: s.dagId, runId: s.runId, state: String(s.state ?? ''), tasks };
}
