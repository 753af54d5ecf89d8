/**
 * The night's customer satellite load was run a second time outside the DAG, by a script without the load's
 * "skip versions already loaded" guard: six customers' versions of the night are in rdv.sat_customer_details
 * twice, under the same load. check_rdv_keys (hubs and links only) had already passed, and the 360 refresh
 * joined each customer's current version — two rows for those six — so Customer 360 fanned out.
 */
import { replayNight } from '../replay';
import type { Scenario } from '../types';

const COPIES = 6;

export const duplicateSatelliteVersions: Scenario = {
  id: 'duplicate_satellite_versions',
  title: 'Satellite versions loaded twice',
  summary:
    "The customer satellite load was run again outside the DAG after tonight's vault load: six customers' versions of the night are in rdv.sat_customer_details twice, and tonight's 360 refresh wrote those customers into Customer 360 twice. Find the duplicates, have the copies removed (escalation), then rerun the 360 refresh for the night.",
  runbook: '/canonical/failure-handling#rdv-diagnose',
  async activate(ctx, bd) {
    await ctx.warehouse.query(
      `INSERT INTO rdv.sat_customer_details
       SELECT * FROM rdv.sat_customer_details
       WHERE CAST(load_dts AS DATE) = CAST(:bd AS DATE)
         AND customer_hk IN (SELECT customer_hk FROM rdv.sat_customer_details WHERE CAST(load_dts AS DATE) = CAST(:bd AS DATE) ORDER BY customer_hk LIMIT ${COPIES})`,
      { bd },
    );
    const dagRun = await replayNight(ctx, 'cdm_360_refresh', bd);
    return { note: `Run ${dagRun.runId} of cdm_360_refresh is replaying the night on the doubled satellite: Customer 360 will hold ${COPIES} customers twice.`, dagRun };
  },
  async deactivate(ctx, bd) {
    // The later copy of each (customer, load) goes, whether or not the trainee removed it already.
    await ctx.warehouse.query(
      `DELETE FROM rdv.sat_customer_details s
       WHERE CAST(s.load_dts AS DATE) = CAST(:bd AS DATE)
         AND s.rowid > (SELECT min(d.rowid) FROM rdv.sat_customer_details d WHERE d.customer_hk = s.customer_hk AND d.load_dts = s.load_dts)`,
      { bd },
    );
    return [await replayNight(ctx, 'cdm_360_refresh', bd)];
  },
};
