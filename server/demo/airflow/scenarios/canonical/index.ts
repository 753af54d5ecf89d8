/** The Canonical/UDS training scenarios, one module each: every layer of runbook 2 can be made to fail. */
import type { Scenario } from '../types';
import { duplicateHubKeys } from './duplicateHubKeys';
import { duplicateSatelliteVersions } from './duplicateSatelliteVersions';
import { interfaceOverran } from './interfaceOverran';
import { environmentRebuild } from './environmentRebuild';
import { failedTaskUntilCleared } from './failedTask';
import { ldzFileScenario } from './ldzFile';
import { staleAggregate } from './staleAggregate';
import { audienceResolutionFailed, bridgeRefreshFailed, campaignSummaryPublishFailed, customerProfilePublishFailed, enrichmentFailed, flowchart360Incomplete, interfaceBuildFailed, ldzConnectivityFailed, mlIngestFailed } from './taskFailure';
import { ldzBadFormat } from './ldzBadFormat';
import { mlWrongScores } from './mlWrongScores';
import { orphanLinkKeys } from './orphanLinkKeys';
import { interfaceMappingError } from './interfaceMapping';
import { missedNights } from './missedNights';
import { wrongDateControl } from './wrongDateControl';
import { shortContactExtract } from './shortContactExtract';
import { ddlViewsNotCreated } from './ddlViewsNotCreated';
import { releaseMigrationFailed } from './releaseMigrationFailed';
import { audienceMapClosed } from './audienceMapClosed';
import { ldzKeyViolations } from './ldzKeyViolations';

export const canonicalScenarios: readonly Scenario[] = [
  // The Training page lists them in this order: the everyday faults of the nightly batch first.
  ldzFileScenario('late_ldz_file'),
  ldzFileScenario('missing_ldz_file'),
  duplicateHubKeys,
  staleAggregate,
  failedTaskUntilCleared,
  environmentRebuild,
  interfaceBuildFailed,
  audienceResolutionFailed,
  mlIngestFailed,
  ldzBadFormat,
  ldzConnectivityFailed,
  mlWrongScores,
  orphanLinkKeys,
  interfaceMappingError,
  shortContactExtract,
  customerProfilePublishFailed,
  campaignSummaryPublishFailed,
  ddlViewsNotCreated,
  releaseMigrationFailed,
  audienceMapClosed,
  bridgeRefreshFailed,
  flowchart360Incomplete,
  enrichmentFailed,
  ldzKeyViolations,
  duplicateSatelliteVersions,
  interfaceOverran,
  // Last: these two change the whole night (every run's date, every DAG's history), so stacked with
  // other faults they are undone first.
  wrongDateControl,
  missedNights,
];
