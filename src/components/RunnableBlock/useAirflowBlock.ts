/**
 * What an `airflow run` block adds to a block: which command it runs, whether its runs are followed
 * (then Cancel only stops following), the DAG runs' overall state for the root's `data-airflow-state`,
 * and the clear's two steps — a dry run that lists the task instances, then the clear once the operator
 * confirms that exact list (DESIGN.md §6.3).
 */
import { useCallback, useMemo, useState } from 'react';
import type { RunnableBlockSpec } from '@site/plugins/remark-runbook/types';
import { airflowCommand, clearStage, followsRuns, overallRunState, type ClearStage } from './airflow';
import type { RunView } from './useRun';

export interface AirflowBlock {
  /** `dags trigger`, `tasks clear`, …; null for SQL blocks. */
  readonly command: string | null;
  /** Trigger or clear: the server follows the DAG runs it starts until they end. */
  readonly follows: boolean;
  /**
   * Run sends a dry run first (a clear's list, a trigger's preview). Escalation steps skip it: a run there spends the approval, and the
   * approval already carries the dry-run list, made when it was requested.
   */
  readonly dryRunFirst: boolean;
  /** A write of a system block (dbt Cloud, paging): previewed, then confirmed, like an Airflow trigger. */
  readonly systemWrite: boolean;
  readonly stage: ClearStage;
  /** The DAG runs' state for `data-airflow-state`, once a `state` message arrived. */
  readonly runState: string | null;
  /** A dry run was sent for these values (the intent key): confirming is offered only while they hold. */
  remember(intentKey: string | null): void;
}

export function useAirflowBlock(spec: RunnableBlockSpec, code: string, view: RunView, intentKey: string | null): AirflowBlock {
  const command = spec.lang === 'airflow' ? airflowCommand(code) : null;
  // A system's write (a dbt Cloud job run, a page) is previewed like a trigger; the server previews it unconfirmed anyway.
  const systemWrite = spec.lang !== 'sql' && spec.lang !== 'airflow' && spec.mode === 'write';
  // Clears and triggers show what they would do before they do it; the server previews an unconfirmed trigger anyway.
  const dryRunFirst = (command === 'tasks clear' || command === 'dags trigger' || systemWrite) && spec.role !== 'escalation';
  const [previewKey, setPreviewKey] = useState<string | null>(null);
  const remember = useCallback((key: string | null) => setPreviewKey(key), []);
  const runState = useMemo(() => overallRunState(view.airflow), [view.airflow]);
  const stage = clearStage({ enabled: dryRunFirst, preview: view.preview, status: view.status, rowCount: view.rowCount, fresh: previewKey !== null && previewKey === intentKey });
  return { command, follows: followsRuns(command) || systemWrite, dryRunFirst, systemWrite, stage, runState, remember };
}
