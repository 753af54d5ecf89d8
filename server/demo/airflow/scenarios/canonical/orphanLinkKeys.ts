/**
 * A key mismatch in the vault: tonight's contact file references three customers the mart created after its
 * customers extract was cut, so the contact links were loaded with customer keys no hub row holds, and
 * check_rdv_keys failed. A rerun loads the same links again; the repair is the data engineer's (an approved
 * hub load of those keys from the contact file), then the vault load's failed tasks are cleared.
 */
import { replayNight } from '../replay';
import type { Scenario } from '../types';

const AFFECTED = 3;
const moved = 'opsbook_sandbox.orphan_link_contacts';

export const orphanLinkKeys: Scenario = {
  id: 'orphan_link_keys',
  title: 'Contact links without a customer',
  summary: "Tonight's contact file references three customers that were not in the customers file: their contact links were loaded with customer keys no hub row holds, and check_rdv_keys failed. Diagnose the vault load, escalate to the data engineering on-call engineer (who loads the missing hub keys), then clear the vault load's failed tasks.",
  runbook: '/canonical/failure-handling#rdv-diagnose',
  async activate(ctx, bd) {
    const w = ctx.warehouse;
    // Three contacts of the night without responses, re-pointed at customers the hub has never seen.
    await w.query(
      `CREATE OR REPLACE TABLE ${moved} AS
       SELECT c.contact_id, c.customer_id AS old_customer_id, l.customer_hk AS old_customer_hk,
              (SELECT max(customer_id) FROM rdv.hub_customer) + row_number() OVER (ORDER BY c.contact_id) AS new_customer_id
       FROM ldz.contact_history c JOIN rdv.link_contact l ON l.contact_id = c.contact_id AND CAST(l.load_dts AS DATE) = c.business_date
       WHERE c.business_date = CAST(:bd AS DATE) AND NOT EXISTS (SELECT 1 FROM rdv.link_response r WHERE r.contact_hk = l.contact_hk)
       ORDER BY c.contact_id LIMIT ${AFFECTED}`,
      { bd },
    );
    await w.query(`UPDATE ldz.contact_history c SET customer_id = m.new_customer_id FROM ${moved} m WHERE c.contact_id = m.contact_id AND c.business_date = CAST(:bd AS DATE)`, { bd });
    await w.query(
      `UPDATE rdv.link_contact l SET customer_hk = md5(upper(trim(CAST(m.new_customer_id AS VARCHAR)))) FROM ${moved} m
       WHERE l.contact_id = m.contact_id AND CAST(l.load_dts AS DATE) = CAST(:bd AS DATE)`,
      { bd },
    );
    const dagRun = await replayNight(ctx, 'cdm_ldz_to_rdv', bd);
    return { note: `Run ${dagRun.runId} of cdm_ldz_to_rdv is replaying the night and will fail at check_rdv_keys: ${AFFECTED} contact links reference unknown customers.`, dagRun };
  },
  async deactivate(ctx, bd) {
    const w = ctx.warehouse;
    await w.query(`DELETE FROM rdv.hub_customer WHERE customer_id IN (SELECT new_customer_id FROM ${moved})`);
    await w.query(`UPDATE ldz.contact_history c SET customer_id = m.old_customer_id FROM ${moved} m WHERE c.contact_id = m.contact_id AND c.business_date = CAST(:bd AS DATE)`, { bd });
    await w.query(
      `UPDATE rdv.link_contact l SET customer_hk = m.old_customer_hk FROM ${moved} m WHERE l.contact_id = m.contact_id AND CAST(l.load_dts AS DATE) = CAST(:bd AS DATE)`,
      { bd },
    );
    await w.query(`DROP TABLE ${moved}`);
    return [await replayNight(ctx, 'cdm_ldz_to_rdv', bd)];
  },
};
