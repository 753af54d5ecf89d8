/**
 * Task log lines as Airflow writes them: the header every try starts with, the operator's lines, and the
 * footer that marks the outcome. Tries read from the job history get the same lines, written on demand.
 */
import type { DagRun, LogLine, TaskInstance, Try } from './model';

const HOST = 'opsbook-sandbox-worker-1';

export function line(timestamp: string, event: string, level = 'INFO'): LogLine {
  return { timestamp, level, event };
}

export function headerLines(at: string, run: DagRun, ti: TaskInstance, tryNumber: number, operator: string): LogLine[] {
  const ref = `<TaskInstance: ${run.dagId}.${ti.taskId} ${run.runId} [running]>`;
  return [
    line(at, `Dependencies all met for dep_context=non-requeueable deps ti=${ref}`),
    line(at, `Starting attempt ${tryNumber} of ${ti.maxTries + 1}`),
    line(at, `Executing <Task(${operator}): ${ti.taskId}> on ${run.logicalDate ?? run.runAfter}`),
    line(at, `Running on host ${HOST}; business date ${run.businessDate}`),
  ];
}

export function outcomeLines(at: string, run: DagRun, taskId: string, state: 'success' | 'up_for_retry' | 'failed', startedAt: string): LogLine[] {
  const mark = state === 'success' ? 'SUCCESS' : state === 'up_for_retry' ? 'UP_FOR_RETRY' : 'FAILED';
  const stamp = (iso: string) => iso.replace(/[-:]/g, '').replace(/\.\d+Z$/, '').replace('Z', '');
  return [
    line(at, `Marking task as ${mark}. dag_id=${run.dagId}, task_id=${taskId}, run_id=${run.runId}, start_date=${stamp(startedAt)}, end_date=${stamp(at)}`, state === 'success' ? 'INFO' : 'ERROR'),
    line(at, `Task exited with return code ${state === 'success' ? 0 : 1}`),
  ];
}

/** The log of a try read from the warehouse's job history. */
export function historyLog(run: DagRun, ti: TaskInstance, t: Try): LogLine[] {
  const start = t.startDate ?? run.startDate ?? run.runAfter;
  const end = t.endDate ?? start;
  const lines = headerLines(start, run, ti, t.tryNumber, 'SQLExecuteQueryOperator');
  lines.push(line(start, `(From the job history in ops.job_runs: this try ran before the sandbox started; its statements are not replayed.)`));
  if (t.state === 'failed') {
    lines.push(line(end, 'Task failed with exception', 'ERROR'));
    lines.push(line(end, historyError(run.dagId, ti.taskId), 'ERROR'));
    lines.push(...outcomeLines(end, run, ti.taskId, t.tryNumber <= ti.maxTries && t.tryNumber < ti.tryNumber ? 'up_for_retry' : 'failed', start));
  } else {
    lines.push(...outcomeLines(end, run, ti.taskId, 'success', start));
  }
  return lines;
}

/** The error a seeded failed try had, as the seed's own logs of those layers record it. */
function historyError(dagId: string, taskId: string): string {
  if (dagId === 'cdm_aggregate_refresh') return 'OperationalError: Snowflake warehouse suspended during refresh; retried';
  if (dagId === 'cdm_audience_resolution') return 'OperationalError: Lock timeout on audience.audience_map; retried';
  if (taskId.startsWith('check_') || taskId.startsWith('audit_') || taskId.startsWith('dbt_test')) return `AirflowException: ${taskId} found a mismatch on the first check; the retry passed once the late rows had landed`;
  return 'OperationalError: connection to the warehouse was reset during the statement (timeout after 300 s); the task will be retried';
}
