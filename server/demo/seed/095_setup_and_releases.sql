-- Environment setup and releases, for the setup-DAG (6) and release (4) runbooks.
--   ops.deployments                  every release deployed to the environment, the initial setup included
--   ops.airflow_variables            the variables Airflow holds now (the sandbox keeps it current)
--   etl_control.airflow_variables    the Airflow variables airflow_variable_sync pushes (release-managed), and
--                                    the few operational ones the Service Implementation Team may set
--   etl_control.ddl_object_registry  every table and view ddl_execution_dag_multidb creates
--   etl_control.ddl_execution_log    one row per object the DDL DAG created, per run
--   ops.schema_contract              the columns of every layer table and view, as the current release defines them
--   ops.job_runs (appended)          the manual runs of airflow_variable_sync and ddl_execution_dag_multidb
-- Two views stand for the 360 and publish layers' derived objects (materialized views on the cloud engines).
-- This file runs last in the Canonical range so the registry and the contract see every Canonical object.

-- ---------------------------------------------------------------- releases
-- Deployed at 10:00 on their day, well clear of the nightly window (00:30-04:30).
CREATE TEMP TABLE seed_releases AS
SELECT release_id, release_version, deployed_on, change_type, components, description, change_ticket, syncs_variables,
       at_sec(deployed_on, 36000) AS deployed_at, at_sec(deployed_on, 36000 + minutes * 60) AS finished_at
FROM (VALUES
  ('REL-0001', '3.0.0', seed_day0() - 14, 'initial setup', 'Airflow variables; DDL of all layers; nightly DAGs; mapping metadata',
   'Initial Canonical/UDS setup: airflow_variable_sync, then ddl_execution_dag_multidb, then the nightly DAGs (paused until go-live)', 'CHG-1042', true, 35),
  ('REL-0002', '3.0.1', seed_day0() + 20, 'code', 'DAG cdm_mdm_to_ldz',
   'audit_ldz_load retries once after five minutes instead of failing the night', 'CHG-1077', false, 12),
  ('REL-0003', '3.1.0', seed_day0() + 55, 'code and configuration', 'DAGs cdm_360_refresh, cdm_aggregate_refresh; Airflow variables',
   'Flowchart 360 refreshed in its own task after Campaign 360; new variable cdm_ml_models', 'CHG-1125', true, 20),
  ('REL-0004', '3.1.1', seed_day0() + 80, 'configuration', 'Airflow variables',
   'LDZ file wait window raised from 30 to 45 minutes (cdm_ldz_file_wait_minutes)', 'CHG-1163', true, 8),
  ('REL-0005', '3.2.0', seed_today() - 2, 'code and configuration', 'DAGs cdm_ml_writeback, cdm_publish; Airflow variables',
   'ML write-back reads churn_risk 3.2.0 scores; campaign summaries published after customer profiles; alert recipients updated',
   'CHG-1208', true, 18)
) t(release_id, release_version, deployed_on, change_type, components, description, change_ticket, syncs_variables, minutes);

CREATE TABLE ops.deployments AS
SELECT release_id, release_version, change_type, components, description, change_ticket,
       deployed_at, finished_at, 'SUCCEEDED' AS status, 'release-pipeline' AS deployed_by,
       'implementation-manager' AS approved_by
FROM seed_releases ORDER BY deployed_at;

-- ---------------------------------------------------------------- setup DAG runs
-- airflow_variable_sync runs after every release that changes variables; ddl_execution_dag_multidb once,
-- at the initial setup. Both are triggered by hand (manual__ run ids) and have no business date.
CREATE TEMP TABLE seed_setup_tasks AS
SELECT * FROM (VALUES
  ('airflow_variable_sync',     'read_variable_config',  1,  20),
  ('airflow_variable_sync',     'sync_variables',        2,  45),
  ('airflow_variable_sync',     'verify_variables',      3,  15),
  ('ddl_execution_dag_multidb', 'resolve_target_engine', 1,  10),
  ('ddl_execution_dag_multidb', 'create_schemas',        2,  30),
  ('ddl_execution_dag_multidb', 'create_tables',         3, 240),
  ('ddl_execution_dag_multidb', 'create_views',          4,  40),
  ('ddl_execution_dag_multidb', 'grant_privileges',      5,  20),
  ('ddl_execution_dag_multidb', 'verify_objects',        6,  30)
) t(dag_id, task, task_order, secs);

CREATE TEMP TABLE seed_setup_triggers AS
SELECT 'airflow_variable_sync' AS dag_id, release_id, finished_at + to_seconds(600) AS triggered_at
FROM seed_releases WHERE syncs_variables
UNION ALL
SELECT 'ddl_execution_dag_multidb', release_id, finished_at + to_seconds(900)
FROM seed_releases WHERE release_id = 'REL-0001';

CREATE TEMP TABLE seed_setup_runs AS
SELECT g.dag_id, g.release_id,
       'manual__' || strftime(g.triggered_at, '%Y-%m-%dT%H:%M:%S') || '+00:00' AS run_id,
       s.task, s.task_order,
       -- Tasks run one after another, five seconds apart.
       g.triggered_at + to_seconds(CAST(5 * s.task_order + coalesce(sum(s.secs) OVER prior_tasks, 0) AS BIGINT)) AS started_at,
       s.secs
FROM seed_setup_triggers g
JOIN seed_setup_tasks s USING (dag_id)
WINDOW prior_tasks AS (PARTITION BY g.dag_id, g.release_id ORDER BY s.task_order ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING);

INSERT INTO ops.job_runs
SELECT dag_id, run_id, task, CAST(NULL AS DATE), 1, 'success', started_at, started_at + to_seconds(secs), CAST(secs AS DOUBLE)
FROM seed_setup_runs;

-- ---------------------------------------------------------------- Airflow variables
CREATE TEMP TABLE seed_variable_sync AS
SELECT release_id, run_id, max(started_at + to_seconds(secs)) AS synced_at
FROM seed_setup_runs WHERE dag_id = 'airflow_variable_sync' GROUP BY ALL;

CREATE TABLE etl_control.airflow_variables AS
WITH vars AS (
  SELECT * FROM (VALUES
    ('cdm_environment',            'demo',                                'release',    'Y', 'Environment name the DAGs log and alert with', 'REL-0001'),
    ('cdm_target_engine',          'duckdb',                              'release',    'Y', 'Engine of the CDM schemas: oracle, sqlserver, snowflake (duckdb on demo)', 'REL-0001'),
    ('cdm_target_database',        'cdm_demo',                            'release',    'Y', 'Database (Snowflake, SQL Server) or service name (Oracle) of the CDM schemas', 'REL-0001'),
    ('cdm_warehouse_conn_id',      'cdm_warehouse',                       'release',    'Y', 'Airflow connection id the DAGs use for the CDM schemas', 'REL-0001'),
    ('cdm_layer_schemas',          'ldz,rdv,cdm_interface,customer_360,campaign_360,flowchart_360,cdm_publish_db,cdm_ingest_db,agg,audience,etl_control',
                                                                          'release',    'Y', 'Schemas ddl_execution_dag_multidb creates, in order', 'REL-0001'),
    ('cdm_ddl_version',            '3.0.0',                               'release',    'Y', 'DDL set ddl_execution_dag_multidb applies', 'REL-0001'),
    ('cdm_mdm_extract_path',       '/data/mdm/extracts',                  'release',    'Y', 'Where the Marketing Data Mart drops its nightly extract files', 'REL-0001'),
    ('cdm_ldz_file_pattern',       'mdm_<table>_<yyyymmdd>.csv.gz',       'release',    'Y', 'Name of each extract file', 'REL-0001'),
    ('cdm_ldz_file_wait_minutes',  '45',                                  'release',    'Y', 'How long a land task waits for a late file before failing', 'REL-0004'),
    ('cdm_ml_scores_source',       'cdm_ingest_db.model_scores',          'release',    'Y', 'Table the ML platform writes its scores back to', 'REL-0001'),
    ('cdm_ml_models',              'churn_risk,offer_propensity',         'release',    'Y', 'Models whose scores enrich Customer 360', 'REL-0003'),
    ('cdm_publish_target',         'cdm_publish_db',                      'release',    'Y', 'Schema downstream consumers read', 'REL-0001'),
    ('cdm_alert_recipients',       'cdm-ops@opsbook.example',             'release',    'Y', 'Where DAG failure alerts go', 'REL-0005'),
    ('cdm_business_date_override', '',                                    'operations', 'N', 'Empty: each run takes its business date from its logical date + 1 day. Set only as a runbook says', 'REL-0001'),
    ('cdm_batch_id',               'auto',                                'operations', 'N', 'Batch id stamped on the loads; auto derives it from the business date', 'REL-0001'),
    ('cdm_source_environment',     'mdm_demo',                            'operations', 'Y', 'Which Marketing Data Mart environment the LDZ reads from', 'REL-0001')
  ) t(variable_key, variable_value, managed_by, is_required, description, changed_in)
)
SELECT v.variable_key, v.variable_value, v.managed_by, v.is_required, 'N' AS is_secret, v.description,
       r.release_version AS changed_in_release, r.finished_at AS updated_at,
       CASE WHEN v.managed_by = 'release' THEN 'release-pipeline' ELSE 'service-team' END AS updated_by,
       CASE WHEN v.managed_by = 'release' THEN (SELECT max(synced_at) FROM seed_variable_sync) END AS last_synced_at,
       CASE WHEN v.managed_by = 'release' THEN (SELECT arg_max(run_id, synced_at) FROM seed_variable_sync) END AS last_sync_run_id
FROM vars v JOIN seed_releases r ON r.release_id = v.changed_in
ORDER BY v.variable_key;

-- What Airflow itself holds (its metadata's variable table, exported like ops.job_runs): the last sync put
-- every variable there. The sandbox keeps this table equal to its variables as they change.
CREATE TABLE ops.airflow_variables AS
SELECT variable_key, variable_value, description, coalesce(last_synced_at, updated_at) AS set_at
FROM etl_control.airflow_variables
ORDER BY variable_key;

-- ---------------------------------------------------------------- derived objects
-- Customer 360 with the business date's model scores: what consumers of the enrichment query.
CREATE VIEW customer_360.v_customer_360_enriched AS
SELECT c.customer_id, c.customer_code, c.full_name, c.segment, c.region, c.contacts_total, c.contacts_30d,
       c.responses_total, c.revenue_total, e.churn_score, e.churn_band, e.offer_propensity_score,
       e.offer_propensity_band, e.enriched_at, c.business_date, c.refresh_ts
FROM customer_360.customer_360 c
LEFT JOIN customer_360.customer_enrichment e ON e.customer_id = c.customer_id AND e.business_date = c.business_date;

-- Campaign performance as published, with the conversion rate derived.
CREATE VIEW cdm_publish_db.v_campaign_performance AS
SELECT s.business_date, s.campaign_id, s.campaign_code, s.campaign_name, s.status, s.contacts_total, s.responses_total,
       s.conversions_total, s.revenue_total, s.response_rate,
       CASE WHEN s.responses_total > 0 THEN round(s.conversions_total / s.responses_total, 4) END AS conversion_rate,
       s.published_at
FROM cdm_publish_db.campaign_summary s;

-- ---------------------------------------------------------------- DDL registry and log
CREATE TABLE etl_control.ddl_object_registry (
  object_schema VARCHAR NOT NULL, object_name VARCHAR NOT NULL, object_type VARCHAR NOT NULL, layer VARCHAR NOT NULL,
  ddl_version VARCHAR NOT NULL, creation_order INTEGER NOT NULL);
CREATE TABLE etl_control.ddl_execution_log (
  run_id VARCHAR NOT NULL, dialect VARCHAR NOT NULL, statement_no INTEGER NOT NULL, object_schema VARCHAR NOT NULL,
  object_name VARCHAR NOT NULL, object_type VARCHAR NOT NULL, action VARCHAR NOT NULL, status VARCHAR NOT NULL,
  executed_at TIMESTAMP NOT NULL, error_message VARCHAR);

CREATE TEMP TABLE seed_layer_schemas AS
SELECT * FROM (VALUES
  ('ldz', 'LDZ', 1), ('rdv', 'RDV', 2), ('cdm_interface', 'Interface', 3), ('customer_360', 'Customer 360', 4),
  ('campaign_360', 'Campaign 360', 5), ('flowchart_360', 'Flowchart 360', 6), ('cdm_ingest_db', 'ML write-back', 7),
  ('cdm_publish_db', 'Publish', 8), ('agg', 'Aggregates', 9), ('audience', 'Audience resolution', 10),
  ('etl_control', 'ETL control', 11)
) t(schema_name, layer, schema_order);

INSERT INTO etl_control.ddl_object_registry
SELECT t.table_schema, t.table_name, CASE WHEN t.table_type = 'VIEW' THEN 'VIEW' ELSE 'TABLE' END, s.layer, '3.0.0',
       CAST(row_number() OVER (ORDER BY t.table_type = 'VIEW', s.schema_order, t.table_name) AS INTEGER)
FROM information_schema.tables t
JOIN seed_layer_schemas s ON s.schema_name = t.table_schema;

INSERT INTO etl_control.ddl_execution_log
WITH run AS (
  SELECT run_id,
         min(started_at) FILTER (WHERE task = 'create_tables') AS tables_at,
         min(started_at) FILTER (WHERE task = 'create_views') AS views_at
  FROM seed_setup_runs WHERE dag_id = 'ddl_execution_dag_multidb' GROUP BY ALL
)
SELECT run.run_id, 'duckdb', r.creation_order, r.object_schema, r.object_name, r.object_type, 'CREATE', 'SUCCEEDED',
       CASE WHEN r.object_type = 'VIEW' THEN run.views_at + to_seconds(2 + r.creation_order % 10)
            ELSE run.tables_at + to_seconds(2 * r.creation_order) END,
       CAST(NULL AS VARCHAR)
FROM etl_control.ddl_object_registry r CROSS JOIN run;

-- ---------------------------------------------------------------- schema contract
-- What the current release defines: the post-deployment smoke test compares the catalog with it.
CREATE TABLE ops.schema_contract AS
SELECT (SELECT max(release_version) FROM seed_releases) AS release_version,
       c.table_schema, c.table_name, c.column_name, CAST(c.ordinal_position AS INTEGER) AS ordinal_position, c.data_type
FROM information_schema.columns c
JOIN seed_layer_schemas s ON s.schema_name = c.table_schema
ORDER BY s.schema_order, c.table_name, c.ordinal_position;
