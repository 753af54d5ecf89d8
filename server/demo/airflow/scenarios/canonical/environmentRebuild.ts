/** Airflow's metadata was rebuilt without its variables: the setup DAGs must run again, in order. */
import type { Scenario } from '../types';

export const environmentRebuild: Scenario = {
  id: 'environment_rebuild',
  title: 'Environment rebuild',
  summary: "The Airflow metadata was rebuilt and has no variables: ddl_execution_dag_multidb and the nightly DAGs fail until the three setup DAGs run in order (variables, DDL, date control). Follow the setup DAG runbook.",
  runbook: '/canonical/setup-dags',
  async activate(ctx) {
    ctx.variables.clear();
    return { note: 'Airflow has no variables now. Run airflow_variable_sync, then ddl_execution_dag_multidb, then etl_date_control_update_dag.', dagRun: null };
  },
  async deactivate(ctx) {
    await ctx.variables.reload();
  },
};
