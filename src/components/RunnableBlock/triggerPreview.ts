/**
 * A trigger's dry run as the page reads it: the one row the server sends (dag_id, logical_date, conf,
 * run_id, dag_paused, existing_run — found by column name) turned into what the confirmation shows.
 * Pure; unit-tested.
 */
export interface TriggerPlan {
  readonly dagId: string;
  readonly logicalDate: string;
  readonly conf: string;
  readonly runId: string;
  readonly paused: boolean;
  /** A run that already holds this logical date: Airflow would refuse the trigger. */
  readonly existingRun: string | null;
}

export function triggerPlan(columns: readonly { readonly name: string }[], rows: readonly (readonly unknown[])[]): TriggerPlan | null {
  const row = rows[0];
  if (!row) return null;
  const at = (name: string): unknown => {
    const i = columns.findIndex((c) => c.name === name);
    return i < 0 ? undefined : row[i];
  };
  const dagId = at('dag_id');
  const runId = at('run_id');
  if (typeof dagId !== 'string' || typeof runId !== 'string') return null;
  const existing = at('existing_run');
  return {
    dagId,
    runId,
    logicalDate: String(at('logical_date') ?? ''),
    conf: String(at('conf') ?? '{}'),
    paused: at('dag_paused') === true,
    existingRun: typeof existing === 'string' && existing !== '' ? existing : null,
  };
}
