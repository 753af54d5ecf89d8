/** A run named in a command: by id, or by logical date as the CLI allows (a date alone: that day's run). */
import type { RunRef } from '../../../../plugins/remark-runbook/syntax/airflowCommand';
import { ConnectorError } from '../../types';
import type { AirflowClient, DagRunInfo } from '../types';

export async function resolveRun(client: AirflowClient, dagId: string, ref: RunRef, signal: AbortSignal): Promise<DagRunInfo> {
  if ('runId' in ref) return client.getRun(dagId, ref.runId, signal);
  const end = ref.wholeDay ? ref.logicalDate.replace('T00:00:00Z', 'T23:59:59.999999Z') : ref.logicalDate;
  const runs = await client.listRuns(dagId, { logicalDateGte: ref.logicalDate, logicalDateLte: end, limit: 1 }, signal);
  const found = runs[0];
  if (!found) {
    throw new ConnectorError('connector_error', `DAG ${dagId} has no run with logical date ${ref.wholeDay ? `on ${ref.logicalDate.slice(0, 10)}` : ref.logicalDate}.`, 'A run is named by its run id or its logical date (a scheduled run loading business date D has logical date D - 1). List them with dags list-runs.');
  }
  return found;
}
