/**
 * A customers extract that is late or missing: the land task fails at 01:00, and the vault load that
 * followed at 02:00 ran on the incomplete landing (no customer versions that night). The file arrives by
 * itself (late) or when redelivered (missing); the runbook's recovery lands it and reloads the vault.
 */
import { warehouseTime, type Warehouse } from '../../warehouse';
import { replayNight, runEnded } from '../replay';
import type { DagRunRef, Scenario, ScenarioContext } from '../types';

export const held = {
  async hold(w: Warehouse, bd: string): Promise<void> {
    await w.query(`INSERT INTO opsbook_sandbox.held_ldz_customers SELECT * FROM ldz.customers WHERE business_date = CAST(:bd AS DATE)`, { bd });
    await w.query(`DELETE FROM ldz.customers WHERE business_date = CAST(:bd AS DATE)`, { bd });
    await w.query(`INSERT INTO opsbook_sandbox.held_sat_customer_details SELECT * FROM rdv.sat_customer_details WHERE CAST(load_dts AS DATE) = CAST(:bd AS DATE)`, { bd });
    await w.query(`DELETE FROM rdv.sat_customer_details WHERE CAST(load_dts AS DATE) = CAST(:bd AS DATE)`, { bd });
    await w.query(`UPDATE ldz.file_manifest SET arrived_at = NULL WHERE source_table = 'customers' AND business_date = CAST(:bd AS DATE)`, { bd });
  },
  async arrive(w: Warehouse, bd: string): Promise<void> {
    await w.query(`UPDATE ldz.file_manifest SET arrived_at = CAST(:now AS TIMESTAMP) WHERE source_table = 'customers' AND business_date = CAST(:bd AS DATE) AND arrived_at IS NULL`, { bd, now: warehouseTime() });
  },
  /** Back to the night as it should have been: the file on time, its rows landed, the vault loaded. */
  async restore(w: Warehouse, bd: string): Promise<void> {
    await w.query(`INSERT INTO ldz.customers SELECT * FROM opsbook_sandbox.held_ldz_customers WHERE business_date = CAST(:bd AS DATE)`, { bd });
    await w.query(`DELETE FROM opsbook_sandbox.held_ldz_customers`);
    await w.query(
      `INSERT INTO rdv.sat_customer_details SELECT * FROM opsbook_sandbox.held_sat_customer_details h
       WHERE NOT EXISTS (SELECT 1 FROM rdv.sat_customer_details s WHERE s.customer_hk = h.customer_hk AND CAST(s.load_dts AS DATE) = CAST(h.load_dts AS DATE))`,
    );
    await w.query(`DELETE FROM opsbook_sandbox.held_sat_customer_details`);
    await w.query(`UPDATE ldz.file_manifest SET arrived_at = CAST(:bd AS TIMESTAMP) + INTERVAL 40 MINUTE WHERE source_table = 'customers' AND business_date = CAST(:bd AS DATE)`, { bd });
  },
};

/**
 * The late file lands `after` ms once the replayed night has failed — never before it, however slow the
 * machine: a file that arrived first would let the night succeed and the scenario show nothing.
 * Deactivation or Deliver now removes the timer; a check in flight then stops at `has(id)`.
 */
function arriveAfterTheNightFails(ctx: ScenarioContext, id: string, night: DagRunRef, bd: string, after: number): void {
  const poll = () =>
    ctx.timers.set(id, setTimeout(() => {
      void runEnded(ctx, night).then((ended) => {
        if (!ctx.timers.has(id)) return;
        if (!ended) return poll();
        ctx.timers.set(id, setTimeout(() => void held.arrive(ctx.warehouse, bd).catch(() => undefined), after));
      }, poll);
    }, 250));
  poll();
}

export function ldzFileScenario(id: 'late_ldz_file' | 'missing_ldz_file'): Scenario {
  const late = id === 'late_ldz_file';
  return {
    id,
    title: late ? 'Late LDZ file' : 'Missing LDZ file',
    summary: late
      ? "Tonight's customers extract missed the 00:55 cut-off: land_customers failed, and the vault load at 02:00 ran without it. The file arrives about a minute after you start (or use Deliver now). Find it, clear the land task, then rerun the vault load for the night."
      : "Tonight's customers extract never arrived: land_customers failed and the vault load ran without it. Diagnose it, escalate to the mart's owners, and when the file is redelivered (the Redeliver action) clear the land task and rerun the vault load.",
    runbook: '/canonical/failure-handling#ldz-load-failure',
    actions: [{ id: 'deliver', label: late ? 'Deliver the file now' : 'Redeliver the file' }],
    async activate(ctx, bd) {
      await held.hold(ctx.warehouse, bd);
      const dagRun = await replayNight(ctx, 'cdm_mdm_to_ldz', bd);
      if (late) arriveAfterTheNightFails(ctx, id, dagRun, bd, Math.max(1000, Math.round(60_000 * ctx.timeScale)));
      return {
        note: `Run ${dagRun.runId} of cdm_mdm_to_ldz is replaying the night and will fail at land_customers. ${late ? 'The file arrives in about a minute.' : 'The file will not arrive until you redeliver it.'}`,
        dagRun,
      };
    },
    async act(action, ctx, bd) {
      if (action !== 'deliver') throw new Error(`Unknown action ${action}.`);
      clearTimeout(ctx.timers.get(id));
      ctx.timers.delete(id);
      await held.arrive(ctx.warehouse, bd);
      return 'The customers file has arrived (late): clear land_customers for the night, then rerun the vault load.';
    },
    async deactivate(ctx, bd) {
      clearTimeout(ctx.timers.get(id));
      ctx.timers.delete(id);
      await held.restore(ctx.warehouse, bd);
      return [await replayNight(ctx, 'cdm_mdm_to_ldz', bd), await replayNight(ctx, 'cdm_ldz_to_rdv', bd)];
    },
  };
}
