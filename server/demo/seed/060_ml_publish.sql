-- ML write-back and publishing.
--   cdm_ingest_db  model scores written back by the ML platform (kept 3 business dates) and the ingest log
--   customer_360.customer_enrichment  the scores applied to Customer 360, per business date (same retention)
--   cdm_publish_db what downstream consumers read, and the publish log

-- Customers the warehouse knew on each business date (by the vault load that first landed them).
CREATE TEMP TABLE seed_customer_known AS
SELECT h.customer_id, b.business_date AS first_bd
FROM rdv.hub_customer h JOIN seed_rdv_batch b USING (load_dts);

-- How many customers the warehouse knew on each business date (a running total, not a range join).
CREATE TEMP TABLE seed_customers_per_day AS
SELECT d.business_date, CAST(coalesce(n.customers_new, 0) AS BIGINT) AS customers_new,
       CAST(sum(coalesce(n.customers_new, 0)) OVER (ORDER BY d.business_date) AS BIGINT) AS customers_total
FROM seed_days d
LEFT JOIN (SELECT first_bd AS business_date, count(*) AS customers_new FROM seed_customer_known GROUP BY ALL) n USING (business_date);

CREATE TEMP TABLE seed_models AS
SELECT * FROM (VALUES ('churn_risk', '3.2.0', 'CHURN'), ('offer_propensity', '1.8.1', 'PROPENSITY')) t(model_name, model_version, code);

CREATE TEMP MACRO seed_band(score) AS CASE WHEN score >= 0.8 THEN 'HIGH' WHEN score >= 0.5 THEN 'MEDIUM' ELSE 'LOW' END;

CREATE TABLE cdm_ingest_db.model_scores AS
WITH days AS (
  -- Retention: older score partitions are purged once Customer 360 has been enriched.
  SELECT d.business_date, d.day_no, t.started_at, t.ended_at
  FROM seed_days d
  JOIN seed_task_ok t ON t.business_date = d.business_date AND t.dag_id = 'cdm_ml_writeback' AND t.task = 'ingest_model_scores'
  WHERE d.business_date >= seed_today() - 2
), scored AS (
  SELECT d.*, k.customer_id, m.*,
         CAST(u01(k.customer_id * 1000 + d.day_no, m.model_name) AS DECIMAL(6, 5)) AS score
  FROM days d JOIN seed_customer_known k ON k.first_bd <= d.business_date CROSS JOIN seed_models m
)
SELECT business_date, printf('ML-%s-%s', strftime(business_date, '%Y%m%d'), code) AS load_id, customer_id,
       model_name, model_version, score, seed_band(score) AS score_band,
       started_at - to_seconds(1200) AS scored_at, ended_at - to_seconds(5) AS loaded_at
FROM scored;

CREATE TABLE cdm_ingest_db.ingest_log AS
SELECT d.business_date, printf('ML-%s-%s', strftime(d.business_date, '%Y%m%d'), m.code) AS load_id, m.model_name,
       m.model_version, d.customers_total AS rows_received, d.customers_total AS rows_loaded, 0 AS rows_rejected,
       'SUCCEEDED' AS status, t.started_at AS received_at, t.ended_at - to_seconds(5) AS loaded_at
FROM seed_customers_per_day d
CROSS JOIN seed_models m
JOIN seed_task_ok t ON t.business_date = d.business_date AND t.dag_id = 'cdm_ml_writeback' AND t.task = 'ingest_model_scores';

CREATE TABLE customer_360.customer_enrichment AS
SELECT s.business_date, s.customer_id,
       max(s.score) FILTER (WHERE s.model_name = 'churn_risk') AS churn_score,
       max(s.score_band) FILTER (WHERE s.model_name = 'churn_risk') AS churn_band,
       max(s.score) FILTER (WHERE s.model_name = 'offer_propensity') AS offer_propensity_score,
       max(s.score_band) FILTER (WHERE s.model_name = 'offer_propensity') AS offer_propensity_band,
       max(s.model_version) FILTER (WHERE s.model_name = 'churn_risk') AS churn_model_version,
       max(s.model_version) FILTER (WHERE s.model_name = 'offer_propensity') AS propensity_model_version,
       any_value(t.ended_at) - to_seconds(5) AS enriched_at
FROM cdm_ingest_db.model_scores s
JOIN seed_task_ok t ON t.business_date = s.business_date AND t.dag_id = 'cdm_ml_writeback' AND t.task = 'enrich_customer_360'
GROUP BY s.business_date, s.customer_id;

-- ---------------------------------------------------------------- publish
CREATE TABLE cdm_publish_db.customer_profile AS
SELECT c.customer_id, c.customer_code, c.full_name, c.segment, c.region, c.opt_in_email, c.opt_in_sms, c.contacts_30d,
       c.last_contact_date, c.responses_total, c.revenue_total, e.churn_score, e.churn_band, e.offer_propensity_score,
       e.offer_propensity_band, c.business_date,
       seed_task_end('cdm_publish', 'publish_customer_profile', seed_today()) - to_seconds(5) AS published_at
FROM customer_360.customer_360 c
LEFT JOIN customer_360.customer_enrichment e ON e.customer_id = c.customer_id AND e.business_date = c.business_date;

CREATE TABLE cdm_publish_db.campaign_summary AS
SELECT business_date, campaign_id, campaign_code, campaign_name, status, start_date, end_date, contacts_total,
       responses_total, conversions_total, revenue_total, response_rate,
       seed_task_end('cdm_publish', 'publish_campaign_summary', seed_today()) - to_seconds(5) AS published_at
FROM campaign_360.campaign_360
WHERE business_date = seed_today();

CREATE TABLE cdm_publish_db.publish_log AS
WITH counts AS (
  SELECT business_date, 'customer_profile' AS target_table, customers_total AS row_count FROM seed_customers_per_day
  UNION ALL
  SELECT business_date, 'campaign_summary', count(*) FROM campaign_360.campaign_360 GROUP BY ALL
)
SELECT c.target_table, c.business_date, c.row_count, 'SUCCEEDED' AS status, t.ended_at - to_seconds(5) AS published_at
FROM counts c
JOIN seed_task_ok t ON t.business_date = c.business_date AND t.dag_id = 'cdm_publish' AND t.task = 'publish_' || c.target_table;
