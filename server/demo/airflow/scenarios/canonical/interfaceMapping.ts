/**
 * A mapping error: outside any release, a second active mapping for customer.segment was added, from a source
 * column the vault does not have (segment_code). The interface build uses the newest mapping, succeeds, and
 * writes the segment of tonight's customers empty. The Metadata Architect removes the unreleased row (an
 * approved escalation step); clearing the build's run then rewrites the segments.
 */
import { replayNight } from '../replay';
import type { Scenario } from '../types';

const BY = 'etl-dev (unreviewed change)';

export const interfaceMappingError: Scenario = {
  id: 'interface_mapping_error',
  title: 'Interface mapping error',
  summary: "Someone added a mapping for customer.segment from rdv.sat_customer_details.segment_code, a column the vault does not have, outside a release. Tonight's interface build succeeded and wrote tonight's customers without a segment. Diagnose the interface layer and escalate to the Metadata Architect, then rebuild the interface for the night.",
  runbook: '/canonical/failure-handling#interface-diagnose',
  async activate(ctx, bd) {
    await ctx.warehouse.query(
      `INSERT INTO cdm_interface.mapping_metadata VALUES ('customer', 'segment', 'rdv', 'sat_customer_details', 'segment_code', 'latest satellite row', true, CAST(:bd AS TIMESTAMP) + INTERVAL 2 HOUR, :by)`,
      { bd, by: BY },
    );
    const dagRun = await replayNight(ctx, 'cdm_rdv_to_interface', bd);
    return { note: `Run ${dagRun.runId} of cdm_rdv_to_interface is replaying the night with the unreleased mapping; it will succeed and write tonight's customers without a segment.`, dagRun };
  },
  async deactivate(ctx, bd) {
    await ctx.warehouse.query(`DELETE FROM cdm_interface.mapping_metadata WHERE updated_by = :by`, { by: BY });
    return [await replayNight(ctx, 'cdm_rdv_to_interface', bd)];
  },
};
