-- ETL date control and job history for the Canonical pipelines.
--   etl_control.etl_date_control          the current business date and load status per pipeline
--   etl_control.etl_date_control_history  the same, one row per pipeline and business date
--   ops.job_runs                          every task attempt the scheduler recorded (Airflow task instances)
-- Later seed files append their own DAGs to ops.job_runs.

CREATE TEMP TABLE seed_pipelines AS
SELECT * FROM (VALUES
  ('mdm_to_ldz', 'cdm_mdm_to_ldz'), ('ldz_to_rdv', 'cdm_ldz_to_rdv'), ('rdv_to_interface', 'cdm_rdv_to_interface'),
  ('audience_resolution', 'cdm_audience_resolution'), ('360_refresh', 'cdm_360_refresh'),
  ('ml_writeback', 'cdm_ml_writeback'), ('aggregate_refresh', 'cdm_aggregate_refresh'), ('publish', 'cdm_publish')
) t(pipeline_name, dag_id);

CREATE TABLE etl_control.etl_date_control_history AS
WITH runs AS (
  SELECT business_date, dag_id, min(started_at) AS load_started_at, max(ended_at) AS load_finished_at
  FROM seed_task_runs GROUP BY ALL
), set_dates AS (
  SELECT business_date, ended_at AS dates_set_at FROM seed_task_ok WHERE dag_id = 'etl_date_control_update_dag'
)
SELECT p.pipeline_name, p.dag_id, r.business_date, CAST(r.business_date - 1 AS DATE) AS prev_business_date,
       CAST(r.business_date + 1 AS DATE) AS next_business_date, 'COMPLETED' AS load_status,
       r.load_started_at, r.load_finished_at, s.dates_set_at, r.load_finished_at AS updated_at, p.dag_id AS updated_by
FROM seed_pipelines p
JOIN runs r USING (dag_id)
JOIN set_dates s USING (business_date);

CREATE TABLE etl_control.etl_date_control AS
SELECT * FROM etl_control.etl_date_control_history WHERE business_date = seed_today();

CREATE TABLE ops.job_runs AS
SELECT dag_id, run_id, task, business_date, try_number, state, started_at, ended_at,
       CAST(epoch(ended_at) - epoch(started_at) AS DOUBLE) AS duration
FROM seed_task_runs;
