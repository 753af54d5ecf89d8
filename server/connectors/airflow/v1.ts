/**
 * Airflow 2 stable REST API (`/api/v1`, basic auth). Pages hold at most 100 items; clearTaskInstances
 * answers with references only (no state, no map index), so a dry run's states are read from the runs it
 * names. A run's task instances are ordered by map_index alone, so rows that tie can move between page
 * requests: they are de-duplicated and counted against total_entries, and read in one unpaged request
 * when the pages did not add up. Airflow 2 has no human-in-the-loop tasks and no backfill endpoint.
 */
import { inflateSync } from 'node:zlib';
import { ConnectorError } from '../types';
import { checkedRun, paginate, paginateDistinct, seg, type Caller } from './caller';
import { fromAirflow2 } from './logContent';
import type { AirflowClient, DagInfo, DagRunInfo, TaskInstanceInfo, TaskInstanceRef } from './types';
import { tiKey } from './tiKey';

const PAGE = 100;
const P = '/api/v1';

interface V1Dag { dag_id: string; is_paused?: boolean | null }
interface V1DagRun { dag_id: string; dag_run_id: string; state: string; run_type?: string; logical_date?: string | null; execution_date?: string | null; start_date?: string | null; end_date?: string | null }
interface V1TaskInstance { dag_id: string; dag_run_id: string; task_id: string; state: string | null; try_number: number; max_tries?: number; start_date?: string | null; end_date?: string | null; duration?: number | null; map_index?: number }
interface Runs { dag_runs: V1DagRun[]; total_entries?: number }
interface TaskInstances { task_instances: V1TaskInstance[]; total_entries?: number }

const dag = (d: V1Dag): DagInfo => ({ dagId: d.dag_id, isPaused: d.is_paused ?? null });
const run = (raw: V1DagRun): DagRunInfo => {
  const r = checkedRun(raw);
  return {
  dagId: r.dag_id, runId: r.dag_run_id, state: r.state, runType: r.run_type ?? null,
  logicalDate: r.logical_date ?? r.execution_date ?? null, startDate: r.start_date ?? null, endDate: r.end_date ?? null,
  };
};
export const v1TaskInstance = (t: V1TaskInstance): TaskInstanceInfo => ({
  dagId: t.dag_id, runId: t.dag_run_id, taskId: t.task_id, state: t.state === 'none' ? null : t.state, tryNumber: t.try_number,
  maxTries: t.max_tries ?? null, startDate: t.start_date ?? null, endDate: t.end_date ?? null, duration: t.duration ?? null, mapIndex: t.map_index ?? -1,
});

export function airflowV1(c: Caller): AirflowClient {
  const client: AirflowClient = {
    api: 'v1',
    async getDag(dagId, signal) {
      return dag((await c.call<V1Dag>(`read DAG ${dagId}`, { method: 'GET', path: `${P}/dags/${seg(dagId)}`, retry: true, signal })).body);
    },
    async listTaskIds(dagId, signal) {
      const res = await c.call<{ tasks: { task_id: string }[] }>(`list the tasks of DAG ${dagId}`, { method: 'GET', path: `${P}/dags/${seg(dagId)}/tasks`, retry: true, signal });
      return res.body.tasks.map((t) => t.task_id);
    },
    async triggerRun(dagId, body, signal) {
      // Airflow 2 fills logical_date with "now" when it is left out; sending null is refused by older 2.x.
      const payload = { conf: body.conf ?? {}, ...(body.logicalDate ? { logical_date: body.logicalDate } : {}) };
      return run((await c.call<V1DagRun>(`trigger DAG ${dagId}`, { method: 'POST', path: `${P}/dags/${seg(dagId)}/dagRuns`, body: payload, signal })).body);
    },
    async getRun(dagId, runId, signal) {
      return run((await c.call<V1DagRun>(`read run ${runId} of DAG ${dagId}`, { method: 'GET', path: `${P}/dags/${seg(dagId)}/dagRuns/${seg(runId)}`, retry: true, signal })).body);
    },
    async listRuns(dagId, q, signal) {
      const runs = await paginate<V1DagRun>(PAGE, q.limit ?? null, async (limit, offset) => {
        const res = await c.call<Runs>(`list the runs of DAG ${dagId}`, {
          method: 'GET', path: `${P}/dags/${seg(dagId)}/dagRuns`, retry: true, signal,
          query: { limit, offset, order_by: '-execution_date', state: q.state ? [q.state] : undefined, execution_date_gte: q.logicalDateGte, execution_date_lte: q.logicalDateLte },
        });
        return { items: res.body.dag_runs, total: res.body.total_entries ?? null };
      });
      return runs.map(run);
    },
    async listTaskInstances(dagId, runId, signal) {
      const what = `list the task instances of run ${runId} of DAG ${dagId}`;
      const paged = await paginateDistinct<V1TaskInstance>(PAGE, (t) => tiKey(t.dag_run_id, t.task_id, t.map_index ?? -1), async (limit, offset) => {
        const res = await c.call<TaskInstances>(what, { method: 'GET', path: `${P}/dags/${seg(dagId)}/dagRuns/${seg(runId)}/taskInstances`, retry: true, signal, query: { limit, offset } });
        return { items: res.body.task_instances, total: res.body.total_entries ?? null };
      });
      if (paged.complete) return paged.items.map(v1TaskInstance);
      // The pages overlapped and skipped rows that tie on map_index. The batch endpoint (2.7.1+) is not paged
      // in Airflow 2: one answer holds the whole run, consistent with itself.
      const res = await c.call<TaskInstances>(what, { method: 'POST', path: `${P}/dags/~/dagRuns/~/taskInstances/list`, body: { dag_ids: [dagId], dag_run_ids: [runId] }, retry: true, signal });
      const all = [...new Map(res.body.task_instances.map((t) => [tiKey(t.dag_run_id, t.task_id, t.map_index ?? -1), t])).values()];
      const total = res.body.total_entries ?? all.length;
      if (all.length < total) {
        throw new ConnectorError(
          'unavailable',
          `Airflow counted ${total} task instances in run ${runId} of ${dagId} but its answers held only ${all.length} distinct ones.`,
          'The run may be changing (a mapped task expanding); run it again. If it persists, check the webserver logs.',
        );
      }
      return all.map(v1TaskInstance);
    },
    async clearTaskInstances(dagId, r, signal) {
      // dry_run and only_failed default to true in the API: always say what is meant.
      const body = {
        dry_run: r.dryRun, only_failed: r.onlyFailed, only_running: false, task_ids: r.taskIds, include_downstream: r.includeDownstream, include_upstream: r.includeUpstream,
        include_future: false, include_past: false, reset_dag_runs: true, ...(r.startDate ? { start_date: r.startDate } : {}), ...(r.endDate ? { end_date: r.endDate } : {}),
      };
      const res = await c.call<{ task_instances: { dag_id: string; dag_run_id: string; task_id: string }[] }>(`clear task instances of DAG ${dagId}`, {
        method: 'POST', path: `${P}/dags/${seg(dagId)}/clearTaskInstances`, body, signal, retry: r.dryRun,
      });
      const refs = res.body.task_instances ?? [];
      if (!r.dryRun) return refs.map((t) => ({ dagId: t.dag_id, runId: t.dag_run_id, taskId: t.task_id, state: null, mapIndex: null }));
      const byRun = new Map<string, TaskInstanceInfo[]>();
      for (const runId of new Set(refs.map((t) => t.dag_run_id))) byRun.set(runId, await client.listTaskInstances(dagId, runId, signal));
      return pairWithInstances(refs, byRun, r.onlyFailed);
    },
    async readLog(dagId, runId, taskId, tryNumber, token, signal, mapIndex = -1) {
      const res = await c.call<{ content?: unknown; continuation_token?: string | null }>(`read the log of task ${taskId}${mapIndex >= 0 ? `[${mapIndex}]` : ''} (try ${tryNumber}) of run ${runId}`, {
        method: 'GET', path: `${P}/dags/${seg(dagId)}/dagRuns/${seg(runId)}/taskInstances/${seg(taskId)}/logs/${tryNumber}`,
        query: { full_content: false, ...(mapIndex >= 0 ? { map_index: mapIndex } : {}), ...(token ? { token } : {}) }, retry: true, signal,
      });
      const content = typeof res.body.content === 'string' ? res.body.content : '';
      const next = res.body.continuation_token ?? null;
      // Airflow 2 always returns a token; its (unsigned-readable) payload says when the log has ended.
      return { text: fromAirflow2(content), token: next && endOfLog(next) ? null : next };
    },
    async setPaused(dagId, paused, signal) {
      return dag((await c.call<V1Dag>(`${paused ? 'pause' : 'unpause'} DAG ${dagId}`, { method: 'PATCH', path: `${P}/dags/${seg(dagId)}`, query: { update_mask: 'is_paused' }, body: { is_paused: paused }, signal })).body);
    },
    async getVariable(key, signal) {
      const res = await c.call<{ key: string; value?: string }>(`read variable ${key}`, { method: 'GET', path: `${P}/variables/${seg(key)}`, retry: true, signal });
      return { key: res.body.key, value: res.body.value ?? '' };
    },
    async setVariable(key, value, signal) {
      // The CLI's set is an upsert; the API has update (404 when absent) and create.
      const updated = await c.call(`update variable ${key}`, { method: 'PATCH', path: `${P}/variables/${seg(key)}`, query: { update_mask: 'value' }, body: { key, value }, signal }, [404]);
      if (updated.status === 404) await c.call(`create variable ${key}`, { method: 'POST', path: `${P}/variables`, body: { key, value }, signal });
    },
    listRequiredActions() {
      return Promise.resolve([]);
    },
    answerRequiredAction() {
      return Promise.reject(new ConnectorError('unavailable', 'Airflow 2 has no human-in-the-loop tasks: required actions came with Airflow 3.1.', 'Use an Airflow 3.1+ connection (api: v2).'));
    },
    createBackfill() {
      return Promise.reject(
        new ConnectorError('unavailable', 'dags backfill is not supported on Airflow 2: its REST API (/api/v1) has no backfill endpoint.', 'Run the backfill with the Airflow CLI on the scheduler, clear the runs for the dates instead, or use an Airflow 3 connection (api: v2).'),
      );
    },
    close() {},
  };
  return client;
}

/**
 * Airflow 2's clear answers one reference per task instance, without its map index: a mapped task's
 * references are told apart by pairing them, in map-index order, with the instances of that task the
 * clear selects (failed ones when only_failed). Where the counts differ the map index stays unknown.
 */
function pairWithInstances(refs: readonly { dag_id: string; dag_run_id: string; task_id: string }[], byRun: ReadonlyMap<string, readonly TaskInstanceInfo[]>, onlyFailed: boolean): TaskInstanceRef[] {
  const count = new Map<string, number>();
  for (const t of refs) count.set(`${t.dag_run_id}\u0000${t.task_id}`, (count.get(`${t.dag_run_id}\u0000${t.task_id}`) ?? 0) + 1);
  const used = new Map<string, number>();
  return refs.map((t): TaskInstanceRef => {
    const k = `${t.dag_run_id}\u0000${t.task_id}`;
    const all = (byRun.get(t.dag_run_id) ?? []).filter((ti) => ti.taskId === t.task_id).sort((a, b) => a.mapIndex - b.mapIndex);
    const failed = all.filter((ti) => ti.state === 'failed' || ti.state === 'upstream_failed');
    const n = count.get(k)!;
    const pool = onlyFailed && failed.length === n ? failed : all.length === n ? all : null;
    const i = used.get(k) ?? 0;
    used.set(k, i + 1);
    const ti = pool?.[i];
    return { dagId: t.dag_id, runId: t.dag_run_id, taskId: t.task_id, state: ti?.state ?? null, mapIndex: ti?.mapIndex ?? null };
  });
}

/**
 * Reads `end_of_log` from an itsdangerous token: base64url JSON before the signature, zlib-compressed
 * when the token starts with a dot.
 */
export function endOfLog(token: string): boolean {
  try {
    const compressed = token.startsWith('.');
    const raw = Buffer.from((compressed ? token.slice(1) : token).split('.')[0] ?? '', 'base64url');
    const text = (compressed ? inflateSync(raw) : raw).toString('utf8');
    return (JSON.parse(text) as { end_of_log?: unknown }).end_of_log === true;
  } catch {
    return false;
  }
}
