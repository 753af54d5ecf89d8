/**
 * Response bodies as the official specs define them (v1.yaml for /api/v1, v2-rest-api-generated.yaml
 * for /api/v2): every required field present, enums from the spec, nulls where the spec allows them.
 */
import { createHash } from 'node:crypto';
import type { DagDef, DagRun, TaskDef, TaskInstance } from './model';

const HOST = 'opsbook-sandbox-worker-1';
const FILE = (dagId: string) => `/opt/airflow/dags/${dagId}.py`;

function duration(start: string | null, end: string | null): number | null {
  if (!start || !end) return null;
  return Math.max(0, (new Date(end).getTime() - new Date(start).getTime()) / 1000);
}

/** A stable UUID per DAG for the v2 dag_versions entries. */
function versionId(dagId: string): string {
  const h = createHash('sha1').update(`opsbook-sandbox:${dagId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const fileToken = (dagId: string) => Buffer.from(FILE(dagId)).toString('base64url');

// ------------------------------------------------------------------------------------------------ v2

function dagVersion(def: DagDef) {
  return { id: versionId(def.dagId), version_number: 1, dag_id: def.dagId, bundle_name: 'dags-folder', bundle_version: null, created_at: '2025-01-01T00:00:00Z', dag_display_name: def.dagId, bundle_url: null };
}

export function v2Dag(def: DagDef, paused: boolean) {
  return {
    dag_id: def.dagId, dag_display_name: def.dagId, is_paused: paused, is_stale: false, last_parsed_time: new Date().toISOString(), last_expired: null,
    bundle_name: 'dags-folder', bundle_version: null, relative_fileloc: `${def.dagId}.py`, fileloc: FILE(def.dagId), description: def.description,
    timetable_summary: def.schedule, timetable_description: def.schedule ? `Cron ${def.schedule}` : 'Never, external triggers only',
    tags: def.tags.map((name) => ({ name, dag_id: def.dagId })), max_active_tasks: 16, max_active_runs: 1, max_consecutive_failed_dag_runs: 0,
    has_task_concurrency_limits: false, has_import_errors: false, next_dagrun_logical_date: null, next_dagrun_data_interval_start: null,
    next_dagrun_data_interval_end: null, next_dagrun_run_after: null, owners: [...def.owners], file_token: fileToken(def.dagId),
  };
}

export function v2DagRun(def: DagDef, run: DagRun) {
  return {
    dag_run_id: run.runId, dag_id: run.dagId, logical_date: run.logicalDate, queued_at: run.queuedAt, start_date: run.startDate, end_date: run.endDate,
    duration: duration(run.startDate, run.endDate), data_interval_start: run.logicalDate, data_interval_end: run.logicalDate, run_after: run.runAfter,
    last_scheduling_decision: run.lastSchedulingDecision, run_type: run.runType, state: run.state, triggered_by: run.triggeredBy,
    triggering_user_name: run.triggeredBy === 'rest_api' ? 'opsbook' : null, conf: run.conf, note: null, dag_versions: [dagVersion(def)], bundle_version: null,
    dag_display_name: run.dagId,
  };
}

export function v2TaskInstance(def: DagDef, run: DagRun, ti: TaskInstance) {
  const task = def.tasks.find((t) => t.taskId === ti.taskId);
  return {
    id: versionId(`${run.dagId}/${run.runId}/${ti.taskId}`), task_id: ti.taskId, dag_id: run.dagId, dag_version: dagVersion(def), dag_run_id: run.runId, map_index: -1,
    logical_date: run.logicalDate, run_after: run.runAfter, start_date: ti.startDate, end_date: ti.endDate, duration: duration(ti.startDate, ti.endDate),
    state: ti.state, try_number: ti.tryNumber, max_tries: ti.maxTries, task_display_name: ti.taskId, dag_display_name: run.dagId,
    hostname: ti.startDate ? HOST : null, unixname: ti.startDate ? 'airflow' : null, pool: 'default_pool', pool_slots: 1, queue: 'default',
    priority_weight: 1, operator: task?.operator ?? null, queued_when: ti.queuedWhen, scheduled_when: ti.scheduledWhen, pid: null,
    executor: null, executor_config: '{}', note: null, rendered_map_index: null, rendered_fields: {}, trigger: null, triggerer_job: null,
  };
}

const timeDelta = (seconds: number) => ({ __type: 'TimeDelta', days: 0, seconds, microseconds: 0 });

export function v2Task(def: DagDef, task: TaskDef) {
  return {
    task_id: task.taskId, task_display_name: task.taskId, owner: def.owners[0] ?? 'airflow', start_date: null, end_date: null, trigger_rule: 'all_success',
    depends_on_past: false, wait_for_downstream: false, retries: task.retries, queue: 'default', pool: 'default_pool', pool_slots: 1,
    execution_timeout: null, retry_delay: timeDelta(300), retry_exponential_backoff: false, priority_weight: 1, weight_rule: 'downstream',
    ui_color: '#fff', ui_fgcolor: '#000', template_fields: ['sql'], downstream_task_ids: def.tasks.filter((t) => t.upstream.includes(task.taskId)).map((t) => t.taskId),
    doc_md: null, operator_name: task.operator, params: {}, class_ref: { module_path: 'airflow.providers.common.sql.operators.sql', class_name: task.operator }, is_mapped: false, extra_links: [],
  };
}

// ------------------------------------------------------------------------------------------------ v1


export function v1Dag(def: DagDef, paused: boolean) {
  return {
    dag_id: def.dagId, dag_display_name: def.dagId, root_dag_id: null, is_paused: paused, is_active: true, is_subdag: false,
    last_parsed_time: new Date().toISOString(), last_pickled: null, last_expired: null, scheduler_lock: null, pickle_id: null, default_view: 'grid',
    fileloc: FILE(def.dagId), file_token: fileToken(def.dagId), owners: [...def.owners], description: def.description,
    schedule_interval: def.schedule ? { __type: 'CronExpression', value: def.schedule } : null,
    timetable_description: def.schedule ? `Cron ${def.schedule}` : 'Never, external triggers only', tags: def.tags.map((name) => ({ name })),
    max_active_tasks: 16, max_active_runs: 1, has_task_concurrency_limits: false, has_import_errors: false, next_dagrun: null,
    next_dagrun_data_interval_start: null, next_dagrun_data_interval_end: null, next_dagrun_create_after: null, max_consecutive_failed_dag_runs: 0,
  };
}

export function v1DagRun(run: DagRun) {
  return {
    dag_run_id: run.runId, dag_id: run.dagId, logical_date: run.logicalDate ?? run.runAfter, execution_date: run.logicalDate ?? run.runAfter,
    start_date: run.startDate, end_date: run.endDate, data_interval_start: run.logicalDate, data_interval_end: run.logicalDate,
    last_scheduling_decision: run.lastSchedulingDecision, run_type: run.runType, state: run.state, external_trigger: run.runType === 'manual',
    conf: run.conf, note: null,
  };
}

export function v1TaskInstance(def: DagDef, run: DagRun, ti: TaskInstance) {
  const task = def.tasks.find((t) => t.taskId === ti.taskId);
  return {
    task_id: ti.taskId, task_display_name: ti.taskId, dag_id: run.dagId, dag_run_id: run.runId, execution_date: run.logicalDate ?? run.runAfter,
    start_date: ti.startDate, end_date: ti.endDate, duration: duration(ti.startDate, ti.endDate), state: ti.state, try_number: ti.tryNumber, map_index: -1,
    max_tries: ti.maxTries, hostname: ti.startDate ? HOST : '', unixname: 'airflow', pool: 'default_pool', pool_slots: 1, queue: 'default',
    priority_weight: 1, operator: task?.operator ?? null, queued_when: ti.queuedWhen, pid: null, executor: null, executor_config: '{}', sla_miss: null,
    rendered_map_index: null, rendered_fields: {}, trigger: null, triggerer_job: null, note: null,
  };
}

export function v1Task(def: DagDef, task: TaskDef) {
  return {
    class_ref: { module_path: 'airflow.providers.common.sql.operators.sql', class_name: task.operator }, task_id: task.taskId, task_display_name: task.taskId,
    owner: def.owners[0] ?? 'airflow', start_date: null, end_date: null, trigger_rule: 'all_success', extra_links: [], depends_on_past: false, is_mapped: false,
    wait_for_downstream: false, retries: task.retries, queue: 'default', executor: null, pool: 'default_pool', pool_slots: 1, execution_timeout: null,
    retry_delay: timeDelta(300), retry_exponential_backoff: false, priority_weight: 1, weight_rule: 'downstream', ui_color: '#fff', ui_fgcolor: '#000',
    template_fields: ['sql'], downstream_task_ids: def.tasks.filter((t) => t.upstream.includes(task.taskId)).map((t) => t.taskId), doc_md: null,
  };
}

/** RFC 7807 problem, as Airflow 2's connexion answers errors. */
export function v1Problem(status: number, title: string, detail: string) {
  const slug = ({ 400: 'BadRequest', 401: 'Unauthenticated', 403: 'PermissionDenied', 404: 'NotFound', 409: 'AlreadyExists' } as Record<number, string>)[status] ?? 'Unknown';
  return { type: `https://airflow.apache.org/docs/apache-airflow/2.10.0/stable-rest-api-ref.html#section/Errors/${slug}`, title, status, detail };
}
