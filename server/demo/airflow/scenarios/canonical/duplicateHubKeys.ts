/** A rerun outside the DAG inserted five customers into the customer hub a second time; check_rdv_keys fails. */
import { replayNight } from '../replay';
import type { Scenario } from '../types';

export const duplicateHubKeys: Scenario = {
  id: 'duplicate_hub_keys',
  title: 'Duplicate hub keys',
  summary: "A rerun outside the DAG inserted five customers into rdv.hub_customer a second time: tonight's check_rdv_keys failed. Find the duplicates, have them removed (escalation), then clear the vault load's failed tasks.",
  runbook: '/canonical/failure-handling#rdv-load-failure',
  async activate(ctx, bd) {
    await ctx.warehouse.query(
      `INSERT INTO rdv.hub_customer SELECT customer_hk, customer_id, CAST(:at AS TIMESTAMP), record_source FROM rdv.hub_customer
       WHERE customer_id IN (SELECT customer_id FROM rdv.hub_customer ORDER BY customer_id LIMIT 5 OFFSET 100)`,
      { at: `${bd} 02:04:11` },
    );
    const dagRun = await replayNight(ctx, 'cdm_ldz_to_rdv', bd);
    return { note: `Run ${dagRun.runId} of cdm_ldz_to_rdv is replaying the night and will fail at check_rdv_keys.`, dagRun };
  },
  async deactivate(ctx, bd) {
    await ctx.warehouse.query(
      `DELETE FROM rdv.hub_customer h USING (SELECT customer_hk, max(load_dts) AS newest FROM rdv.hub_customer GROUP BY customer_hk HAVING count(*) > 1) d
       WHERE h.customer_hk = d.customer_hk AND h.load_dts = d.newest`,
    );
    return [await replayNight(ctx, 'cdm_ldz_to_rdv', bd)];
  },
};
