/**
 * A customers extract in a bad format: forty of its lines have a broken encoding and cannot be parsed. The
 * land task lands the rest, rejects those lines, and fails (a file that broken is redelivered, not loaded on);
 * the vault load at 02:00 ran on the incomplete landing. Recovery: the mart redelivers a corrected file (a new
 * load id), the land task is cleared, then the vault load's whole run.
 */
import { warehouseTime } from '../../warehouse';
import { replayNight } from '../replay';
import type { Scenario } from '../types';
import { held } from './ldzFile';

const BAD_LINES = 40;

export const ldzBadFormat: Scenario = {
  id: 'ldz_bad_format',
  title: 'LDZ file in a bad format',
  summary: `Tonight's customers extract has ${BAD_LINES} lines in a broken encoding: land_customers rejected them and failed, and the vault load at 02:00 ran without those customers. Diagnose the file's format, ask for a redelivery (Redeliver the file), clear the land task, then rerun the vault load.`,
  runbook: '/canonical/failure-handling#ldz-diagnose',
  actions: [{ id: 'redeliver', label: 'Redeliver a corrected file' }],
  async activate(ctx, bd) {
    const w = ctx.warehouse;
    const bad = `SELECT customer_id FROM ldz.customers WHERE business_date = CAST(:bd AS DATE) ORDER BY customer_id LIMIT ${BAD_LINES}`;
    // The lines that cannot be parsed: what the land task writes to ldz.rejected_records instead of landing them.
    await w.query(
      `INSERT INTO ldz.rejected_records
       SELECT c.business_date, 'customers', f.load_id, f.file_name, CAST(1 + row_number() OVER (ORDER BY c.customer_id) * 5 AS INTEGER),
              'INVALID_ENCODING', printf('%d|%s|%s|\uFFFD\uFFFD|%s', c.customer_id, c.customer_code, c.first_name, c.region),
              CAST(:bd AS TIMESTAMP) + INTERVAL 61 MINUTE
       FROM ldz.customers c JOIN ldz.file_manifest f ON f.source_table = 'customers' AND f.business_date = c.business_date
       WHERE c.customer_id IN (${bad})`,
      { bd },
    );
    await w.query(`INSERT INTO opsbook_sandbox.held_ldz_customers SELECT * FROM ldz.customers WHERE business_date = CAST(:bd AS DATE) AND customer_id IN (${bad})`, { bd });
    await w.query(`DELETE FROM ldz.customers WHERE business_date = CAST(:bd AS DATE) AND customer_id IN (SELECT customer_id FROM opsbook_sandbox.held_ldz_customers)`, { bd });
    // The vault load ran on the incomplete landing: those customers have no version of the night.
    await w.query(
      `INSERT INTO opsbook_sandbox.held_sat_customer_details SELECT * FROM rdv.sat_customer_details
       WHERE CAST(load_dts AS DATE) = CAST(:bd AS DATE) AND customer_hk IN (SELECT md5(upper(trim(CAST(customer_id AS VARCHAR)))) FROM opsbook_sandbox.held_ldz_customers)`,
      { bd },
    );
    await w.query(`DELETE FROM rdv.sat_customer_details s USING opsbook_sandbox.held_sat_customer_details h WHERE s.customer_hk = h.customer_hk AND s.load_dts = h.load_dts`);
    await w.query(`UPDATE ldz.file_manifest SET format_status = 'INVALID', encoding = 'UTF-8 (invalid sequences)' WHERE source_table = 'customers' AND business_date = CAST(:bd AS DATE)`, { bd });
    const dagRun = await replayNight(ctx, 'cdm_mdm_to_ldz', bd);
    return { note: `Run ${dagRun.runId} of cdm_mdm_to_ldz is replaying the night and will fail at land_customers: ${BAD_LINES} lines rejected.`, dagRun };
  },
  async act(action, ctx, bd) {
    if (action !== 'redeliver') throw new Error(`Unknown action ${action}.`);
    // A corrected file replaces the first one: a new arrival and a load id of its own, a clean format.
    await ctx.warehouse.query(
      `UPDATE ldz.file_manifest SET format_status = 'VALID', encoding = 'UTF-8', load_id = load_id || '-R1', arrived_at = CAST(:now AS TIMESTAMP)
       WHERE source_table = 'customers' AND business_date = CAST(:bd AS DATE) AND format_status = 'INVALID'`,
      { bd, now: warehouseTime() },
    );
    return 'The mart redelivered a corrected customers file: clear land_customers for the night, then rerun the vault load.';
  },
  async deactivate(ctx, bd) {
    const w = ctx.warehouse;
    await w.query(`DELETE FROM ldz.rejected_records WHERE source_table = 'customers' AND business_date = CAST(:bd AS DATE)`, { bd });
    await w.query(
      `UPDATE ldz.file_manifest SET format_status = 'VALID', encoding = 'UTF-8', load_id = replace(load_id, '-R1', '') WHERE source_table = 'customers' AND business_date = CAST(:bd AS DATE)`,
      { bd },
    );
    await held.restore(w, bd);
    return [await replayNight(ctx, 'cdm_mdm_to_ldz', bd), await replayNight(ctx, 'cdm_ldz_to_rdv', bd)];
  },
};
