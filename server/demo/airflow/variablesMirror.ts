/**
 * ops.airflow_variables is Airflow's own variable table as the warehouse sees it (like ops.job_runs for
 * task instances): the runbooks' SQL checks read what Airflow holds, not only what the release defines.
 * The sandbox rewrites it whenever its variables change (a set, a sync, a rebuild that wiped them).
 */
import { warehouseTime, type Warehouse } from './warehouse';

export type VariableMap = ReadonlyMap<string, { readonly value: string; readonly description: string | null }>;

export async function mirrorVariables(warehouse: Warehouse, variables: VariableMap): Promise<void> {
  await warehouse.query(`CREATE TABLE IF NOT EXISTS ops.airflow_variables (variable_key VARCHAR, variable_value VARCHAR, description VARCHAR, set_at TIMESTAMP)`);
  const now = warehouseTime();
  const keep = [...variables.keys()];
  await warehouse.query(`DELETE FROM ops.airflow_variables WHERE NOT list_contains(string_split(:keys, chr(31)), variable_key)`, { keys: keep.join('\u001f') });
  for (const [key, v] of variables) {
    await warehouse.query(
      // Values are text whatever they look like: a date-shaped override must not be bound as a DATE.
      `UPDATE ops.airflow_variables SET variable_value = CAST(:value AS VARCHAR), description = nullif(:description, ''), set_at = CAST(:now AS TIMESTAMP)
       WHERE variable_key = :key AND variable_value IS DISTINCT FROM CAST(:value AS VARCHAR)`,
      { key, value: v.value, description: v.description ?? '', now },
    );
    await warehouse.query(
      `INSERT INTO ops.airflow_variables SELECT :key, CAST(:value AS VARCHAR), nullif(:description, ''), CAST(:now AS TIMESTAMP)
       WHERE NOT EXISTS (SELECT 1 FROM ops.airflow_variables WHERE variable_key = :key)`,
      { key, value: v.value, description: v.description ?? '', now },
    );
  }
}
