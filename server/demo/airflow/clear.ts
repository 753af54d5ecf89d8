/**
 * Which task instances a clear selects, as clearTaskInstances defines it: the named tasks (with their
 * upstream or downstream when asked), in runs whose logical date is in range or the one run named,
 * only failed ones (failed, upstream_failed) when asked. A try in flight is left to finish.
 */
import type { ClearSpec } from './engine';
import type { DagDef, DagRun, TaskInstance } from './model';

export interface Cleared {
  readonly run: DagRun;
  readonly ti: TaskInstance;
  /** The state before the clear, as the API reports it. */
  readonly before: string | null;
}

export function selectForClear(def: DagDef, runs: readonly DagRun[], spec: ClearSpec): Cleared[] {
  const selected = new Set(expand(def, spec.taskIds ?? def.tasks.map((t) => t.taskId), spec.includeUpstream, spec.includeDownstream));
  const out: Cleared[] = [];
  for (const run of runs) {
    if (spec.dagRunId && run.runId !== spec.dagRunId) continue;
    const at = instant(run.logicalDate ?? run.runAfter);
    if (spec.startDate && at < instant(spec.startDate)) continue;
    if (spec.endDate && at > instant(spec.endDate)) continue;
    for (const ti of run.tis.values()) {
      if (!selected.has(ti.taskId)) continue;
      if (spec.onlyFailed && ti.state !== 'failed' && ti.state !== 'upstream_failed') continue;
      if (spec.onlyRunning && ti.state !== 'running') continue;
      // A try in flight finishes on its own; clearing it would race its result.
      if (ti.state === 'running' || ti.state === 'queued' || ti.state === 'scheduled') continue;
      out.push({ run, ti, before: ti.state });
    }
  }
  return out;
}

function expand(def: DagDef, ids: readonly string[], upstream: boolean, downstream: boolean): string[] {
  const out = new Set(ids);
  const walk = (id: string, next: (id: string) => string[]) => {
    for (const n of next(id)) {
      if (!out.has(n)) {
        out.add(n);
        walk(n, next);
      }
    }
  };
  const ups = (id: string) => [...(def.tasks.find((t) => t.taskId === id)?.upstream ?? [])];
  const downs = (id: string) => def.tasks.filter((t) => t.upstream.includes(id)).map((t) => t.taskId);
  for (const id of ids) {
    if (upstream) walk(id, ups);
    if (downstream) walk(id, downs);
  }
  return [...out];
}

function instant(iso: string): number {
  return new Date(iso).getTime();
}
