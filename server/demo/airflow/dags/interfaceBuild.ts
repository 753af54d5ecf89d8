/**
 * build_interface of cdm_rdv_to_interface: the customer columns the mapping metadata maps from the latest
 * satellite row are written the way the metadata says. Where several active mappings exist for a column the
 * newest wins, and a mapping whose source column does not exist maps to nothing (the column is written empty) —
 * which is why the runbook checks the metadata and the interface rows, not only the task's state.
 */
import type { TaskContext } from '../model';
import { waitForLocks } from './locks';

const MAPPED = ['segment', 'region'] as const;
/** Flowchart dimension rows a reload has taken out and not yet put back (see reloadFlowchartDimension). */
export const FLOWCHART_RELOAD = 'opsbook_sandbox.flowchart_reload';
const IDENT = /^[a-z_][a-z0-9_]*$/;

export async function buildInterface(ctx: TaskContext): Promise<void> {
  const bd = ctx.businessDate;
  ctx.log(`Building the interface layer of business date ${bd} from the vault, as cdm_interface.mapping_metadata maps it`);
  await ctx.failIfFaulted();
  for (const column of MAPPED) {
    const [m] = await ctx.sql(
      `SELECT m.source_column, m.updated_by,
              EXISTS (SELECT 1 FROM information_schema.columns c WHERE c.table_schema = 'rdv' AND c.table_name = 'sat_customer_details' AND c.column_name = m.source_column) AS resolves
       FROM cdm_interface.mapping_metadata m
       WHERE m.target_table = 'customer' AND m.target_column = :column AND m.is_active AND m.source_object = 'sat_customer_details'
       ORDER BY m.updated_at DESC LIMIT 1`,
      { column },
    );
    const source = String(m?.source_column ?? '');
    if (!m || m.resolves !== true || !IDENT.test(source)) {
      ctx.log(`customer.${column} is mapped from rdv.sat_customer_details.${source || '(nothing)'}, which does not exist: the column is written empty`, 'WARNING');
      await ctx.sql(`UPDATE cdm_interface.customer SET ${column} = NULL WHERE business_date = CAST(:bd AS DATE)`, { bd });
      continue;
    }
    await ctx.sql(
      `UPDATE cdm_interface.customer c SET ${column} = s.value
       FROM (SELECT DISTINCT h.customer_id, s.${source} AS value
             FROM rdv.hub_customer h
             JOIN (SELECT * FROM rdv.sat_customer_details QUALIFY row_number() OVER (PARTITION BY customer_hk ORDER BY load_dts DESC) = 1) s USING (customer_hk)) s
       WHERE c.customer_id = s.customer_id AND c.business_date = CAST(:bd AS DATE)`,
      { bd },
    );
  }
  // The night's contacts: what the vault loaded for the date and the interface lacks (a rebuild after a
  // redelivered file adds the late rows and duplicates nothing).
  await ctx.sql(
    `INSERT INTO cdm_interface.contact_history
     SELECT l.contact_id, l.run_id, hc.customer_id, hm.campaign_id, hf.flowchart_id, l.cell_id, ho.offer_id, hn.channel_id, hp.product_id,
            l.contact_date, l.contact_ts, l.contact_status, CAST(:bd AS DATE), CAST(:now AS TIMESTAMP)
     FROM rdv.link_contact l
     JOIN rdv.hub_customer hc USING (customer_hk) JOIN rdv.hub_campaign hm USING (campaign_hk) JOIN rdv.hub_flowchart hf USING (flowchart_hk)
     JOIN rdv.hub_offer ho USING (offer_hk) JOIN rdv.hub_channel hn USING (channel_hk) JOIN rdv.hub_product hp USING (product_hk)
     WHERE CAST(l.load_dts AS DATE) = CAST(:bd AS DATE) AND NOT EXISTS (SELECT 1 FROM cdm_interface.contact_history i WHERE i.contact_id = l.contact_id)`,
    { bd, now: ctx.now() },
  );
  await reloadFlowchartDimension(ctx);
  await ctx.sql(
    `SELECT (SELECT count(*) FROM cdm_interface.customer) AS customers, (SELECT count(*) FROM cdm_interface.contact_history WHERE business_date = CAST(:bd AS DATE)) AS contacts`,
    { bd },
  );
}

/**
 * The flowchart dimension's nightly reload: emptied, then loaded again from the vault's flowchart satellite,
 * whose read waits for any lock on it. The sandbox keeps the dimension as seeded, so its reload puts back what
 * was taken out: the rows a training fault moved to FLOWCHART_RELOAD, standing for a reload caught between its
 * two statements (anything reading the dimension meanwhile — the 360 refresh — finds them missing).
 */
async function reloadFlowchartDimension(ctx: TaskContext): Promise<void> {
  await ctx.sql(`CREATE TABLE IF NOT EXISTS ${FLOWCHART_RELOAD} AS SELECT * FROM cdm_interface.flowchart LIMIT 0`);
  await waitForLocks(ctx, 'rdv.sat_flowchart_details');
  await ctx.sql(`INSERT INTO cdm_interface.flowchart SELECT * FROM ${FLOWCHART_RELOAD}`);
  await ctx.sql(`DELETE FROM ${FLOWCHART_RELOAD}`);
}
