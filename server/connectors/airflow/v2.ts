/**
 * Airflow 3 public REST API (`/api/v2`, bearer JWT). Pages default to 50 items; a trigger must carry
 * `logical_date` (null is allowed and means "no logical date"); logs are structured messages with a
 * continuation token that is null once the log is complete; backfills have their own endpoint.
 */
import { ConnectorError } from '../types';
import { checkedRun, paginate, paginateDistinct, seg, type Caller } from './caller';
import { fromStructured } from './logContent';
import { tiKey } from './tiKey';
import type { AirflowClient, DagInfo, DagRunInfo, RequiredAction, TaskInstanceInfo } from './types';

const PAGE = 50;
const P = '/api/v2';

interface V2Dag { dag_id: string; is_paused: boolean }
interface V2DagRun { dag_id: string; dag_run_id: string; state: string; run_type: string; logical_date: string | null; start_date: string | null; end_date: string | null }
interface V2TaskInstance { dag_id: string; dag_run_id: string; task_id: string; state: string | null; try_number: number; max_tries: number; start_date: string | null; end_date: string | null; duration: number | null; map_index: number }
interface V2Hitl { task_instance: V2TaskInstance; subject: string; body?: string | null; options: string[]; multiple?: boolean; chosen_options?: string[] | null; user_id?: string | null; response_received?: boolean }
interface V2Backfill { id: number; dag_id: string; from_date: string; to_date: string }

const dag = (d: V2Dag): DagInfo => ({ dagId: d.dag_id, isPaused: d.is_paused });
const run = (raw: V2DagRun): DagRunInfo => {
  const r = checkedRun(raw);
  return { dagId: r.dag_id, runId: r.dag_run_id, state: r.state, runType: r.run_type, logicalDate: r.logical_date, startDate: r.start_date, endDate: r.end_date };
};
const taskInstance = (t: V2TaskInstance): TaskInstanceInfo => ({
  dagId: t.dag_id, runId: t.dag_run_id, taskId: t.task_id, state: t.state, tryNumber: t.try_number, maxTries: t.max_tries,
  startDate: t.start_date, endDate: t.end_date, duration: t.duration, mapIndex: t.map_index,
});

const action = (h: V2Hitl): RequiredAction => ({
  dagId: h.task_instance.dag_id, runId: h.task_instance.dag_run_id, taskId: h.task_instance.task_id, mapIndex: h.task_instance.map_index, subject: h.subject, body: h.body ?? null,
  options: h.options, multiple: h.multiple ?? false, chosen: h.response_received === false ? null : (h.chosen_options ?? null), answeredBy: h.user_id ?? null,
});

export function airflowV2(c: Caller): AirflowClient {
  /** Airflow 3.0 has no /hitlDetails: learnt from its first 404, then not asked again. */
  let hitlMissing = false;
  return {
    api: 'v2',
    async getDag(dagId, signal) {
      return dag((await c.call<V2Dag>(`read DAG ${dagId}`, { method: 'GET', path: `${P}/dags/${seg(dagId)}`, retry: true, signal })).body);
    },
    async listTaskIds(dagId, signal) {
      const res = await c.call<{ tasks: { task_id: string | null }[] }>(`list the tasks of DAG ${dagId}`, { method: 'GET', path: `${P}/dags/${seg(dagId)}/tasks`, retry: true, signal });
      return res.body.tasks.flatMap((t) => (t.task_id ? [t.task_id] : []));
    },
    async triggerRun(dagId, body, signal) {
      const payload = { logical_date: body.logicalDate, conf: body.conf ?? {} };
      return run((await c.call<V2DagRun>(`trigger DAG ${dagId}`, { method: 'POST', path: `${P}/dags/${seg(dagId)}/dagRuns`, body: payload, signal })).body);
    },
    async getRun(dagId, runId, signal) {
      return run((await c.call<V2DagRun>(`read run ${runId} of DAG ${dagId}`, { method: 'GET', path: `${P}/dags/${seg(dagId)}/dagRuns/${seg(runId)}`, retry: true, signal })).body);
    },
    async listRuns(dagId, q, signal) {
      const runs = await paginate<V2DagRun>(PAGE, q.limit ?? null, async (limit, offset) => {
        const res = await c.call<{ dag_runs: V2DagRun[]; total_entries: number }>(`list the runs of DAG ${dagId}`, {
          method: 'GET', path: `${P}/dags/${seg(dagId)}/dagRuns`, retry: true, signal,
          // run_after, not logical_date: runs without a logical date still sort by when they ran.
          query: { limit, offset, order_by: ['-run_after'], state: q.state ? [q.state] : undefined, logical_date_gte: q.logicalDateGte, logical_date_lte: q.logicalDateLte },
        });
        return { items: res.body.dag_runs, total: res.body.total_entries };
      });
      return runs.map(run);
    },
    async listTaskInstances(dagId, runId, signal) {
      // Airflow 3 breaks ties by primary key, so pages are stable; a run can still grow between two pages
      // (a mapped task expanding), so a short collection is read once more.
      const read = () => paginateDistinct<V2TaskInstance>(PAGE, (t) => tiKey(t.dag_run_id, t.task_id, t.map_index), async (limit, offset) => {
        const res = await c.call<{ task_instances: V2TaskInstance[]; total_entries: number }>(`list the task instances of run ${runId} of DAG ${dagId}`, {
          method: 'GET', path: `${P}/dags/${seg(dagId)}/dagRuns/${seg(runId)}/taskInstances`, retry: true, signal, query: { limit, offset },
        });
        return { items: res.body.task_instances, total: res.body.total_entries };
      });
      const first = await read();
      return (first.complete ? first : await read()).items.map(taskInstance);
    },
    async clearTaskInstances(dagId, r, signal) {
      // dry_run and only_failed default to true in the API: always say what is meant.
      const body = {
        dry_run: r.dryRun, only_failed: r.onlyFailed, only_running: false, task_ids: r.taskIds, include_downstream: r.includeDownstream, include_upstream: r.includeUpstream,
        include_future: false, include_past: false, reset_dag_runs: true, start_date: r.startDate, end_date: r.endDate,
      };
      const res = await c.call<{ task_instances: V2TaskInstance[] }>(`clear task instances of DAG ${dagId}`, {
        method: 'POST', path: `${P}/dags/${seg(dagId)}/clearTaskInstances`, body, signal, retry: r.dryRun,
      });
      return res.body.task_instances.map((t) => ({ dagId: t.dag_id, runId: t.dag_run_id, taskId: t.task_id, state: t.state, mapIndex: t.map_index }));
    },
    async readLog(dagId, runId, taskId, tryNumber, token, signal, mapIndex = -1) {
      const res = await c.call<{ content: unknown[]; continuation_token: string | null }>(`read the log of task ${taskId}${mapIndex >= 0 ? `[${mapIndex}]` : ''} (try ${tryNumber}) of run ${runId}`, {
        method: 'GET', path: `${P}/dags/${seg(dagId)}/dagRuns/${seg(runId)}/taskInstances/${seg(taskId)}/logs/${tryNumber}`,
        query: { full_content: false, ...(mapIndex >= 0 ? { map_index: mapIndex } : {}), ...(token ? { token } : {}) }, headers: { accept: 'application/json' }, retry: true, signal,
      });
      return { text: fromStructured(Array.isArray(res.body.content) ? res.body.content : []), token: res.body.continuation_token ?? null };
    },
    async setPaused(dagId, paused, signal) {
      return dag((await c.call<V2Dag>(`${paused ? 'pause' : 'unpause'} DAG ${dagId}`, { method: 'PATCH', path: `${P}/dags/${seg(dagId)}`, query: { update_mask: ['is_paused'] }, body: { is_paused: paused }, signal })).body);
    },
    async getVariable(key, signal) {
      const res = await c.call<{ key: string; value: string }>(`read variable ${key}`, { method: 'GET', path: `${P}/variables/${seg(key)}`, retry: true, signal });
      return { key: res.body.key, value: res.body.value };
    },
    async setVariable(key, value, signal) {
      // The CLI's set is an upsert; the API has update (404 when absent) and create.
      const updated = await c.call(`update variable ${key}`, { method: 'PATCH', path: `${P}/variables/${seg(key)}`, body: { key, value }, signal }, [404]);
      if (updated.status === 404) await c.call(`create variable ${key}`, { method: 'POST', path: `${P}/variables`, body: { key, value }, signal });
    },
    async listRequiredActions(dagId, runId, signal) {
      if (hitlMissing) return [];
      let missing = false;
      const got = await paginate<V2Hitl>(PAGE, null, async (limit, offset) => {
        // dag_id_pattern is an SQL LIKE pattern (an _ matches any character): the answer is filtered by exact id below.
        const res = await c.call<{ hitl_details: V2Hitl[]; total_entries: number }>(`list the required actions of run ${runId} of DAG ${dagId}`, {
          method: 'GET', path: `${P}/hitlDetails/`, retry: true, signal, query: { limit, offset, dag_id_pattern: dagId, dag_run_id: runId },
        }, [403, 404]);
        // 404: Airflow 3.0, before required actions; 403: a user without access to them. Neither stops a follow.
        if (res.status === 404 || res.status === 403) {
          missing = true;
          return { items: [], total: 0 };
        }
        return { items: res.body.hitl_details, total: res.body.total_entries };
      });
      if (missing) hitlMissing = true;
      return got.filter((h) => h.task_instance.dag_id === dagId && h.task_instance.dag_run_id === runId).map(action);
    },
    async answerRequiredAction(a, chosen, signal) {
      const path = `${P}/hitlDetails/${seg(a.dagId)}/${seg(a.runId)}/${seg(a.taskId)}${a.mapIndex >= 0 ? `/${a.mapIndex}` : ''}`;
      const res = await c.call<{ user_id: string; chosen_options: string[] }>(`answer the required action of task ${a.taskId} in run ${a.runId}`, { method: 'PATCH', path, body: { chosen_options: chosen }, signal }, [409]);
      if (res.status === 409) {
        throw new ConnectorError('connector_error', `The required action of task ${a.taskId} in run ${a.runId} was already answered.`, 'Follow the run to see the answer and what the task did with it.');
      }
      const now = (await this.listRequiredActions(a.dagId, a.runId, signal)).find((x) => x.taskId === a.taskId && x.mapIndex === a.mapIndex);
      return now ?? { ...a, subject: '', body: null, options: [], multiple: false, chosen: res.body.chosen_options, answeredBy: res.body.user_id };
    },
    async createBackfill(dagId, fromDate, toDate, signal) {
      // Days whose run failed are rerun, missing days are run, successful ones are left alone.
    const res = await c.call<V2Backfill>(`create a backfill of DAG ${dagId}`, { method: 'POST', path: `${P}/backfills`, body: { dag_id: dagId, from_date: fromDate, to_date: toDate, reprocess_behavior: 'failed' }, signal });
      return { id: res.body.id, dagId: res.body.dag_id, fromDate: res.body.from_date, toDate: res.body.to_date };
    },
    close() {},
  };
}
