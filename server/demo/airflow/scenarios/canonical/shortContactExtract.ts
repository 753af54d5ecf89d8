/**
 * A short but consistent day: the mart's contact history was still being replicated from the campaign execution
 * system when the 00:10 extract ran, so tonight's file holds only about a third of the day's contacts — with a
 * trailer that matches. Every task succeeded and every layer agrees with the one before it (each carries the
 * short day faithfully); only the aggregate volume against the same weekday of past weeks shows it. Recovery:
 * the mart's owners re-extract the day (the Redeliver action), then the night is rerun from the landing on.
 */
import { warehouseTime } from '../../warehouse';
import { snapshot } from '../heldRows';
import { replayNight } from '../replay';
import type { Scenario, ScenarioContext } from '../types';

const ID = 'short_contact_extract';
/** The contacts the short extract lacked, until the mart redelivers the day. */
const MISSING = 'opsbook_sandbox.short_extract_missing_contacts';
const DROPZONE = 'opsbook_sandbox.dropzone_ldz_contact_history';
const ON_DATE = 'business_date = CAST(:bd AS DATE)';
const MANIFEST_ROW = `source_table = 'contact_history' AND ${ON_DATE}`;

/** The healthy rows of the night the fault rewrites, put back exactly on deactivation, repaired or not. */
const night = (ctx: ScenarioContext) =>
  snapshot(ctx.warehouse, ID, [
    { table: 'ldz.contact_history', where: ON_DATE },
    { table: 'rdv.link_contact', where: 'CAST(load_dts AS DATE) = CAST(:bd AS DATE)' },
    { table: 'cdm_interface.contact_history', where: ON_DATE },
    { table: 'ldz.file_manifest', where: MANIFEST_ROW },
    { table: 'ldz.load_audit', where: MANIFEST_ROW },
  ]);

export const shortContactExtract: Scenario = {
  id: ID,
  title: 'Short contact history extract',
  summary:
    "The mart's contact history had not finished replicating from the campaign execution system when tonight's extract ran: the file holds about a third of the day's contacts, and its trailer agrees. Every DAG succeeded and every layer matches the one before it. Find the short day, ask the mart's owners to re-extract it (the Redeliver action), then rerun the night from the landing on.",
  runbook: '/canonical/basic-data-validation#validate-aggregates',
  actions: [{ id: 'redeliver', label: 'Redeliver the full extract' }],
  async activate(ctx, bd) {
    const w = ctx.warehouse;
    await night(ctx).take({ bd });
    // Contacts without a response (a response to a missing contact would break a key check, which a short extract does not).
    await w.query(
      `CREATE OR REPLACE TABLE ${MISSING} AS
       SELECT * FROM ldz.contact_history h
       WHERE h.${ON_DATE} AND hash(h.contact_id, 'short_extract') % 10 >= 3
         AND NOT EXISTS (SELECT 1 FROM ldz.response_history r WHERE r.contact_id = h.contact_id)`,
      { bd },
    );
    // The night as it ran on the short file: landed, loaded into the vault and the interface, all in agreement.
    await w.query(`DELETE FROM ldz.contact_history WHERE ${ON_DATE} AND contact_id IN (SELECT contact_id FROM ${MISSING})`, { bd });
    await w.query(`DELETE FROM rdv.link_contact WHERE CAST(load_dts AS DATE) = CAST(:bd AS DATE) AND contact_id IN (SELECT contact_id FROM ${MISSING})`, { bd });
    await w.query(`DELETE FROM cdm_interface.contact_history WHERE ${ON_DATE} AND contact_id IN (SELECT contact_id FROM ${MISSING})`, { bd });
    await setTrailerToLanded(ctx, bd);
    const dagRun = await replayNight(ctx, 'cdm_mdm_to_ldz', bd);
    const c360 = await replayNight(ctx, 'cdm_360_refresh', bd);
    const refresh = await replayNight(ctx, 'cdm_aggregate_refresh', bd);
    const [n] = await w.query(`SELECT count(*) AS n FROM ${MISSING}`);
    return {
      note: `Tonight's contact history extract was short by ${String(n?.n ?? 0)} contacts; the landing (run ${dagRun.runId}), the 360 refresh and the aggregate refresh are replaying the night and will succeed.`,
      dagRun,
      runs: [dagRun, c360, refresh],
    };
  },
  async act(action, ctx, bd) {
    if (action !== 'redeliver') throw new Error(`Unknown action ${action}.`);
    const w = ctx.warehouse;
    // The re-extracted file is in the drop zone: the rows the first one lacked, and a trailer counting the full day.
    await w.query(`CREATE TABLE IF NOT EXISTS ${MISSING} AS SELECT * FROM ldz.contact_history LIMIT 0`);
    await w.query(`INSERT INTO ${DROPZONE} SELECT * FROM ${MISSING}`);
    await w.query(
      `UPDATE ldz.file_manifest SET trailer_record_count = (SELECT count(*) FROM ldz.contact_history WHERE ${ON_DATE}) + (SELECT count(*) FROM ${MISSING}),
         arrived_at = CAST(:now AS TIMESTAMP)
       WHERE ${MANIFEST_ROW}`,
      { bd, now: warehouseTime() },
    );
    await w.query(`DELETE FROM ${MISSING}`);
    return "The mart re-extracted the day: the full contact history file is in the drop zone. Land it again, then rerun the night's DAGs that ran on the short file, in pipeline order.";
  },
  async deactivate(ctx, bd) {
    const w = ctx.warehouse;
    await night(ctx).restore({ bd });
    await w.query(`DELETE FROM ${DROPZONE} WHERE ${ON_DATE}`, { bd });
    await w.query(`DROP TABLE IF EXISTS ${MISSING}`);
    // The 360 layers and the aggregates are recounted from the restored interface rows.
    return [await replayNight(ctx, 'cdm_360_refresh', bd), await replayNight(ctx, 'cdm_aggregate_refresh', bd)];
  },
};

/** A short extract is consistent with itself: its trailer counts what it holds. */
async function setTrailerToLanded(ctx: ScenarioContext, bd: string): Promise<void> {
  await ctx.warehouse.query(
    `UPDATE ldz.file_manifest SET trailer_record_count = (SELECT count(*) FROM ldz.contact_history WHERE ${ON_DATE}) WHERE ${MANIFEST_ROW}`,
    { bd },
  );
}
