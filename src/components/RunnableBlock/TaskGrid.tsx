import { memo, type ReactNode } from 'react';
import clsx from 'clsx';
import type { AirflowRunState } from '@site/server/protocol';
import { stateCounts, stateKey, stateLook, taskDuration, type AirflowTask } from './airflow';
import StateChip from './StateChip';
import styles from './TaskGrid.module.css';

interface Props {
  /** The latest state of each DAG run, as `state` messages brought them. */
  readonly runs: readonly AirflowRunState[];
}

function RunHeader({ run }: { readonly run: AirflowRunState }): ReactNode {
  const counts = stateCounts(run.tasks);
  return (
    <div className={styles.run} data-run-id={run.runId} data-run-state={run.state}>
      <span className={styles.dag}>{run.dagId}</span>
      <span className={styles.runId} title={run.logicalDate ? `logical date ${run.logicalDate}` : undefined}>
        {run.runId}
      </span>
      <StateChip state={run.state} className={styles.runChip} />
      {counts.length > 0 ? (
        <span className={styles.counts}>
          {counts.map(([state, n]) => `${n} ${stateLook(state).label}`).join(' · ')}
        </span>
      ) : null}
    </div>
  );
}

/** `transform [2]` for map index 2 of a dynamically mapped task; the task id alone otherwise. */
const taskLabel = (task: AirflowTask): string => (task.mapIndex !== undefined && task.mapIndex >= 0 ? `${task.taskId} [${task.mapIndex}]` : task.taskId);

function TaskRow({ task, run, multi }: { readonly task: AirflowTask; readonly run: AirflowRunState; readonly multi: boolean }): ReactNode {
  const look = stateLook(task.state);
  const duration = taskDuration(task);
  const label = taskLabel(task);
  return (
    <div
      role="row"
      className={clsx(styles.task, styles[`tone_${look.tone}`])}
      data-task-id={task.taskId}
      data-map-index={task.mapIndex ?? -1}
      data-state={stateKey(task.state)}
      data-run-id={run.runId}
    >
      <span role="cell" className={styles.taskId} title={multi ? `${label} · ${run.runId}` : label}>
        {label}
      </span>
      <span role="cell" className={styles.taskState}>
        <span aria-hidden="true" className={styles.icon}>
          {look.icon}
        </span>
        {look.label}
      </span>
      <span role="cell" className={clsx(styles.meta, styles.tryCell)}>
        {task.tryNumber > 0 ? `try ${task.tryNumber}` : ''}
      </span>
      <span role="cell" className={clsx(styles.meta, styles.durationCell)}>
        {duration ?? ''}
      </span>
      {multi ? (
        <span role="cell" className={styles.taskRun}>
          {run.runId}
        </span>
      ) : null}
    </div>
  );
}

/**
 * The followed DAG runs at a glance: one line per run (its state and task counts), then one tile per
 * task instance. Each state has its own colour, icon and words, so it reads without colour, in both
 * themes and on a phone. A table to assistive technology: rows carry `data-task-id` and `data-state`.
 */
function TaskGrid({ runs }: Props): ReactNode {
  if (runs.length === 0) return null;
  const multi = runs.length > 1;
  return (
    <div className={styles.grid}>
      {runs.map((run) => (
        <RunHeader key={`${run.dagId}/${run.runId}`} run={run} />
      ))}
      <div role="table" aria-label="Task instances" className={styles.table}>
        <div role="rowgroup" className={styles.srOnly}>
          <div role="row">
            <span role="columnheader">Task</span>
            <span role="columnheader">State</span>
            <span role="columnheader">Try</span>
            <span role="columnheader">Duration</span>
            {multi ? <span role="columnheader">Run</span> : null}
          </div>
        </div>
        <div role="rowgroup" className={styles.tiles}>
          {runs.flatMap((run) => run.tasks.map((task) => <TaskRow key={`${run.runId}/${task.taskId}/${task.mapIndex ?? -1}`} task={task} run={run} multi={multi} />))}
        </div>
      </div>
    </div>
  );
}

export default memo(TaskGrid);
