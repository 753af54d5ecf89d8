/**
 * Faults of the retail source onboarded last (returns), as its onboarding runbook verifies it night by night:
 * tonight's returns ingestion failed, or it landed tonight's returns twice (a retry that overlapped its first
 * attempt). Both are repaired with the runbooks' own blocks: re-run the source's ingestion (then, for the
 * duplicates, the failed tests with what follows them). Deactivating puts the batch back exactly.
 */
import type { Scenario } from './types';
import { tonight } from './retailRows';
import { ingestionFailureScenario, landedTwiceScenario } from './retailShapes';

const returnsIngestionFailed = ingestionFailureScenario({
  id: 'retail_returns_ingestion_failed',
  title: 'The new returns source failed to land',
  summary:
    "The returns API rejected tonight's ingest_returns on both tries (its token had expired after the onboarding's trial period): the batch has orders but no returns. The API team has issued a new token: retry the failed task with what follows it.",
  runbook: '/retail/onboarding-new-source#verify-ingestion',
  taskId: 'ingest_returns',
  exception: 'HTTPError',
  message: '401 Client Error: Unauthorized for url: https://returns-api.internal/v1/returns?updated_since=… (token expired)',
  notLanded: [tonight('retail_bronze.returns')],
});

const returnsLandedTwice = landedTwiceScenario({
  id: 'retail_returns_landed_twice',
  title: 'The new returns source landed twice',
  summary:
    "ingest_returns looked hung tonight and was retried while its first attempt was still writing: both landed the batch's returns in bronze, and dbt_test_staging failed on unique_stg_returns_return_id. Re-run the returns ingestion for the batch (it replaces the batch's rows), then the failed tests and what follows them.",
  runbook: '/retail/onboarding-new-source#verify-staging',
  table: 'retail_bronze.returns',
  file: 's3://retail-bronze/returns/retry-overlap/part-0001.json.gz',
  minutesLater: 4,
  firstFileOnly: false,
  failingTest: 'unique_stg_returns_return_id',
  recoveryRewritesBatch: true,
});

export const retailReturnsScenarios: readonly Scenario[] = [returnsIngestionFailed, returnsLandedTwice];
