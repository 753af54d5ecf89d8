/**
 * Which DAGs the sandbox has: the ones defined here with their SQL (Canonical, setup), plus every DAG the
 * warehouse's job history (ops.job_runs) knows — the retail, investor and ecommerce seeds append theirs —
 * with the tasks of its latest run in order. A discovered task records itself and reads its own history,
 * so every DAG a runbook names can be triggered, cleared and followed on demo.
 */
import { canonicalDags } from './dags/canonical';
import { setupDags } from './dags/setup';
import { investorDags } from './dags/investor';
import { retailDags } from './dags/retail';
import { ecommerceDags } from './dags/ecommerce';
import { ecommerceServingDags } from './dags/ecommerceServing';
import { chain, demoDuration } from './dags/build';
import type { DagDef, TaskDef } from './model';
import type { Warehouse } from './warehouse';

export interface Catalog {
  get(dagId: string): DagDef | undefined;
  all(): readonly DagDef[];
}

export async function loadCatalog(warehouse: Warehouse): Promise<Catalog> {
  const defined = new Map<string, DagDef>([...canonicalDags, ...setupDags, ...investorDags, ...retailDags, ...ecommerceDags, ...ecommerceServingDags].map((d) => [d.dagId, d]));
  const rows = await warehouse.query(`
    WITH latest AS (SELECT dag_id, arg_max(run_id, started_at) AS run_id FROM ops.job_runs GROUP BY dag_id),
    typical AS (SELECT dag_id, task, avg(duration) FILTER (WHERE state = 'success') AS secs FROM ops.job_runs GROUP BY ALL)
    SELECT j.dag_id, j.task, min(j.started_at) AS first_start, any_value(t.secs) AS secs, any_value(j.run_id) AS run_id
    FROM ops.job_runs j JOIN latest USING (dag_id, run_id) JOIN typical t USING (dag_id, task)
    GROUP BY j.dag_id, j.task ORDER BY j.dag_id, first_start, j.task`);
  const discovered = new Map<string, { tasks: TaskDef[]; runId: string }>();
  for (const r of rows) {
    const dagId = String(r.dag_id);
    if (defined.has(dagId)) continue;
    const entry = discovered.get(dagId) ?? { tasks: [], runId: String(r.run_id) };
    entry.tasks.push(recordedTask(dagId, String(r.task), Number(r.secs ?? 30), 1));
    discovered.set(dagId, entry);
  }
  const all = new Map(defined);
  for (const [dagId, { tasks, runId }] of discovered) {
    // A DAG with scheduled runs is scheduled at its runs' logical time; one with manual runs only is not.
    const logical = /^scheduled__\d{4}-\d{2}-\d{2}T(\d{2}):(\d{2}):(\d{2})/.exec(runId);
    all.set(dagId, {
      dagId, description: `${dagId} (tasks as recorded in ops.job_runs)`, owners: ['data-engineering'], tags: ['demo'],
      schedule: logical ? `${Number(logical[2])} ${Number(logical[1])} * * *` : null, ...(logical ? { runTime: `${logical[1]}:${logical[2]}:${logical[3]}` } : {}),
      tasks: chain(tasks),
    });
  }
  const list = [...all.values()].sort((a, b) => a.dagId.localeCompare(b.dagId));
  return { get: (id) => all.get(id), all: () => list };
}

function recordedTask(dagId: string, taskId: string, typicalSeconds: number, retries: number): TaskDef {
  return {
    taskId, operator: 'SQLExecuteQueryOperator', upstream: [], retries, durationMs: demoDuration(typicalSeconds),
    body: async (ctx) => {
      await ctx.failIfFaulted();
      await ctx.sql(
        `SELECT count(*) AS attempts_recorded, max(ended_at) FILTER (WHERE state = 'success') AS last_success FROM ops.job_runs WHERE dag_id = :dag AND task = :task`,
        { dag: dagId, task: taskId },
      );
    },
  };
}
