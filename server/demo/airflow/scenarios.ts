/**
 * Training scenarios (DESIGN.md §8): each injects a fault the failure-handling runbooks cover, in the
 * warehouse and in the sandbox, and replays the night's run of the affected DAG so it fails the way a
 * real night would. A newcomer then follows the runbook to recovery. `deactivate` puts the healthy
 * baseline back as far as data goes (the failed run stays in the history, as it would).
 */
import type { Engine } from './engine';
import type { Faults } from './faults';
import type { RunStore } from './store';
import { addDays, localDate, warehouseTime, type Warehouse } from './warehouse';
import { investorScenarios } from './training/investor';
import { retailScenarios } from './training/retail';

export interface ScenarioContext {
  readonly warehouse: Warehouse;
  readonly engine: Engine;
  readonly faults: Faults;
  readonly store: RunStore;
  readonly timeScale: number;
  /** Empties the sandbox's Airflow variables, or loads them again from the release's list. */
  readonly variables: { clear(): void; reload(): Promise<void> };
  /** Pending timed events (a late file's arrival), by scenario id. */
  readonly timers: Map<string, NodeJS.Timeout>;
}

export interface DagRunRef {
  readonly dagId: string;
  readonly runId: string;
}

export interface ScenarioAction {
  readonly id: string;
  readonly label: string;
}

export interface ScenarioInfo {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  /** Where the runbook for it lives on the site. */
  readonly runbook: string;
  readonly active: boolean;
  readonly activatedAt: string | null;
  /** What happened and what to look at, once active. */
  readonly note: string | null;
  /** The night's run the scenario replayed (and that failed), once active. */
  readonly dagRun: DagRunRef | null;
  readonly actions: readonly ScenarioAction[];
}

export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  readonly runbook: string;
  readonly actions?: readonly ScenarioAction[];
  activate(ctx: ScenarioContext, bd: string): Promise<{ note: string; dagRun: DagRunRef | null }>;
  deactivate(ctx: ScenarioContext, bd: string): Promise<void>;
  act?(action: string, ctx: ScenarioContext, bd: string): Promise<string>;
}

/** Replays the night's scheduled run of a DAG for the business date: it fails on the injected fault. */
async function replayNight(ctx: ScenarioContext, dagId: string, bd: string): Promise<DagRunRef> {
  const def = await ctx.engine.dag(dagId);
  if (!def) throw new Error(`The sandbox has no DAG ${dagId}.`);
  const rows = await ctx.warehouse.query(`SELECT DISTINCT run_id FROM ops.job_runs WHERE dag_id = :dag AND business_date = CAST(:bd AS DATE) AND run_id LIKE 'scheduled__%'`, { dag: dagId, bd });
  const [h, m] = (def.schedule ?? '0 1').split(' ').map(Number);
  const runId = rows[0] ? String(rows[0].run_id) : `scheduled__${addDays(bd, -1)}T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00+00:00`;
  const logical = `${runId.slice('scheduled__'.length, 'scheduled__'.length + 19)}Z`;
  // The replay is the night's run: its tries replace the ones the seed recorded.
  await ctx.warehouse.query(`DELETE FROM ops.job_runs WHERE dag_id = :dag AND run_id = :run`, { dag: dagId, run: runId });
  await ctx.engine.trigger(def, { conf: {}, logicalDate: logical, logicalDateGiven: true, runType: 'scheduled', runId });
  return { dagId, runId };
}

const held = {
  async hold(w: Warehouse, bd: string): Promise<void> {
    await w.query(`INSERT INTO opsbook_sandbox.held_ldz_customers SELECT * FROM ldz.customers WHERE business_date = CAST(:bd AS DATE)`, { bd });
    await w.query(`DELETE FROM ldz.customers WHERE business_date = CAST(:bd AS DATE)`, { bd });
    // The vault load that followed at 02:00 ran on the incomplete landing: no customer versions that night.
    await w.query(`INSERT INTO opsbook_sandbox.held_sat_customer_details SELECT * FROM rdv.sat_customer_details WHERE CAST(load_dts AS DATE) = CAST(:bd AS DATE)`, { bd });
    await w.query(`DELETE FROM rdv.sat_customer_details WHERE CAST(load_dts AS DATE) = CAST(:bd AS DATE)`, { bd });
    await w.query(`UPDATE ldz.file_manifest SET arrived_at = NULL WHERE source_table = 'customers' AND business_date = CAST(:bd AS DATE)`, { bd });
  },
  async arrive(w: Warehouse, bd: string): Promise<void> {
    await w.query(`UPDATE ldz.file_manifest SET arrived_at = CAST(:now AS TIMESTAMP) WHERE source_table = 'customers' AND business_date = CAST(:bd AS DATE) AND arrived_at IS NULL`, { bd, now: warehouseTime() });
  },
  async restore(w: Warehouse, bd: string): Promise<void> {
    await w.query(`INSERT INTO ldz.customers SELECT * FROM opsbook_sandbox.held_ldz_customers WHERE business_date = CAST(:bd AS DATE)`, { bd });
    await w.query(`DELETE FROM opsbook_sandbox.held_ldz_customers`);
    await w.query(
      `INSERT INTO rdv.sat_customer_details SELECT * FROM opsbook_sandbox.held_sat_customer_details h
       WHERE NOT EXISTS (SELECT 1 FROM rdv.sat_customer_details s WHERE s.customer_hk = h.customer_hk AND CAST(s.load_dts AS DATE) = CAST(h.load_dts AS DATE))`,
    );
    await w.query(`DELETE FROM opsbook_sandbox.held_sat_customer_details`);
    await w.query(
      `UPDATE ldz.file_manifest SET arrived_at = coalesce(arrived_at, CAST(:bd AS TIMESTAMP) + INTERVAL 40 MINUTE) WHERE source_table = 'customers' AND business_date = CAST(:bd AS DATE)`,
      { bd },
    );
    await w.query(
      `UPDATE ldz.load_audit SET status = 'SUCCEEDED', row_count = (SELECT count(*) FROM ldz.customers WHERE business_date = CAST(:bd AS DATE))
       WHERE source_table = 'customers' AND business_date = CAST(:bd AS DATE)`,
      { bd },
    );
  },
};

function ldzFileScenario(id: string, late: boolean): Scenario {
  return {
    id,
    title: late ? 'Late LDZ file' : 'Missing LDZ file',
    summary: late
      ? "Tonight's customers extract missed the 00:55 cut-off: land_customers failed and the file arrives about a minute after you start. Find it, then clear the land task and rerun the vault load."
      : "Tonight's customers extract never arrived: land_customers failed. Diagnose it, escalate to the mart's owners, and when the file is redelivered (the Redeliver action) clear the task and rerun the vault load.",
    runbook: '/canonical/failure-handling#ldz-load-failure',
    ...(late ? {} : { actions: [{ id: 'deliver', label: 'Redeliver the file' }] }),
    async activate(ctx, bd) {
      await held.hold(ctx.warehouse, bd);
      const dagRun = await replayNight(ctx, 'cdm_mdm_to_ldz', bd);
      if (late) {
        const after = Math.max(1000, Math.round(60_000 * ctx.timeScale));
        ctx.timers.set(id, setTimeout(() => void held.arrive(ctx.warehouse, bd).catch(() => undefined), after));
      }
      return { note: `Run ${dagRun.runId} of cdm_mdm_to_ldz is replaying the night and will fail at land_customers. ${late ? 'The file arrives in about a minute.' : 'The file will not arrive until you redeliver it.'}`, dagRun };
    },
    async act(action, ctx, bd) {
      if (action !== 'deliver') throw new Error(`Unknown action ${action}.`);
      await held.arrive(ctx.warehouse, bd);
      return 'The customers file has arrived (late): clear land_customers for the night.';
    },
    async deactivate(ctx, bd) {
      clearTimeout(ctx.timers.get(id));
      ctx.timers.delete(id);
      await held.restore(ctx.warehouse, bd);
    },
  };
}

const SCENARIOS: readonly Scenario[] = [
  ldzFileScenario('late_ldz_file', true),
  ldzFileScenario('missing_ldz_file', false),
  {
    id: 'duplicate_hub_keys',
    title: 'Duplicate hub keys',
    summary: "A rerun outside the DAG inserted five customers into rdv.hub_customer a second time: tonight's check_rdv_keys failed. Find the duplicates, have them removed (escalation), then clear the check.",
    runbook: '/canonical/failure-handling#rdv-load-failure',
    async activate(ctx, bd) {
      await ctx.warehouse.query(
        `INSERT INTO rdv.hub_customer SELECT customer_hk, customer_id, CAST(:now AS TIMESTAMP), record_source FROM rdv.hub_customer
         WHERE customer_id IN (SELECT customer_id FROM rdv.hub_customer ORDER BY customer_id LIMIT 5 OFFSET 100)`,
        { now: `${bd} 02:04:11` },
      );
      const dagRun = await replayNight(ctx, 'cdm_ldz_to_rdv', bd);
      return { note: `Run ${dagRun.runId} of cdm_ldz_to_rdv is replaying the night and will fail at check_rdv_keys.`, dagRun };
    },
    async deactivate(ctx) {
      await ctx.warehouse.query(
        `DELETE FROM rdv.hub_customer h USING (SELECT customer_hk, max(load_dts) AS newest FROM rdv.hub_customer GROUP BY customer_hk HAVING count(*) > 1) d
         WHERE h.customer_hk = d.customer_hk AND h.load_dts = d.newest`,
      );
    },
  },
  {
    id: 'stale_aggregate',
    title: 'Stale aggregate',
    summary: "The warehouse was suspended during tonight's refresh of agg.daily_campaign_metrics: both tries failed and its rows still carry yesterday's refresh time. Validate the aggregates, then clear the failed refresh.",
    runbook: '/canonical/basic-data-validation',
    async activate(ctx, bd) {
      await ctx.warehouse.query(`UPDATE agg.daily_campaign_metrics SET refresh_ts = refresh_ts - INTERVAL 1 DAY WHERE business_date = CAST(:bd AS DATE)`, { bd });
      ctx.faults.set('cdm_aggregate_refresh', 'refresh_daily_campaign_metrics', {
        exception: 'OperationalError', message: 'Warehouse OPS_WH was suspended during the refresh of agg.daily_campaign_metrics; the statement was aborted.', untilCleared: false, tries: 2,
      });
      const dagRun = await replayNight(ctx, 'cdm_aggregate_refresh', bd);
      return { note: `Run ${dagRun.runId} of cdm_aggregate_refresh is replaying the night; refresh_daily_campaign_metrics will fail twice.`, dagRun };
    },
    async deactivate(ctx, bd) {
      ctx.faults.remove('cdm_aggregate_refresh', 'refresh_daily_campaign_metrics');
      await ctx.warehouse.query(`UPDATE agg.daily_campaign_metrics SET refresh_ts = CAST(:now AS TIMESTAMP) WHERE business_date = CAST(:bd AS DATE)`, { bd, now: warehouseTime() });
    },
  },
  {
    id: 'failed_task_until_cleared',
    title: 'A task that fails until cleared',
    summary: 'refresh_campaign_360 hits a lock held by a stale session and fails on every try of every new run, until an operator clears the failed task instance (which ends the stale session). Triggering the DAG again does not help: clear it.',
    runbook: '/canonical/failure-handling#360-layer-failure',
    async activate(ctx, bd) {
      ctx.faults.set('cdm_360_refresh', 'refresh_campaign_360', {
        exception: 'OperationalError', message: 'Lock wait timeout on campaign_360.campaign_360: held by a stale session of a previous run.', untilCleared: true,
      });
      const dagRun = await replayNight(ctx, 'cdm_360_refresh', bd);
      return { note: `Run ${dagRun.runId} of cdm_360_refresh is replaying the night and will fail at refresh_campaign_360 until the task is cleared.`, dagRun };
    },
    async deactivate(ctx) {
      ctx.faults.remove('cdm_360_refresh', 'refresh_campaign_360');
    },
  },
  {
    id: 'environment_rebuild',
    title: 'Environment rebuild',
    summary: "The Airflow metadata was rebuilt and has no variables: ddl_execution_dag_multidb and the nightly DAGs fail until the three setup DAGs run in order (variables, DDL, date control). Follow the setup DAG runbook.",
    runbook: '/canonical/setup-dags',
    async activate(ctx) {
      ctx.variables.clear();
      return { note: 'Airflow has no variables now. Run airflow_variable_sync, then ddl_execution_dag_multidb, then etl_date_control_update_dag.', dagRun: null };
    },
    async deactivate(ctx) {
      await ctx.variables.reload();
    },
  },
  ...investorScenarios,
  ...retailScenarios,
];

/** The scenarios' state, and the one JSON shape the Training page reads. */
export class Scenarios {
  private readonly state = new Map<string, { activatedAt: string; note: string; businessDate: string; dagRun: DagRunRef | null }>();

  constructor(private readonly ctx: ScenarioContext) {}

  list(): ScenarioInfo[] {
    return SCENARIOS.map((s) => this.info(s));
  }

  private info(s: Scenario): ScenarioInfo {
    const st = this.state.get(s.id);
    return {
      id: s.id, title: s.title, summary: s.summary, runbook: s.runbook, active: !!st, activatedAt: st?.activatedAt ?? null, note: st?.note ?? null,
      dagRun: st?.dagRun ?? null, actions: st ? (s.actions ?? []) : [],
    };
  }

  has(id: string): boolean {
    return SCENARIOS.some((s) => s.id === id);
  }

  /** `activate`, `deactivate`, or one of the active scenario's actions. Errors are for the caller to show. */
  async apply(id: string, action: string): Promise<ScenarioInfo> {
    const s = SCENARIOS.find((x) => x.id === id)!;
    const st = this.state.get(id);
    if (action === 'activate') {
      if (st) throw new ScenarioConflict(`${s.title} is already active; deactivate it first.`);
      const bd = localDate();
      const { note, dagRun } = await s.activate(this.ctx, bd);
      this.state.set(id, { activatedAt: new Date().toISOString(), note, businessDate: bd, dagRun });
    } else if (action === 'deactivate') {
      if (!st) throw new ScenarioConflict(`${s.title} is not active.`);
      await s.deactivate(this.ctx, st.businessDate);
      this.state.delete(id);
    } else {
      if (!st || !s.act || !(s.actions ?? []).some((a) => a.id === action)) throw new ScenarioConflict(`"${action}" is not an action of ${s.title}${st ? '' : ' (it is not active)'}.`);
      st.note = await s.act(action, this.ctx, st.businessDate);
    }
    return this.info(s);
  }

  close(): void {
    for (const t of this.ctx.timers.values()) clearTimeout(t);
    this.ctx.timers.clear();
  }
}

export class ScenarioConflict extends Error {}
