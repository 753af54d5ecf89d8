/**
 * The sandbox's state and operations behind both API versions: DAGs, runs, clears, logs, variables and
 * backfills. The routes only translate HTTP to these calls and these results to each spec's shapes.
 */
import { randomBytes } from 'node:crypto';
import type { ConnectorRegistry } from '../../connectors/registry';
import { loadCatalog, type Catalog } from './catalog';
import { apiTime } from './clock';
import { Engine, type ClearSpec } from './engine';
import { Faults } from './faults';
import type { DagDef, DagRun, DbtCloudEndpoint, TableauEndpoint, TaskInstance } from './model';
import { Scenarios } from './scenarios';
import { RunStore } from './store';
import { addDays, createWarehouse, type Warehouse } from './warehouse';
import { slice, type LogSlice } from './logs';
import { mirrorVariables } from './variablesMirror';
import { DayRoll } from './dayRoll';
import { reseedInPlace } from '../reseed';
import { extractBucket, seedExtractsFromBronze, type ExtractBucket } from '../s3/extracts';
import { startLocalS3, type LocalS3 } from '../s3/server';
import { DEMO_BUCKETS } from '../systems';

export interface CoreOptions {
  readonly connectors: ConnectorRegistry;
  readonly env: string;
  readonly warehouse: string;
  readonly timeScale: number;
  readonly log: (message: string) => void;
  /** The demo warehouse's file when it is seeded by this server: then the demo rolls forward when the day changes. */
  readonly demoFile?: string;
  /** The clock the day roll reads (tests inject one). */
  readonly clock?: () => Date;
  /**
   * The demo S3 the ecommerce extract files live in (the server's, shared with S3 blocks and the demo
   * Databricks). Without one the sandbox starts its own S3-compatible server on first use.
   */
  readonly s3?: () => Promise<LocalS3>;
  /** The demo dbt Cloud's address, when the server mounts one: DailyRefresh runs there. */
  readonly dbtCloud?: () => Promise<DbtCloudEndpoint>;
  /** The demo Tableau's address, when the server mounts one: the KPI extracts are refreshed there. */
  readonly tableau?: () => Promise<TableauEndpoint>;
}

export class NotFound extends Error {}
export class Conflict extends Error {}
export class Invalid extends Error {}

export interface Backfill {
  readonly id: number;
  readonly dagId: string;
  readonly fromDate: string;
  readonly toDate: string;
  readonly createdAt: string;
  readonly runs: DagRun[];
}

export class SandboxCore {
  readonly warehouse: Warehouse;
  readonly store: RunStore;
  readonly engine: Engine;
  readonly faults = new Faults();
  readonly scenarios: Scenarios;
  readonly logSecret = randomBytes(16).toString('hex');
  readonly backfills: Backfill[] = [];
  private variables = new Map<string, { value: string; description: string | null }>();
  private catalog: Promise<Catalog> | null = null;
  private initialized: Promise<void> | null = null;
  /** Present for a demo warehouse this server seeds. */
  readonly dayRoll: DayRoll | null;
  /** The extract files' bucket; the first use fills it with the files bronze was loaded from. */
  readonly extracts: () => Promise<ExtractBucket>;
  private ownS3: Promise<LocalS3> | null = null;
  private seeded: Promise<ExtractBucket> | null = null;

  constructor(options: CoreOptions) {
    this.warehouse = createWarehouse(options.connectors, options.env, options.warehouse);
    this.store = new RunStore(this.warehouse);
    const s3 = options.s3 ?? (() => (this.ownS3 ??= startLocalS3(DEMO_BUCKETS)));
    this.extracts = () =>
      (this.seeded ??= (async () => {
        const bucket = extractBucket(await s3());
        // A warehouse without the ecommerce lakehouse has no history to write; the bucket works all the same.
        await seedExtractsFromBronze(this.warehouse, bucket).catch((error: unknown) => options.log(`airflow sandbox: no extract history written to S3 (${(error as Error).message})`));
        return bucket;
      })().catch((error: unknown) => {
        this.seeded = null;
        throw error;
      }));
    const dbtCloud = options.dbtCloud ?? (() => Promise.reject(new Error('this Airflow sandbox has no dbt Cloud to run DailyRefresh in (add {kind: dbt-cloud, demo: true} to the environment)')));
    const tableau = options.tableau ?? (() => Promise.reject(new Error('this Airflow sandbox has no Tableau to refresh the extracts in (add {kind: tableau, demo: true} to the environment)')));
    this.engine = new Engine({
      extracts: this.extracts, tableau, dbtCloud,
      warehouse: this.warehouse, catalog: () => this.catalogOf(), store: this.store, faults: this.faults, timeScale: options.timeScale, log: options.log,
      variables: async () => {
        await this.ready();
        return this.variables;
      },
    });
    this.scenarios = new Scenarios({
      extracts: this.extracts, dbtCloud, tableau,
      warehouse: this.warehouse, engine: this.engine, faults: this.faults, store: this.store, timeScale: options.timeScale, timers: new Map(),
      variables: {
        clear: async () => {
          this.variables.clear();
          await mirrorVariables(this.warehouse, this.variables);
        },
        reload: () => this.loadVariables('release'),
        set: async (key, value) => {
          await this.setVariable(key, value, undefined, this.variables.has(key) ? 'update' : 'create');
        },
      },
    });
    const demoFile = options.demoFile;
    this.dayRoll = demoFile
      ? new DayRoll({
          warehouse: this.warehouse, log: options.log, ...(options.clock ? { clock: options.clock } : {}),
          reseed: async (days) => {
            const done = await this.scenarios.whileNoChange(() => reseedInPlace(demoFile, days));
            if (done === null) throw new Error('a training scenario is changing; the roll waits for the next look');
            return done;
          },
          quiet: async () => !this.store.anyActive() && (await this.scenarios.list()).every((s) => !s.active && s.settled),
          rolled: () => {
            this.store.forget();
            // The new day's history has files bronze was loaded from that S3 does not have yet.
            this.seeded = null;
          },
        })
      : null;
  }

  /** First use: the sandbox's own schema in the warehouse, and Airflow's variables as the last release synced them. */
  ready(): Promise<void> {
    this.initialized ??= (async () => {
      await this.warehouse.query(`CREATE SCHEMA IF NOT EXISTS opsbook_sandbox`);
      await this.warehouse.query(`CREATE TABLE IF NOT EXISTS opsbook_sandbox.held_ldz_customers AS SELECT * FROM ldz.customers LIMIT 0`);
      await this.warehouse.query(`CREATE TABLE IF NOT EXISTS opsbook_sandbox.held_sat_customer_details AS SELECT * FROM rdv.sat_customer_details LIMIT 0`);
      // Contact history rows a redelivered extract brings, waiting for the land task (training: a short extract).
      await this.warehouse.query(`CREATE TABLE IF NOT EXISTS opsbook_sandbox.dropzone_ldz_contact_history AS SELECT * FROM ldz.contact_history LIMIT 0`);
      // Customer rows a corrected redelivery no longer carries, for the land task to remove (training: key violations).
      await this.warehouse.query(`CREATE TABLE IF NOT EXISTS opsbook_sandbox.withdrawn_ldz_customers AS SELECT * FROM ldz.customers LIMIT 0`);
      // Locks other sessions hold on the warehouse's tables (training: a backup that held a model's table all night).
      await this.warehouse.query(`CREATE TABLE IF NOT EXISTS opsbook_sandbox.table_locks (table_name VARCHAR, holder VARCHAR, held_until TIMESTAMP)`);
      await this.loadVariables('airflow');
    })().catch((error: unknown) => {
      this.initialized = null;
      throw error;
    });
    return this.initialized;
  }

  /** From what Airflow last held (ops.airflow_variables, kept by the sandbox), or afresh from the release's list. */
  private async loadVariables(from: 'airflow' | 'release'): Promise<void> {
    const release = `SELECT variable_key, variable_value, description FROM etl_control.airflow_variables ORDER BY variable_key`;
    const held = `SELECT variable_key, variable_value, description FROM ops.airflow_variables ORDER BY variable_key`;
    const rows = await (from === 'airflow' ? this.warehouse.query(held).catch(() => this.warehouse.query(release)) : this.warehouse.query(release)).catch(() => []);
    this.variables = new Map(rows.map((r) => [String(r.variable_key), { value: String(r.variable_value ?? ''), description: r.description == null ? null : String(r.description) }]));
    if (from === 'release') await mirrorVariables(this.warehouse, this.variables);
  }

  catalogOf(): Promise<Catalog> {
    this.catalog ??= loadCatalog(this.warehouse).catch((error: unknown) => {
      this.catalog = null;
      throw error;
    });
    return this.catalog;
  }

  async dag(dagId: string): Promise<DagDef> {
    await this.ready();
    const def = (await this.catalogOf()).get(dagId);
    if (!def) throw new NotFound(`The Dag with ID: \`${dagId}\` was not found`);
    return def;
  }

  async run(dagId: string, runId: string): Promise<{ def: DagDef; run: DagRun }> {
    const def = await this.dag(dagId);
    const run = await this.store.get(dagId, runId);
    if (!run) throw new NotFound(`The DagRun with dag_id: \`${dagId}\` and run_id: \`${runId}\` was not found`);
    return { def, run };
  }

  /** Runs newest first (by run_after), filtered as both APIs allow. */
  async runs(dagId: string, filter: { states?: readonly string[]; logicalGte?: string; logicalLte?: string }): Promise<{ def: DagDef; runs: DagRun[] }> {
    const def = await this.dag(dagId);
    const at = (iso: string | undefined) => (iso ? new Date(iso).getTime() : null);
    const gte = at(filter.logicalGte);
    const lte = at(filter.logicalLte);
    const runs = (await this.store.runsOf(dagId))
      .filter((r) => !filter.states?.length || filter.states.includes(r.state))
      .filter((r) => {
        const t = r.logicalDate ? new Date(r.logicalDate).getTime() : null;
        return (gte === null || (t !== null && t >= gte)) && (lte === null || (t !== null && t <= lte));
      })
      .sort((a, b) => (b.runAfter === a.runAfter ? b.seq - a.seq : b.runAfter.localeCompare(a.runAfter)));
    return { def, runs };
  }

  async trigger(dagId: string, body: { conf: Record<string, unknown>; logicalDate: string | null; logicalDateGiven: boolean; runId: string | null }): Promise<{ def: DagDef; run: DagRun }> {
    const def = await this.dag(dagId);
    const runs = await this.store.runsOf(dagId);
    if (body.runId && runs.some((r) => r.runId === body.runId)) throw new Conflict(`A DAG Run already exists for DAG: ${dagId} with run id: ${body.runId}`);
    if (body.logicalDate && runs.some((r) => r.logicalDate && new Date(r.logicalDate).getTime() === new Date(body.logicalDate!).getTime())) {
      throw new Conflict(`A DAG Run already exists for DAG: ${dagId} at logical date ${body.logicalDate}`);
    }
    const run = await this.engine.trigger(def, { conf: body.conf, logicalDate: body.logicalDate, logicalDateGiven: body.logicalDateGiven, runType: 'manual', ...(body.runId ? { runId: body.runId } : {}) });
    return { def, run };
  }

  async clear(dagId: string, spec: ClearSpec) {
    const def = await this.dag(dagId);
    const unknown = (spec.taskIds ?? []).filter((t) => !def.tasks.some((d) => d.taskId === t));
    if (unknown.length) throw new NotFound(`Task(s) ${unknown.join(', ')} not found in DAG ${dagId}`);
    return { def, cleared: await this.engine.clear(def, spec) };
  }

  async log(dagId: string, runId: string, taskId: string, tryNumber: number, from: number): Promise<LogSlice> {
    const { run } = await this.run(dagId, runId);
    const ti: TaskInstance | undefined = run.tis.get(taskId);
    if (!ti) throw new NotFound(`TaskInstance not found: ${taskId} of run ${runId}`);
    const t = ti.tries.get(tryNumber);
    if (!t) throw new NotFound(`Task ${taskId} of run ${runId} has no try ${tryNumber} (it has ${ti.tryNumber})`);
    return slice(this.engine.logOf(run, ti, t), from, this.engine.isFinished(run, ti, t));
  }

  async setPaused(dagId: string, paused: boolean): Promise<DagDef> {
    const def = await this.dag(dagId);
    if (paused) this.engine.paused.add(dagId);
    else this.engine.paused.delete(dagId);
    return def;
  }

  async variable(key: string): Promise<{ key: string; value: string; description: string | null }> {
    await this.ready();
    const v = this.variables.get(key);
    if (!v) throw new NotFound(`The Variable with key: \`${key}\` was not found`);
    return { key, ...v };
  }

  async setVariable(key: string, value: string, description: string | null | undefined, mode: 'create' | 'update'): Promise<{ key: string; value: string; description: string | null }> {
    await this.ready();
    const existing = this.variables.get(key);
    if (mode === 'update' && !existing) throw new NotFound(`The Variable with key: \`${key}\` was not found`);
    if (mode === 'create' && existing) throw new Conflict(`The Variable with key: \`${key}\` already exists`);
    const entry = { value, description: description === undefined ? (existing?.description ?? null) : description };
    this.variables.set(key, entry);
    await mirrorVariables(this.warehouse, this.variables);
    return { key, ...entry };
  }

  /**
   * A backfill (Airflow 3): one run per day of the DAG's schedule in [from, to]; days that already have a
   * run are left alone unless their run failed (reprocess_behavior "failed") or everything is redone
   * ("completed"). Runs go one at a time, oldest first.
   */
  async backfill(dagId: string, from: string, to: string, reprocess: 'none' | 'failed' | 'completed'): Promise<Backfill> {
    const def = await this.dag(dagId);
    if (!def.schedule) throw new Invalid(`${dagId} has no schedule: only DAGs with a schedule can be backfilled.`);
    const [minute, hour] = def.schedule.split(' ').map(Number);
    // Whole days, as operators think of a backfill: every day from the first to the last date, inclusive.
    const first = from.slice(0, 10);
    const last = to.slice(0, 10);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(first) || !/^\d{4}-\d{2}-\d{2}$/.test(last) || first > last) throw new Invalid('from_date must be a date on or before to_date.');
    const existing = await this.store.runsOf(dagId);
    const backfill: Backfill = { id: this.backfills.length + 1, dagId, fromDate: from, toDate: to, createdAt: apiTime(), runs: [] };
    for (let day = first; day <= last; day = addDays(day, 1)) {
      const logical = `${day}T${def.runTime ?? `${String(hour ?? 0).padStart(2, '0')}:${String(minute ?? 0).padStart(2, '0')}:00`}Z`;
      const prior = existing.find((r) => r.logicalDate && new Date(r.logicalDate).getTime() === new Date(logical).getTime());
      if (prior) {
        if (reprocess === 'none' || (reprocess === 'failed' && prior.state !== 'failed')) continue;
        await this.engine.clear(def, { taskIds: null, startDate: logical, endDate: logical, dagRunId: prior.runId, onlyFailed: reprocess === 'failed', onlyRunning: false, includeUpstream: false, includeDownstream: false, dryRun: false });
        backfill.runs.push(prior);
        continue;
      }
      backfill.runs.push(await this.engine.trigger(def, { conf: {}, logicalDate: logical, logicalDateGiven: true, runType: 'backfill', runId: `backfill__${logical.replace('Z', '')}+00:00` }));
    }
    this.backfills.push(backfill);
    return backfill;
  }

  paused(dagId: string): boolean {
    return this.engine.paused.has(dagId);
  }

  close(): void {
    this.dayRoll?.stop();
    this.engine.close();
    this.scenarios.close();
    const own = this.ownS3;
    this.ownS3 = null;
    void own?.then((s3) => s3.close()).catch(() => undefined);
  }
}
