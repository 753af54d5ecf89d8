/**
 * A task that fails both of its tries in the night for a reason outside the data (a dropped connection,
 * a suspended warehouse): the layer's DAG run fails there, and its downstream tasks do not run. The
 * runbook's recovery is to clear the failed task for the night once the cause is gone.
 */
import { replayNight } from '../replay';
import type { Scenario } from '../types';

export interface TaskFailureSpec {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  readonly runbook: string;
  readonly dagId: string;
  readonly taskId: string;
  readonly exception: string;
  readonly message: string;
}

export function taskFailureScenario(spec: TaskFailureSpec): Scenario {
  return {
    id: spec.id,
    title: spec.title,
    summary: spec.summary,
    runbook: spec.runbook,
    async activate(ctx, bd) {
      // Two tries: the first and its one retry, as the nightly DAGs are configured.
      ctx.faults.set(spec.dagId, spec.taskId, { exception: spec.exception, message: spec.message, untilCleared: false, tries: 2 });
      const dagRun = await replayNight(ctx, spec.dagId, bd);
      return { note: `Run ${dagRun.runId} of ${spec.dagId} is replaying the night; ${spec.taskId} will fail on both tries.`, dagRun };
    },
    async deactivate(ctx, bd) {
      ctx.faults.remove(spec.dagId, spec.taskId);
      return [await replayNight(ctx, spec.dagId, bd)];
    },
  };
}

export const interfaceBuildFailed = taskFailureScenario({
  id: 'interface_build_failed',
  title: 'Interface build failed',
  summary: "The connection to the warehouse dropped twice during tonight's build of the interface layer: build_interface of cdm_rdv_to_interface failed on both tries, so the interface tables still hold yesterday's contacts.",
  runbook: '/canonical/failure-handling#interface-diagnose',
  dagId: 'cdm_rdv_to_interface',
  taskId: 'build_interface',
  exception: 'OperationalError',
  message: 'SSL SYSCALL error: EOF detected — the connection to the warehouse was closed during the interface build.',
});

export const audienceResolutionFailed = taskFailureScenario({
  id: 'audience_resolution_failed',
  title: 'Audience resolution failed',
  summary: "resolve_audiences of cdm_audience_resolution timed out twice tonight, so the Campaign–Offer–Channel–Product bridge was not refreshed either. Find it, then clear the failed task for the night.",
  runbook: '/canonical/basic-data-validation',
  dagId: 'cdm_audience_resolution',
  taskId: 'resolve_audiences',
  exception: 'OperationalError',
  message: 'Statement timeout after 3600 s while resolving household audiences; the warehouse queue was full.',
});

export const mlIngestFailed = taskFailureScenario({
  id: 'ml_ingest_failed',
  title: 'Model score ingest failed',
  summary: 'ingest_model_scores of cdm_ml_writeback could not read the scores the ML platform wrote back (permission denied on the landing share), twice; Customer 360 was not enriched tonight.',
  runbook: '/canonical/failure-handling#ml-diagnose',
  dagId: 'cdm_ml_writeback',
  taskId: 'ingest_model_scores',
  exception: 'PermissionError',
  message: 'Access denied reading the model score share: the ML platform rotated its credentials.',
});

export const ldzConnectivityFailed = taskFailureScenario({
  id: 'ldz_connectivity_failed',
  title: 'LDZ connectivity failure',
  summary: "The contact history extract is in the drop zone, but land_contact_history of cdm_mdm_to_ldz could not open its session on the warehouse, twice, and failed within seconds. Tell a connectivity failure from a missing file, then clear the land task once the connection works again.",
  runbook: '/canonical/failure-handling#ldz-diagnose',
  dagId: 'cdm_mdm_to_ldz',
  taskId: 'land_contact_history',
  exception: 'OperationalError',
  message: 'could not connect to the warehouse (connection cdm_warehouse_conn_id): connection timed out after 30 s; is the network path from the Airflow workers open?',
});

export const bridgeRefreshFailed = taskFailureScenario({
  id: 'bridge_refresh_failed',
  title: 'Bridge refresh failed after its truncate',
  summary: "refresh_cocp_bridge of cdm_audience_resolution truncated the Campaign–Offer–Channel–Product bridge, then its load was aborted twice when the warehouse was suspended: the bridge is empty, and campaigns cannot be resolved to their offers, channels and products. Validate audience resolution, then clear the failed refresh for the night.",
  runbook: '/canonical/basic-data-validation#validate-audience-resolution',
  dagId: 'cdm_audience_resolution',
  taskId: 'refresh_cocp_bridge',
  exception: 'OperationalError',
  message: 'Warehouse OPS_WH was suspended while loading audience.bridge_campaign_offer_channel_product after its truncate; the statement was aborted.',
});

export const flowchart360Incomplete = taskFailureScenario({
  id: 'flowchart_360_incomplete',
  title: 'Flowchart 360 rewritten without its metrics',
  summary: "refresh_flowchart_360 of cdm_360_refresh rewrote tonight's Flowchart 360 rows, then its aggregation statement timed out on both tries: the rows have no execution count and no pre-aggregated totals. Validate Flowchart 360 and the 360 layers, then clear the failed refresh for the night.",
  runbook: '/canonical/failure-handling#c360-diagnose',
  dagId: 'cdm_360_refresh',
  taskId: 'refresh_flowchart_360',
  exception: 'OperationalError',
  message: 'Statement timeout after 1800 s while aggregating the Flowchart 360 metrics; the warehouse queue was full.',
});

export const enrichmentFailed = taskFailureScenario({
  id: 'enrichment_failed',
  title: 'Customer 360 enrichment failed',
  summary: "enrich_customer_360 of cdm_ml_writeback replaces the date's enrichment rows: it deleted tonight's, then its insert ran out of memory on both tries. The scores were ingested, but Customer 360 carries no churn or propensity score for tonight. Diagnose the ML write-back, then clear the failed enrichment for the night.",
  runbook: '/canonical/failure-handling#ml-diagnose',
  dagId: 'cdm_ml_writeback',
  taskId: 'enrich_customer_360',
  exception: 'OutOfMemoryError',
  message: 'Out of memory while inserting into customer_360.customer_enrichment (the warehouse queue was full of the aggregate backfill); the statement was aborted.',
});

export const customerProfilePublishFailed = taskFailureScenario({
  id: 'customer_profile_publish_failed',
  title: 'Customer profile publish interrupted',
  summary: "publish_customer_profile of cdm_publish truncated cdm_publish_db.customer_profile, then its load hit the statement timeout twice: the profiles consumers read are empty, and the campaign summaries after it were not published. Run the smoke tests, then clear the failed publish for the night.",
  runbook: '/canonical/release-config-change#smoke-tests-deployment',
  dagId: 'cdm_publish',
  taskId: 'publish_customer_profile',
  exception: 'OperationalError',
  message: 'Statement reached its timeout of 1800 s while loading cdm_publish_db.customer_profile after its truncate; the load was cancelled.',
});

export const campaignSummaryPublishFailed = taskFailureScenario({
  id: 'campaign_summary_publish_failed',
  title: 'Campaign summary publish interrupted',
  summary: "publish_campaign_summary of cdm_publish truncated cdm_publish_db.campaign_summary, then lost its connection twice: the campaign performance view answers no rows. Run the smoke tests, then clear the failed publish for the night.",
  runbook: '/canonical/release-config-change#smoke-tests-deployment',
  dagId: 'cdm_publish',
  taskId: 'publish_campaign_summary',
  exception: 'OperationalError',
  message: 'SSL SYSCALL error: EOF detected — the connection to the warehouse was closed while loading cdm_publish_db.campaign_summary.',
});
