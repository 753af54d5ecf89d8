/**
 * The Airflow CLI commands a runbook may use (DESIGN.md §6.3). Only the command words are checked here;
 * the full argument grammar belongs to the Airflow connector.
 */
export const AIRFLOW_COMMANDS: Readonly<Record<string, { readonly write: boolean }>> = {
  'dags trigger': { write: true },
  'dags state': { write: false },
  'dags list-runs': { write: false },
  'tasks states-for-dag-run': { write: false },
  'tasks clear': { write: true },
  'tasks logs': { write: false },
  'dags pause': { write: true },
  'dags unpause': { write: true },
  'variables get': { write: false },
  'variables set': { write: true },
  'dags backfill': { write: true },
};

export function airflowCommandOf(text: string): { readonly command: string; readonly write: boolean } | { readonly error: string } {
  const words = text.trim().replace(/^airflow\s+/, '').split(/\s+/);
  const command = words.slice(0, 2).join(' ');
  const known = AIRFLOW_COMMANDS[command];
  if (!known) {
    return {
      error: `"${command}" is not a supported Airflow command. Use one of: ${Object.keys(AIRFLOW_COMMANDS).join(', ')}.`,
    };
  }
  return { command, write: known.write };
}

/** `{{name}}` parameters of an Airflow command. */
export function findTemplateParams(text: string): string[] {
  return [...text.matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)].map((m) => m[1]!);
}
