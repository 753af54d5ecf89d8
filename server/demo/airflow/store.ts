/**
 * The runs the sandbox knows, per DAG: the warehouse's job history (ops.job_runs, read once per DAG on
 * first use) and the runs started here. A run started here shadows a history run with the same id (a
 * training fault replays the night's run), and every try it makes is appended to ops.job_runs, so the
 * runbooks' SQL and the Airflow API tell the same story.
 */
import { apiFromWarehouse } from './clock';
import type { DagRun, RunType, TaskInstance, TaskState, Try } from './model';
import { addDays, type Warehouse } from './warehouse';

export class RunStore {
  private readonly runs = new Map<string, Map<string, DagRun>>();
  private readonly loading = new Map<string, Promise<void>>();
  private readonly hidden = new Map<string, DagRun[]>();
  private seq = 0;

  constructor(private readonly warehouse: Warehouse) {}

  nextSeq(): number {
    return ++this.seq;
  }

  /** Every run of a DAG, oldest first. */
  async runsOf(dagId: string): Promise<DagRun[]> {
    await this.load(dagId);
    return [...(this.runs.get(dagId)?.values() ?? [])].sort((a, b) => a.seq - b.seq);
  }

  async get(dagId: string, runId: string): Promise<DagRun | undefined> {
    await this.load(dagId);
    return this.runs.get(dagId)?.get(runId);
  }

  /** Whether any run here is still going (a reseed must wait for it). */
  anyActive(): boolean {
    for (const runs of this.runs.values()) for (const r of runs.values()) if (r.active || r.state === 'queued' || r.state === 'running') return true;
    return false;
  }

  /** After the demo was reseeded for a new day: the history is read again from the new job_runs. */
  forget(): void {
    this.runs.clear();
    this.loading.clear();
  }

  async add(run: DagRun): Promise<void> {
    await this.load(run.dagId);
    const map = this.runs.get(run.dagId) ?? new Map<string, DagRun>();
    map.delete(run.runId); // re-inserting keeps the map in creation order
    map.set(run.runId, run);
    this.runs.set(run.dagId, map);
  }

  /**
   * A training outage: the DAG's runs of these business dates disappear, as if the scheduler had never run
   * those nights. They are kept aside until `showNights` puts them back.
   */
  async hideNights(dagId: string, businessDates: readonly string[]): Promise<void> {
    await this.load(dagId);
    const map = this.runs.get(dagId);
    const hidden = this.hidden.get(dagId) ?? [];
    for (const [id, run] of map ?? []) {
      if (!businessDates.includes(run.businessDate)) continue;
      hidden.push(run);
      map!.delete(id);
    }
    this.hidden.set(dagId, hidden);
  }

  /** The outage is over: runs started for those nights since are dropped and the nights' own runs come back. */
  async showNights(dagId: string, businessDates: readonly string[]): Promise<void> {
    await this.load(dagId);
    const map = this.runs.get(dagId) ?? new Map<string, DagRun>();
    for (const [id, run] of map) if (businessDates.includes(run.businessDate) && !run.active) map.delete(id);
    for (const run of this.hidden.get(dagId) ?? []) if (!map.has(run.runId)) map.set(run.runId, run);
    this.hidden.delete(dagId);
    this.runs.set(dagId, map);
  }

  private load(dagId: string): Promise<void> {
    let pending = this.loading.get(dagId);
    if (!pending) {
      pending = this.readHistory(dagId).catch((error: unknown) => {
        this.loading.delete(dagId); // the warehouse may be busy; try again on the next request
        throw error;
      });
      this.loading.set(dagId, pending);
    }
    return pending;
  }

  private async readHistory(dagId: string): Promise<void> {
    const rows = await this.warehouse.query(
      `SELECT run_id, task, CAST(business_date AS VARCHAR) AS business_date, try_number, state, CAST(started_at AS VARCHAR) AS started_at, CAST(ended_at AS VARCHAR) AS ended_at
       FROM ops.job_runs WHERE dag_id = :dag ORDER BY started_at, try_number`,
      { dag: dagId },
    );
    const map = this.runs.get(dagId) ?? new Map<string, DagRun>();
    const history = new Map<string, DagRun>();
    for (const r of rows) {
      const runId = String(r.run_id);
      if (map.has(runId)) continue; // started here: newer than its history
      let run = history.get(runId);
      if (!run) {
        run = historyRun(dagId, runId, r, this.nextSeq());
        history.set(runId, run);
      }
      addHistoryTry(run, r);
    }
    for (const run of history.values()) finishHistoryRun(run);
    this.runs.set(dagId, new Map([...history, ...map]));
  }
}

function historyRun(dagId: string, runId: string, r: Record<string, unknown>, seq: number): DagRun {
  const logical = /__(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})/.exec(runId)?.[1];
  const started = apiFromWarehouse(String(r.started_at));
  const runType: RunType = runId.startsWith('scheduled__') ? 'scheduled' : runId.startsWith('backfill__') ? 'backfill' : 'manual';
  const businessDate = r.business_date ? String(r.business_date) : logical ? addDays(logical.slice(0, 10), 1) : String(r.started_at).slice(0, 10);
  return {
    seq, dagId, runId, runType, triggeredBy: runType === 'scheduled' ? 'timetable' : 'ui', state: 'success',
    logicalDate: logical ? `${logical}Z` : null, runAfter: logical ? `${logical}Z` : (started ?? ''), queuedAt: started, startDate: started, endDate: null,
    conf: {}, businessDate, tis: new Map(), lastSchedulingDecision: null, active: false,
  };
}

function addHistoryTry(run: DagRun, r: Record<string, unknown>): void {
  const taskId = String(r.task);
  const tryNumber = Number(r.try_number);
  const state = String(r.state) as TaskState;
  const start = apiFromWarehouse(String(r.started_at));
  const end = apiFromWarehouse(r.ended_at ? String(r.ended_at) : null);
  let ti: TaskInstance | undefined = run.tis.get(taskId);
  if (!ti) {
    ti = { taskId, state, tryNumber, maxTries: 1, startDate: start, endDate: end, queuedWhen: start, scheduledWhen: start, tries: new Map() };
    run.tis.set(taskId, ti);
  }
  const entry: Try = { tryNumber, state, startDate: start, endDate: end, log: [], fromHistory: true };
  ti.tries.set(tryNumber, entry);
  if (tryNumber >= ti.tryNumber) Object.assign(ti, { state, tryNumber, startDate: start, endDate: end, maxTries: Math.max(ti.maxTries, tryNumber) });
}

function finishHistoryRun(run: DagRun): void {
  const tis = [...run.tis.values()];
  run.state = tis.some((t) => t.state === 'failed' || t.state === 'upstream_failed') ? 'failed' : 'success';
  run.endDate = tis.map((t) => t.endDate ?? '').sort().at(-1) || null;
  run.lastSchedulingDecision = run.endDate;
}
