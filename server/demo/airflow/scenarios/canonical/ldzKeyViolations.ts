/**
 * A constraint violation in the vault's input: the mart added a join to its consent table in the customers
 * extract, so three customers with two consent rows come twice in tonight's file, and two consent rows without
 * a customer come with no business key and no record source. The file is consistent with its trailer and
 * lands; load_hubs of cdm_ldz_to_rdv fails on the vault's constraints. A rerun would fail the same way: the mart
 * redelivers a corrected file (the Redeliver action), which is landed again before the vault load is cleared.
 */
import { snapshot } from '../heldRows';
import { replayNight } from '../replay';
import type { Scenario, ScenarioContext } from '../types';

const ID = 'ldz_key_violations';
/** The rows the faulty extract added, as landed (kept to withdraw them on redelivery or deactivation). */
const BAD = 'opsbook_sandbox.key_violation_customers';
const WITHDRAWN = 'opsbook_sandbox.withdrawn_ldz_customers';
const MANIFEST_ROW = `source_table = 'customers' AND business_date = CAST(:bd AS DATE)`;

const manifest = (ctx: ScenarioContext) => snapshot(ctx.warehouse, ID, [{ table: 'ldz.file_manifest', where: MANIFEST_ROW }]);

const MATCH = `l.business_date = b.business_date AND l.customer_id IS NOT DISTINCT FROM b.customer_id AND l.customer_code IS NOT DISTINCT FROM b.customer_code
  AND l.opt_in_email IS NOT DISTINCT FROM b.opt_in_email AND l.record_source IS NOT DISTINCT FROM b.record_source`;

export const ldzKeyViolations: Scenario = {
  id: ID,
  title: 'Key violations in a landed file',
  summary:
    "The mart's customers extract now joins its consent table: tonight's file carries three customers twice and two rows without a customer id or record source. It landed, and load_hubs of cdm_ldz_to_rdv failed on the vault's constraints. Diagnose the RDV load, escalate (a rerun loads the same violations), and once the mart redelivers a corrected file (Redeliver), land it again and clear the vault load.",
  runbook: '/canonical/failure-handling#rdv-diagnose',
  actions: [{ id: 'redeliver', label: 'Redeliver a corrected file' }],
  async activate(ctx, bd) {
    const w = ctx.warehouse;
    await manifest(ctx).take({ bd });
    await w.query(
      `CREATE OR REPLACE TABLE ${BAD} AS
       SELECT * REPLACE (NOT opt_in_email AS opt_in_email) FROM (SELECT * FROM ldz.customers WHERE business_date = CAST(:bd AS DATE) AND opt_in_email IS NOT NULL ORDER BY customer_id LIMIT 3)
       UNION ALL
       SELECT * REPLACE (CAST(NULL AS BIGINT) AS customer_id, CAST(NULL AS VARCHAR) AS record_source)
       FROM (SELECT * FROM ldz.customers WHERE business_date = CAST(:bd AS DATE) ORDER BY customer_id DESC LIMIT 2)`,
      { bd },
    );
    await w.query(`INSERT INTO ldz.customers SELECT * FROM ${BAD}`);
    // The file is consistent with itself: its trailer counts the extra rows.
    await w.query(`UPDATE ldz.file_manifest SET trailer_record_count = trailer_record_count + (SELECT count(*) FROM ${BAD}) WHERE ${MANIFEST_ROW}`, { bd });
    const landing = await replayNight(ctx, 'cdm_mdm_to_ldz', bd);
    const dagRun = await replayNight(ctx, 'cdm_ldz_to_rdv', bd);
    return { note: `Tonight's customers file carries 5 rows that break the vault's constraints; run ${dagRun.runId} of cdm_ldz_to_rdv is replaying the night and will fail at load_hubs.`, dagRun, runs: [landing, dagRun] };
  },
  async act(action, ctx, bd) {
    if (action !== 'redeliver') throw new Error(`Unknown action ${action}.`);
    const w = ctx.warehouse;
    // The corrected file in the drop zone: without the extra rows, with a trailer that no longer counts them.
    await w.query(`CREATE TABLE IF NOT EXISTS ${BAD} AS SELECT * FROM ldz.customers LIMIT 0`);
    await w.query(`INSERT INTO ${WITHDRAWN} SELECT * FROM ${BAD}`);
    await w.query(`UPDATE ldz.file_manifest SET trailer_record_count = trailer_record_count - (SELECT count(*) FROM ${BAD}) WHERE ${MANIFEST_ROW}`, { bd });
    await w.query(`DELETE FROM ${BAD}`);
    return 'The mart redelivered a corrected customers file: land it again (clear the whole landing run for the night), then clear the failed vault load.';
  },
  async deactivate(ctx, bd) {
    const w = ctx.warehouse;
    await w.query(`CREATE TABLE IF NOT EXISTS ${BAD} AS SELECT * FROM ldz.customers LIMIT 0`);
    await w.query(`DELETE FROM ldz.customers l USING ${BAD} b WHERE ${MATCH}`);
    await w.query(`DELETE FROM ldz.customers l USING ${WITHDRAWN} b WHERE ${MATCH}`);
    await w.query(`DELETE FROM ${WITHDRAWN} WHERE business_date = CAST(:bd AS DATE)`, { bd });
    await w.query(`DROP TABLE ${BAD}`);
    await manifest(ctx).restore({ bd });
    return [await replayNight(ctx, 'cdm_mdm_to_ldz', bd), await replayNight(ctx, 'cdm_ldz_to_rdv', bd)];
  },
};
