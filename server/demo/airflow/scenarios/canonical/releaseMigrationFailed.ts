/**
 * A release that broke the interface: hotfix 3.2.1 was deployed at 02:35, inside the nightly batch and without
 * holding the DAGs, to widen cdm_interface.contact_history.contact_status by copy-and-swap. The migration dropped
 * the column and failed before adding it back: the deployment is FAILED, the table differs from the release
 * contract, and the night's interface build failed on it. The release owner rolls back (the Roll back action,
 * a redeployment of 3.2.0 in the release window); the operator then clears the failed interface build.
 */
import { replayNight } from '../replay';
import type { Scenario, ScenarioContext } from '../types';

const ID = 'release_migration_failed';
const TABLE = 'cdm_interface.contact_history';
/** The table as the release contract defines it, kept to put it back exactly (column order included). */
const SAVED = 'opsbook_sandbox.release_saved_contact_history';
const RELEASES = ['REL-0006', 'REL-0007'];

async function putTableBack(ctx: ScenarioContext): Promise<void> {
  const [saved] = await ctx.warehouse.query(`SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'opsbook_sandbox' AND table_name = 'release_saved_contact_history'`);
  if (Number(saved?.n ?? 0) === 0) return;
  await ctx.warehouse.query(`CREATE OR REPLACE TABLE ${TABLE} AS SELECT * FROM ${SAVED}`);
  await ctx.warehouse.query(`DROP TABLE ${SAVED}`);
}

export const releaseMigrationFailed: Scenario = {
  id: ID,
  title: 'Release migration failed',
  summary:
    "Hotfix 3.2.1 was deployed at 02:35, during the nightly batch and without holding the DAGs. Its migration of cdm_interface.contact_history dropped contact_status and failed before adding it back: the deployment is FAILED, the table no longer matches the release contract, and tonight's interface build failed. Validate the release, escalate to the release owner (who rolls back: the Roll back action), then clear the failed interface build.",
  runbook: '/canonical/release-config-change#identify-release',
  actions: [{ id: 'roll_back', label: 'Release owner rolls back to 3.2.0' }],
  async activate(ctx, bd) {
    const w = ctx.warehouse;
    await w.query(`CREATE OR REPLACE TABLE ${SAVED} AS SELECT * FROM ${TABLE}`);
    await w.query(`CREATE OR REPLACE TABLE ${TABLE} AS SELECT * EXCLUDE (contact_status) FROM ${SAVED}`);
    await w.query(
      `INSERT INTO ops.deployments VALUES ('REL-0006', '3.2.1', 'code', 'Interface layer: cdm_interface.contact_history',
         'Hotfix: contact_status widened for the new channel statuses (copy-and-swap migration); failed at step 3 of 4, re-adding the column',
         'CHG-1231', CAST(:bd AS TIMESTAMP) + INTERVAL '2 hours 35 minutes', CAST(:bd AS TIMESTAMP) + INTERVAL '2 hours 50 minutes',
         'FAILED', 'release-pipeline', 'implementation-manager')`,
      { bd },
    );
    const dagRun = await replayNight(ctx, 'cdm_rdv_to_interface', bd);
    return { note: `Release 3.2.1 failed mid-migration; run ${dagRun.runId} of cdm_rdv_to_interface is replaying the night and will fail at build_interface.`, dagRun };
  },
  async act(action, ctx, bd) {
    if (action !== 'roll_back') throw new Error(`Unknown action ${action}.`);
    await putTableBack(ctx);
    // A rollback is a deployment of the previous version, in the release window (09:00–17:00), clear of the batch.
    await ctx.warehouse.query(
      `INSERT INTO ops.deployments SELECT 'REL-0007', '3.2.0', 'rollback', 'Interface layer: cdm_interface.contact_history',
         'Rollback of 3.2.1: cdm_interface.contact_history restored as released in 3.2.0', 'CHG-1231',
         CAST(:bd AS TIMESTAMP) + INTERVAL '9 hours 30 minutes', CAST(:bd AS TIMESTAMP) + INTERVAL '9 hours 45 minutes', 'SUCCEEDED', 'release-pipeline', 'implementation-manager'
       WHERE NOT EXISTS (SELECT 1 FROM ops.deployments WHERE release_id = 'REL-0007')`,
      { bd },
    );
    return 'The release owner rolled back to 3.2.0: cdm_interface.contact_history is as the contract defines it again. Clear the failed interface build for the night.';
  },
  async deactivate(ctx, bd) {
    await putTableBack(ctx);
    await ctx.warehouse.query(`DELETE FROM ops.deployments WHERE release_id IN (${RELEASES.map((r) => `'${r}'`).join(', ')})`);
    return [await replayNight(ctx, 'cdm_rdv_to_interface', bd)];
  },
};
