/**
 * Airflow's metadata was rebuilt without its variables: the setup DAGs must run again, in order. The
 * recovery resets the ETL date control (runbook 6's third DAG), so deactivation puts the control table
 * back as it was, with the variables, and the nightly checks read the healthy night again.
 */
import type { Scenario } from '../types';

export const environmentRebuild: Scenario = {
  id: 'environment_rebuild',
  title: 'Environment rebuild',
  summary: "The Airflow metadata was rebuilt and has no variables: ddl_execution_dag_multidb and the nightly DAGs fail until the three setup DAGs run in order (variables, DDL, date control). Follow the setup DAG runbook.",
  runbook: '/canonical/setup-dags',
  async activate(ctx) {
    await ctx.warehouse.query(`CREATE OR REPLACE TABLE opsbook_sandbox.saved_etl_date_control AS SELECT * FROM etl_control.etl_date_control`);
    await ctx.variables.clear();
    return { note: 'Airflow has no variables now. Run airflow_variable_sync, then ddl_execution_dag_multidb, then etl_date_control_update_dag.', dagRun: null };
  },
  async deactivate(ctx) {
    await ctx.variables.reload();
    await ctx.warehouse.query(`DELETE FROM etl_control.etl_date_control`);
    await ctx.warehouse.query(`INSERT INTO etl_control.etl_date_control SELECT * FROM opsbook_sandbox.saved_etl_date_control`);
    await ctx.warehouse.query(`DROP TABLE opsbook_sandbox.saved_etl_date_control`);
  },
};
