/** Small builders for DAG definitions: the demo's task durations come from the seed's typical seconds. */
import type { DagDef, TaskBody, TaskDef } from '../model';

/** A second of the real schedule is 8 ms of the demo, within 0.6–3 s, so a DAG runs in seconds. */
export function demoDuration(typicalSeconds: number): number {
  return Math.min(3000, Math.max(600, Math.round(typicalSeconds * 8)));
}

export function sqlTask(taskId: string, typicalSeconds: number, body: TaskBody, options: { upstream?: readonly string[]; retries?: number; operator?: string } = {}): TaskDef {
  return {
    taskId,
    operator: options.operator ?? 'SQLExecuteQueryOperator',
    upstream: options.upstream ?? [],
    retries: options.retries ?? 1,
    durationMs: demoDuration(typicalSeconds),
    body,
  };
}

/** Chains tasks that have no upstream of their own, in the order given. */
export function chain(tasks: readonly TaskDef[]): TaskDef[] {
  return tasks.map((t, i) => (i > 0 && t.upstream.length === 0 ? { ...t, upstream: [tasks[i - 1]!.taskId] } : t));
}

export function dag(def: DagDef): DagDef {
  return def;
}
