/**
 * Commands an Airflow API version cannot carry out, known from the command text and the connection's
 * configured api alone, so they are refused before anything is spent on them: before an approval is
 * requested (approvals.ts) and before an approval is consumed (runner.ts). The linter says the same from
 * the configuration (plugins/remark-runbook/projectChecks.ts).
 */
import { parseAirflowCommand } from '../../../../plugins/remark-runbook/syntax/airflowCommand';
import type { AirflowApi } from '../types';

export interface Unsupported {
  readonly message: string;
  readonly hint: string;
}

export function unsupportedOnApi(text: string, api: AirflowApi): Unsupported | null {
  const parsed = parseAirflowCommand(text);
  if (!parsed.ok) return null;
  if (parsed.command.name === 'dags backfill' && api === 'v1') {
    return {
      message: 'dags backfill is not supported on Airflow 2: its REST API (/api/v1) has no backfill endpoint, so this step cannot run in this environment.',
      hint: 'Clear the runs of those days instead (tasks clear with -s and -e), run the backfill with the Airflow CLI on the scheduler, or use an Airflow 3 connection (api: v2).',
    };
  }
  return null;
}
