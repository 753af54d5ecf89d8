/**
 * What a task's body gets while it runs (TaskContext), and the job-history row each try leaves behind.
 * Statements are logged as they run, with their row counts, the way SQL operators log.
 */
import { apiTime, sleep, warehouseFromApi } from './clock';
import type { Faults } from './faults';
import type { ExtractBucket } from '../s3/extracts';
import type { DagDef, DagRun, DbtCloudEndpoint, TableauEndpoint, TaskContext, TaskDef, TaskInstance, Try } from './model';
import { line } from './taskLog';
import { preciseWarehouseTime, warehouseTime, type Warehouse } from './warehouse';

export interface ContextDeps {
  readonly warehouse: Warehouse;
  readonly faults: Faults;
  readonly variables: Map<string, { value: string; description: string | null }>;
  /** Scaled milliseconds. */
  ms(n: number): number;
  readonly extracts: () => Promise<ExtractBucket>;
  readonly dbtCloud: () => Promise<DbtCloudEndpoint>;
  readonly tableau: () => Promise<TableauEndpoint>;
}

export function taskContext(deps: ContextDeps, def: DagDef, task: TaskDef, run: DagRun, ti: TaskInstance, entry: Try, signal: AbortSignal): TaskContext {
  const { warehouse, faults, variables } = deps;
  const log = (event: string, level: 'INFO' | 'WARNING' | 'ERROR' = 'INFO') => {
    entry.log.push(line(apiTime(), event, level));
  };
  return {
    dagId: run.dagId, runId: run.runId, taskId: ti.taskId, tryNumber: ti.tryNumber, maxTries: ti.maxTries, businessDate: run.businessDate,
    conf: run.conf, startedAt: shifted(run, entry.startDate ?? apiTime(), entry.heldMsAtStart), warehouse, variables, log,
    now: () => warehouseTime(new Date(Date.now() + recordOffsetMs(run))),
    preciseNow: () => preciseWarehouseTime(new Date(Date.now() + recordOffsetMs(run))),
    failIfFaulted: () => Promise.resolve(faults.check(def.dagId, task.taskId)),
    pause: (fraction) => sleep(deps.ms(task.durationMs * fraction), signal),
    holdOnTimeline: (seconds) => {
      // The records may reach the wall clock, not pass it: a replay already recorded at "now" cannot wait.
      const room = Math.max(0, -recordOffsetMs(run));
      const held = Math.min(Math.max(0, seconds * 1000), room);
      run.timelineHeldMs = (run.timelineHeldMs ?? 0) + held;
      return held / 1000;
    },
    extracts: deps.extracts,
    dbtCloud: deps.dbtCloud,
    tableau: deps.tableau,
    sql: async (text, binds = {}) => {
      const shown = text.replace(/\s+/g, ' ').trim();
      // A bind can be a whole file's rows (the bronze load): the log shows its start, as it does the statement's.
      const params = JSON.stringify(binds);
      log(`Running statement: ${shown.length > 240 ? `${shown.slice(0, 240)}…` : shown}${Object.keys(binds).length ? `, parameters: ${params.length > 400 ? `${params.slice(0, 400)}…` : params}` : ''}`);
      const rows = await warehouse.query(text, binds);
      const only = rows.length === 1 ? Object.keys(rows[0]!) : [];
      if (only.length === 1 && only[0] === 'Count') log(`Rows affected: ${String(rows[0]!.Count)}`);
      else {
        log(`Fetched ${rows.length} row${rows.length === 1 ? '' : 's'}`);
        for (const r of rows.slice(0, 12)) log(`  ${JSON.stringify(r)}`);
      }
      return rows;
    },
  };
}

/** Each try ends in the warehouse's job history, as the scheduler's own records would. */
export async function recordTry(warehouse: Warehouse, run: DagRun, ti: TaskInstance, t: Try): Promise<void> {
  const start = shifted(run, t.startDate ?? apiTime(), t.heldMsAtStart);
  const end = shifted(run, t.endDate ?? apiTime(), run.timelineHeldMs);
  await warehouse.query(
    `INSERT INTO ops.job_runs VALUES (:dag, :run, :task, CAST(:bd AS DATE), :try, :state, CAST(:start AS TIMESTAMP), CAST(:end AS TIMESTAMP), CAST(epoch(CAST(:end AS TIMESTAMP)) - epoch(CAST(:start AS TIMESTAMP)) AS DOUBLE))`,
    { dag: run.dagId, run: run.runId, task: ti.taskId, bd: run.businessDate, try: t.tryNumber, state: t.state === 'success' ? 'success' : 'failed', start, end },
  );
}

/**
 * An API instant as the warehouse records it for this run: on the night's timeline for a replayed night, and
 * later by what the run had waited on that timeline by then (`heldMs`, default none).
 */
export function shifted(run: DagRun, iso: string, heldMs = 0): string {
  const offset = (run.recordShiftMs ?? 0) + heldMs;
  return offset ? warehouseTime(new Date(new Date(iso).getTime() + offset)) : warehouseFromApi(iso);
}

/** How far the run's records are from the wall clock now: the replay's shift plus the waits on its timeline. */
export function recordOffsetMs(run: DagRun): number {
  return (run.recordShiftMs ?? 0) + (run.timelineHeldMs ?? 0);
}
