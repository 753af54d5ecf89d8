-- Helpers for the seed only. TEMP macros live in the seeding connection's temp catalog, so nothing
-- here is persisted and no persisted object may depend on them (hence: tables only, no views on macros).
--
-- Determinism: all "randomness" is hash() of a key and a salt, so the same `today` gives the same data.
-- Dates are relative to getvariable('today'), set by the runner, never current_date.

-- The business date of the most recent nightly load (the batch for business date D runs in the early
-- hours of D and lands the source activity of D - 1).
CREATE TEMP MACRO seed_today() AS CAST(getvariable('today') AS DATE);
-- Go-live: the initial full load. The mart keeps 120 days of activity, enough for 90-day windows.
CREATE TEMP MACRO seed_day0() AS CAST(getvariable('today') AS DATE) - 120;

-- A deterministic number in [0, 1) from a key and a salt.
CREATE TEMP MACRO u01(k, salt) AS CAST(hash(k, salt) % 1000000 AS DOUBLE) / 1000000.0;
-- A deterministic integer in [0, n). INTEGER, so that `date + pick(...)` is a date (DuckDB has no DATE + BIGINT).
CREATE TEMP MACRO pick(k, salt, n) AS CAST(hash(k, salt) % CAST(n AS UBIGINT) AS INTEGER);
-- Data Vault hash key of a business key: MD5 of the trimmed, upper-cased text.
CREATE TEMP MACRO dv_hk(bk) AS md5(upper(trim(CAST(bk AS VARCHAR))));
-- A timestamp on day d, s seconds after midnight.
CREATE TEMP MACRO at_sec(d, s) AS CAST(d AS TIMESTAMP) + to_seconds(CAST(s AS BIGINT));

-- Every business date of the history, with the number of customers that existed before its extract
-- window (customer ids are assigned in creation order, see 010_mdm.sql).
CREATE TEMP TABLE seed_days AS
SELECT seed_day0() + CAST(i AS INTEGER) AS business_date,
       seed_day0() + CAST(i AS INTEGER) - 1 AS activity_date,
       CAST(i AS INTEGER) AS day_no
FROM range(0, 121) t(i);

-- The nightly schedule: when each task of the Canonical DAGs starts (seconds after midnight of the
-- business date) and how long it typically takes. ops.job_runs (090) records it, and every layer takes its
-- technical timestamps from it, so load times, refresh timestamps and job history agree.
-- Tasks marked retry_candidate failed once and succeeded on retry on a few past nights.
CREATE TEMP TABLE seed_schedule AS
SELECT * FROM (VALUES
  ('etl_date_control_update_dag', 'update_etl_date_control',        1,  1800,  25, false),
  ('cdm_mdm_to_ldz',              'land_channels',                  1,  3600,  30, false),
  ('cdm_mdm_to_ldz',              'land_products',                  2,  3660,  35, false),
  ('cdm_mdm_to_ldz',              'land_offers',                    3,  3720,  35, false),
  ('cdm_mdm_to_ldz',              'land_campaigns',                 4,  3780,  45, false),
  ('cdm_mdm_to_ldz',              'land_flowcharts',                5,  3840,  40, false),
  ('cdm_mdm_to_ldz',              'land_cells',                     6,  3900,  40, false),
  ('cdm_mdm_to_ldz',              'land_customers',                 7,  3960, 240, false),
  ('cdm_mdm_to_ldz',              'land_flowchart_runs',            8,  4260,  45, false),
  ('cdm_mdm_to_ldz',              'land_contact_history',           9,  4320, 420, false),
  ('cdm_mdm_to_ldz',              'land_response_history',         10,  4860, 120, false),
  ('cdm_mdm_to_ldz',              'audit_ldz_load',                11,  5040,  30, true),
  ('cdm_ldz_to_rdv',              'load_hubs',                      1,  7200, 180, false),
  ('cdm_ldz_to_rdv',              'load_links',                     2,  7440, 300, false),
  ('cdm_ldz_to_rdv',              'load_satellites',                3,  7800, 420, false),
  ('cdm_ldz_to_rdv',              'check_rdv_keys',                 4,  8340,  60, true),
  ('cdm_rdv_to_interface',        'build_interface',                1,  9000, 540, false),
  ('cdm_audience_resolution',     'resolve_audiences',              1,  9900, 300, true),
  ('cdm_audience_resolution',     'refresh_cocp_bridge',            2, 10560,  60, false),
  ('cdm_360_refresh',             'refresh_customer_360',           1, 10800, 600, false),
  ('cdm_360_refresh',             'refresh_campaign_360',           2, 11550, 180, false),
  ('cdm_360_refresh',             'refresh_flowchart_360',          3, 11790, 240, false),
  ('cdm_ml_writeback',            'ingest_model_scores',            1, 12600, 300, false),
  ('cdm_ml_writeback',            'enrich_customer_360',            2, 12960, 240, false),
  ('cdm_aggregate_refresh',       'refresh_daily_customer_kpi',     1, 14400, 120, false),
  ('cdm_aggregate_refresh',       'refresh_daily_channel_metrics',  2, 14580,  90, false),
  ('cdm_aggregate_refresh',       'refresh_daily_campaign_metrics', 3, 14730, 300, true),
  ('cdm_publish',                 'publish_customer_profile',       1, 15600, 240, false),
  ('cdm_publish',                 'publish_campaign_summary',       2, 15900,  60, false)
) t(dag_id, task, task_order, start_s, typical_s, retry_candidate);

-- Every attempt of every task on every business date. Durations vary +-20 % around the typical one;
-- on roughly one night in fifteen, a retry candidate failed after a minute and succeeded five minutes later.
-- The latest nights (the last week) ran clean.
CREATE TEMP TABLE seed_task_runs AS
WITH base AS (
  -- Airflow names a scheduled run after its logical date, the start of the data interval: D - 1.
  SELECT d.business_date, d.day_no, s.*,
         'scheduled__' || strftime(at_sec(d.business_date - 1, min(s.start_s) OVER (PARTITION BY d.business_date, s.dag_id)),
                                   '%Y-%m-%dT%H:%M:%S') || '+00:00' AS run_id,
         s.retry_candidate AND d.day_no BETWEEN 1 AND 113 AND pick(d.day_no * 100 + s.task_order, 'tr_fail_' || s.dag_id, 60) = 0 AS failed_first,
         at_sec(d.business_date, s.start_s + pick(d.day_no, 'tr_start_' || s.dag_id, 20)) AS first_start,
         CAST(s.typical_s * (0.8 + 0.4 * u01(d.day_no * 100 + s.task_order, 'tr_dur_' || s.dag_id)) AS INTEGER) AS secs
  FROM seed_days d CROSS JOIN seed_schedule s
)
SELECT business_date, day_no, dag_id, run_id, task, task_order, 1 AS try_number,
       CASE WHEN failed_first THEN 'failed' ELSE 'success' END AS state,
       first_start AS started_at,
       first_start + to_seconds(CASE WHEN failed_first THEN 60 ELSE secs END) AS ended_at
FROM base
UNION ALL
SELECT business_date, day_no, dag_id, run_id, task, task_order, 2, 'success',
       first_start + to_seconds(360), first_start + to_seconds(360 + secs)
FROM base WHERE failed_first;

-- The successful attempt of each task: what the layers use for their technical timestamps.
CREATE TEMP TABLE seed_task_ok AS
SELECT business_date, day_no, dag_id, run_id, task, started_at, ended_at FROM seed_task_runs WHERE state = 'success';
