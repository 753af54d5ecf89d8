/**
 * The sandbox scheduler: runs DAG runs task by task with Airflow's state transitions
 * (scheduled → queued → running → success | up_for_retry | failed, upstream_failed downstream), one active
 * run per DAG at a time, task logs written line by line while a task runs, retries, clears that rerun
 * exactly what they reset, and the etl_control status of the Canonical pipelines kept as the runs go.
 */
import type { ExtractBucket } from '../s3/extracts';
import { apiTime, sleep } from './clock';
import type { Catalog } from './catalog';
import type { Faults } from './faults';
import { FINISHED, TaskFailure, type DagDef, type DbtCloudEndpoint, type TableauEndpoint, type LogLine, type DagRun, type RunType, type TaskDef, type TaskInstance, type Try } from './model';
import { pipelineFinished, pipelineStarted } from './pipelineStatus';
import type { RunStore } from './store';
import { headerLines, historyLog, line, outcomeLines } from './taskLog';
import { recordTry, taskContext } from './taskContext';
import { selectForClear, type Cleared } from './clear';
import { addDays, localDate, type Warehouse } from './warehouse';

export interface EngineDeps {
  readonly warehouse: Warehouse;
  readonly catalog: () => Promise<Catalog>;
  readonly store: RunStore;
  readonly faults: Faults;
  readonly variables: () => Promise<Map<string, { value: string; description: string | null }>>;
  /** Multiplies every wait: 1 for the demo, small in tests. */
  readonly timeScale: number;
  readonly log: (message: string) => void;
  /** The demo S3's extract files (the ecommerce extract writes them, its DLT load reads them). */
  readonly extracts: () => Promise<ExtractBucket>;
  /** The demo dbt Cloud (DailyRefresh runs there, triggered by a task). */
  readonly dbtCloud: () => Promise<DbtCloudEndpoint>;
  /** The demo Tableau (the KPI extracts are refreshed there, by a task). */
  readonly tableau: () => Promise<TableauEndpoint>;
}

export interface TriggerRequest {
  readonly conf: Readonly<Record<string, unknown>>;
  /** The run's logical date; null for a run without one (Airflow 3). */
  readonly logicalDate: string | null;
  /** Whether the caller chose the logical date (else it is "now" or null). */
  readonly logicalDateGiven: boolean;
  readonly runType: RunType;
  readonly runId?: string;
  /** A replayed night: the warehouse time its records start at (see DagRun.recordShiftMs). */
  readonly recordFrom?: string;
}

export interface ClearSpec {
  readonly taskIds: readonly string[] | null;
  readonly startDate: string | null;
  readonly endDate: string | null;
  readonly dagRunId: string | null;
  readonly onlyFailed: boolean;
  readonly onlyRunning: boolean;
  readonly includeUpstream: boolean;
  readonly includeDownstream: boolean;
  readonly dryRun: boolean;
}

export class Engine {
  readonly paused = new Set<string>();
  private readonly locks = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(private readonly deps: EngineDeps) {}

  private ms(n: number): number {
    return Math.max(1, Math.round(n * this.deps.timeScale));
  }

  async dag(dagId: string): Promise<DagDef | undefined> {
    return (await this.deps.catalog()).get(dagId);
  }

  async trigger(def: DagDef, req: TriggerRequest): Promise<DagRun> {
    const now = apiTime();
    const runAfter = req.logicalDate ?? now;
    const runId = req.runId ?? (await this.freeRunId(def.dagId, `${req.runType}__${runIdStamp(runAfter)}`));
    const run: DagRun = {
      seq: this.deps.store.nextSeq(), dagId: def.dagId, runId, runType: req.runType,
      triggeredBy: req.runType === 'scheduled' ? 'timetable' : req.runType === 'backfill' ? 'backfill' : 'rest_api',
      state: 'queued', logicalDate: req.logicalDate, runAfter, queuedAt: now, startDate: null, endDate: null, conf: req.conf,
      businessDate: await this.businessDateFor(def, req), tis: new Map(), lastSchedulingDecision: null, active: false,
      // Never into the future: before the DAG's hour (a 03:00 DAG replayed at 02:10) the night has not happened
      // yet, and records dated ahead of the clock would sort after everything an operator does next (the
      // clear, the downstream rerun), so a repaired night would read as stale to the checks that compare them.
      ...(req.recordFrom ? { recordShiftMs: Math.min(0, new Date(req.recordFrom.replace(' ', 'T')).getTime() - Date.now()) } : {}),
    };
    for (const t of def.tasks) run.tis.set(t.taskId, { taskId: t.taskId, state: null, tryNumber: 0, maxTries: t.retries, startDate: null, endDate: null, queuedWhen: null, scheduledWhen: null, tries: new Map() });
    await this.deps.store.add(run);
    this.schedule(def, run);
    return run;
  }

  /** Airflow names runs after their date to the microsecond; two triggers in one millisecond still differ. */
  private async freeRunId(dagId: string, base: string): Promise<string> {
    const taken = new Set((await this.deps.store.runsOf(dagId)).map((r) => r.runId));
    let id = `${base}+00:00`;
    for (let n = 1; taken.has(id); n++) id = `${base.replace(/(\.\d{3})\d{3}$/, `$1${String(n).padStart(3, '0')}`)}+00:00`;
    return id;
  }

  /** conf.business_date, the override variable, the logical date + 1 day, the control table's date (today for the date control itself). */
  private async businessDateFor(def: DagDef, req: TriggerRequest): Promise<string> {
    const fromConf = req.conf.business_date;
    if (typeof fromConf === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(fromConf)) return fromConf;
    // The override applies to the date control too: an override left set after a rerun puts the whole
    // night on the wrong date (the wrong-date-control drill), as it would on the real platform.
    const override = (await this.deps.variables()).get('cdm_business_date_override')?.value ?? '';
    if (/^\d{4}-\d{2}-\d{2}$/.test(override)) return override;
    if (req.logicalDate && (req.logicalDateGiven || req.runType !== 'manual')) return addDays(req.logicalDate.slice(0, 10), 1);
    if (def.dagId === 'etl_date_control_update_dag') return localDate();
    const rows = await this.deps.warehouse.query(`SELECT CAST(max(business_date) AS VARCHAR) AS d FROM etl_control.etl_date_control`).catch(() => []);
    const control = rows[0]?.d;
    return typeof control === 'string' ? control : localDate();
  }

  /** Starts (or resumes) working on a run unless the engine already is. */
  schedule(def: DagDef, run: DagRun): void {
    if (run.active) {
      // A clear can land while the run is finishing (its state is already final, the bookkeeping not):
      // remember it, and go again once this pass is over.
      run.again = true;
      return;
    }
    run.active = true;
    run.again = false;
    void this.process(def, run)
      .catch((error: unknown) => this.deps.log(`airflow sandbox: run ${run.dagId}/${run.runId} stopped: ${(error as Error).message}`))
      .finally(() => {
        run.active = false;
        if (run.again && !this.stopping.signal.aborted) this.schedule(def, run);
      });
  }

  private async process(def: DagDef, run: DagRun): Promise<void> {
    const signal = this.stopping.signal;
    // One active run per DAG (max_active_runs=1, as the nightly ETL DAGs are configured).
    const previous = this.locks.get(def.dagId) ?? Promise.resolve();
    let release = () => {};
    const mine = new Promise<void>((resolve) => (release = resolve));
    this.locks.set(def.dagId, previous.then(() => mine));
    await previous;
    try {
      while (this.paused.has(def.dagId) && !signal.aborted) await sleep(this.ms(200), signal);
      await sleep(this.ms(250), signal);
      if (signal.aborted) return;
      run.state = 'running';
      run.startDate ??= apiTime();
      run.endDate = null;
      if (def.pipeline) await pipelineStarted(this.deps.warehouse, def, run).catch((e: unknown) => this.deps.log(`airflow sandbox: etl_control: ${(e as Error).message}`));
      await this.runTasks(def, run, signal);
      if (signal.aborted) return;
      const failed = [...run.tis.values()].some((t) => t.state === 'failed' || t.state === 'upstream_failed');
      const finished = { ...run, state: failed ? ('failed' as const) : ('success' as const), endDate: apiTime() };
      // Record the pipeline's status before the run reports its end: whoever sees the run finished
      // (an operator's next check) must find the control tables already updated.
      if (def.pipeline) await pipelineFinished(this.deps.warehouse, def, finished).catch((e: unknown) => this.deps.log(`airflow sandbox: etl_control: ${(e as Error).message}`));
      run.state = finished.state;
      run.endDate = finished.endDate;
      run.lastSchedulingDecision = run.endDate;
    } finally {
      release();
    }
  }

  /** Waves of ready tasks (upstream all succeeded), at most three at a time, until nothing is left to do. */
  private async runTasks(def: DagDef, run: DagRun, signal: AbortSignal): Promise<void> {
    for (;;) {
      if (signal.aborted) return;
      run.lastSchedulingDecision = apiTime();
      let progressed = false;
      const ready: TaskDef[] = [];
      for (const t of def.tasks) {
        const ti = run.tis.get(t.taskId);
        if (!ti || ti.state !== null) continue;
        // An upstream the run does not have (the DAG changed since) does not hold a task back.
        const ups = t.upstream.map((u) => (run.tis.has(u) ? run.tis.get(u)!.state : 'success'));
        if (ups.some((s) => s === 'failed' || s === 'upstream_failed')) {
          ti.state = 'upstream_failed';
          ti.endDate = apiTime();
          progressed = true;
        } else if (ups.every((s) => s === 'success' || s === 'skipped')) ready.push(t);
      }
      if (ready.length === 0) {
        if (progressed) continue;
        return;
      }
      for (let i = 0; i < ready.length; i += 3) {
        await Promise.all(ready.slice(i, i + 3).map((t) => this.runTask(def, t, run, signal)));
      }
    }
  }

  /** Every try of one task until it succeeds or has no tries left. */
  private async runTask(def: DagDef, task: TaskDef, run: DagRun, signal: AbortSignal): Promise<void> {
    const ti = run.tis.get(task.taskId)!;
    for (;;) {
      const outcome = await this.attempt(def, task, run, ti, signal);
      if (outcome !== 'up_for_retry' || signal.aborted) return;
      await sleep(this.ms(1500), signal);
    }
  }

  private async attempt(def: DagDef, task: TaskDef, run: DagRun, ti: TaskInstance, signal: AbortSignal): Promise<'success' | 'up_for_retry' | 'failed'> {
    ti.tryNumber += 1;
    const entry: Try = { tryNumber: ti.tryNumber, state: 'scheduled', startDate: null, endDate: null, log: [], fromHistory: false, heldMsAtStart: run.timelineHeldMs ?? 0 };
    ti.tries.set(entry.tryNumber, entry);
    ti.state = entry.state = 'scheduled';
    ti.scheduledWhen = apiTime();
    ti.endDate = null;
    await sleep(this.ms(150), signal);
    ti.state = entry.state = 'queued';
    ti.queuedWhen = apiTime();
    await sleep(this.ms(250), signal);
    const started = Date.now();
    ti.state = entry.state = 'running';
    ti.startDate = entry.startDate = apiTime();
    entry.log.push(...headerLines(entry.startDate, run, ti, entry.tryNumber, task.operator));
    const ctx = taskContext({ warehouse: this.deps.warehouse, faults: this.deps.faults, variables: await this.deps.variables(), ms: (n) => this.ms(n), extracts: this.deps.extracts, dbtCloud: this.deps.dbtCloud, tableau: this.deps.tableau }, def, task, run, ti, entry, signal);
    let outcome: 'success' | 'up_for_retry' | 'failed' = 'success';
    try {
      await task.body(ctx);
      await sleep(Math.max(0, this.ms(task.durationMs) - (Date.now() - started)), signal);
    } catch (error) {
      const failure = error instanceof TaskFailure ? error : new TaskFailure((error as Error).name || 'Exception', (error as Error).message);
      entry.log.push(line(apiTime(), 'Task failed with exception', 'ERROR'));
      entry.log.push(line(apiTime(), `${failure.exception}: ${failure.message}`, 'ERROR'));
      outcome = ti.tryNumber <= ti.maxTries ? 'up_for_retry' : 'failed';
    }
    const end = apiTime();
    entry.log.push(...outcomeLines(end, run, ti.taskId, outcome, entry.startDate));
    entry.endDate = end;
    entry.state = outcome === 'success' ? 'success' : 'failed';
    ti.state = outcome;
    ti.endDate = end;
    await recordTry(this.deps.warehouse, run, ti, entry).catch((e: unknown) => this.deps.log(`airflow sandbox: ops.job_runs: ${(e as Error).message}`));
    return outcome;
  }

  /** Resets the task instances a clear selects; unless it is a dry run, their runs go again. */
  async clear(def: DagDef, spec: ClearSpec): Promise<Cleared[]> {
    const out = selectForClear(def, await this.deps.store.runsOf(def.dagId), spec);
    if (spec.dryRun) return out;
    const touched = new Set<DagRun>();
    for (const { run, ti } of out) {
      const task = def.tasks.find((t) => t.taskId === ti.taskId);
      ti.state = null;
      ti.endDate = null;
      // Like Airflow: a cleared task gets its retries again.
      ti.maxTries = ti.tryNumber + (task?.retries ?? 0);
      this.deps.faults.cleared(def.dagId, ti.taskId);
      touched.add(run);
    }
    for (const run of touched) {
      run.state = 'queued';
      run.endDate = null;
      run.queuedAt = apiTime();
      this.schedule(def, run);
    }
    return out;
  }

  logOf(run: DagRun, ti: TaskInstance, t: Try): readonly LogLine[] {
    if (t.fromHistory && t.log.length === 0) t.log.push(...historyLog(run, ti, t));
    return t.log;
  }

  isFinished(run: DagRun, ti: TaskInstance, t: Try): boolean {
    return t.tryNumber < ti.tryNumber || FINISHED.has(ti.state) || ti.state === 'up_for_retry' || run.state === 'success' || run.state === 'failed';
  }

  close(): void {
    this.stopping.abort();
  }
}

/** `2025-03-04T01:00:00Z` → `2025-03-04T01:00:00`; with milliseconds, six fractional digits like Airflow. */
function runIdStamp(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?/.exec(iso);
  if (!m) return iso;
  return m[2] ? `${m[1]}.${m[2].padEnd(6, '0').slice(0, 6)}` : m[1]!;
}
