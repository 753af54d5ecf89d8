-- The 360 layers, built from the interface layer (and audience resolution) every night.
--   customer_360.customer_360   current state, one row per customer (rebuilt in full each night)
--   campaign_360.campaign_360   one snapshot row per business date and campaign known by then
--   flowchart_360.flowchart_360 one snapshot row per business date and flowchart executed by then,
--                               with cumulative, pre-aggregated metrics

CREATE TEMP MACRO seed_task_end(p_dag, p_task, p_bd) AS
  (SELECT ended_at FROM seed_task_ok WHERE dag_id = p_dag AND task = p_task AND business_date = p_bd);

CREATE TABLE customer_360.customer_360 AS
WITH contacts AS (
  SELECT customer_id, count(*) AS contacts_total,
         count(*) FILTER (WHERE contact_date >= seed_today() - 30) AS contacts_30d,
         max(contact_date) AS last_contact_date, count(DISTINCT campaign_id) AS campaigns_contacted
  FROM cdm_interface.contact_history GROUP BY ALL
), responses AS (
  SELECT customer_id, count(*) AS responses_total, count(*) FILTER (WHERE response_type = 'CONVERSION') AS conversions_total,
         sum(revenue) AS revenue_total, max(response_date) AS last_response_date
  FROM cdm_interface.response_history GROUP BY ALL
)
SELECT c.customer_id, c.customer_code, c.first_name || ' ' || c.last_name AS full_name, c.email, c.segment, c.region,
       c.household_id, c.opt_in_email, c.opt_in_sms, c.customer_since,
       coalesce(ct.contacts_total, 0) AS contacts_total, coalesce(ct.contacts_30d, 0) AS contacts_30d,
       ct.last_contact_date, coalesce(ct.campaigns_contacted, 0) AS campaigns_contacted,
       coalesce(r.responses_total, 0) AS responses_total, coalesce(r.conversions_total, 0) AS conversions_total,
       CAST(coalesce(r.revenue_total, 0) AS DECIMAL(14, 2)) AS revenue_total, r.last_response_date,
       seed_today() AS business_date,
       seed_task_end('cdm_360_refresh', 'refresh_customer_360', seed_today()) - to_seconds(5) AS refresh_ts
FROM cdm_interface.customer c
LEFT JOIN contacts ct USING (customer_id)
LEFT JOIN responses r USING (customer_id);

-- Daily contact/response totals per key, by the business date that loaded them.
CREATE TEMP TABLE seed_daily_contacts AS
SELECT business_date, campaign_id, flowchart_id, channel_id, count(*) AS contacts,
       count(*) FILTER (WHERE contact_status = 'DELIVERED') AS delivered
FROM cdm_interface.contact_history GROUP BY ALL;
CREATE TEMP TABLE seed_daily_responses AS
SELECT business_date, campaign_id, flowchart_id, channel_id, count(*) AS responses,
       count(*) FILTER (WHERE response_type = 'CONVERSION') AS conversions, sum(revenue) AS revenue
FROM cdm_interface.response_history GROUP BY ALL;

CREATE TABLE campaign_360.campaign_360 AS
WITH versions AS (
  -- Each campaign's state as of every business date: its latest satellite row loaded by then.
  SELECT d.business_date, h.campaign_id, s.campaign_code, s.campaign_name, s.campaign_type, s.status, s.start_date, s.end_date
  FROM seed_days d
  JOIN seed_rdv_batch b ON b.business_date <= d.business_date
  JOIN rdv.sat_campaign_details s ON s.load_dts = b.load_dts
  JOIN rdv.hub_campaign h USING (campaign_hk)
  QUALIFY row_number() OVER (PARTITION BY d.business_date, h.campaign_id ORDER BY s.load_dts DESC) = 1
), daily AS (
  SELECT business_date, campaign_id, sum(contacts) AS contacts FROM seed_daily_contacts GROUP BY ALL
), daily_r AS (
  SELECT business_date, campaign_id, sum(responses) AS responses, sum(conversions) AS conversions, sum(revenue) AS revenue
  FROM seed_daily_responses GROUP BY ALL
), structure AS (
  SELECT d.business_date, f.campaign_id, count(*) AS flowcharts
  FROM seed_days d JOIN cdm_interface.flowchart f ON f.business_date <= d.business_date GROUP BY ALL
), combos AS (
  SELECT d.business_date, x.campaign_id, count(*) AS offer_channel_products
  FROM seed_days d JOIN cdm_interface.campaign_offer_channel_product x ON x.business_date <= d.business_date GROUP BY ALL
), cumulative AS (
  SELECT v.*, coalesce(s.flowcharts, 0) AS flowcharts, coalesce(x.offer_channel_products, 0) AS offer_channel_products,
         sum(coalesce(dc.contacts, 0)) OVER wc AS contacts_total,
         sum(coalesce(dr.responses, 0)) OVER wc AS responses_total,
         sum(coalesce(dr.conversions, 0)) OVER wc AS conversions_total,
         sum(coalesce(dr.revenue, 0)) OVER wc AS revenue_total,
         max(CASE WHEN dc.contacts > 0 THEN v.business_date - 1 END) OVER wc AS last_contact_date
  FROM versions v
  LEFT JOIN daily dc USING (business_date, campaign_id)
  LEFT JOIN daily_r dr USING (business_date, campaign_id)
  LEFT JOIN structure s USING (business_date, campaign_id)
  LEFT JOIN combos x USING (business_date, campaign_id)
  WINDOW wc AS (PARTITION BY v.campaign_id ORDER BY v.business_date ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
)
SELECT c.business_date, c.campaign_id, c.campaign_code, c.campaign_name, c.campaign_type, c.status, c.start_date, c.end_date,
       c.flowcharts, c.offer_channel_products, c.contacts_total, c.responses_total, c.conversions_total,
       CAST(c.revenue_total AS DECIMAL(14, 2)) AS revenue_total,
       CAST(CASE WHEN c.contacts_total > 0 THEN round(c.responses_total / c.contacts_total, 4) ELSE 0 END AS DECIMAL(7, 4)) AS response_rate,
       c.last_contact_date,
       t.ended_at - to_seconds(5) AS refresh_ts
FROM cumulative c
JOIN seed_task_ok t ON t.business_date = c.business_date AND t.dag_id = 'cdm_360_refresh' AND t.task = 'refresh_campaign_360';

CREATE TABLE flowchart_360.flowchart_360 AS
WITH runs AS (
  SELECT business_date, flowchart_id, count(*) AS runs, max(run_id) AS last_run_id, max(run_date) AS last_run_date,
         arg_max(run_status, run_id) AS last_run_status, arg_max(contacts_generated, run_id) AS last_run_contacts
  FROM cdm_interface.flowchart_execution GROUP BY ALL
), grid AS (
  SELECT d.business_date, r.flowchart_id
  FROM (SELECT flowchart_id, min(business_date) AS first_bd FROM runs GROUP BY ALL) r
  JOIN seed_days d ON d.business_date >= r.first_bd
), contacts AS (
  SELECT business_date, flowchart_id, sum(contacts) AS contacts FROM seed_daily_contacts GROUP BY ALL
), responses AS (
  SELECT business_date, flowchart_id, sum(responses) AS responses, sum(conversions) AS conversions, sum(revenue) AS revenue
  FROM seed_daily_responses GROUP BY ALL
), cumulative AS (
  SELECT g.business_date, g.flowchart_id,
         sum(coalesce(r.runs, 0)) OVER wf AS execution_count,
         min(r.last_run_date) OVER wf AS first_run_date,
         last_value(r.last_run_id IGNORE NULLS) OVER wf AS last_run_id,
         last_value(r.last_run_date IGNORE NULLS) OVER wf AS last_run_date,
         last_value(r.last_run_status IGNORE NULLS) OVER wf AS last_run_status,
         last_value(r.last_run_contacts IGNORE NULLS) OVER wf AS contacts_last_run,
         sum(coalesce(c.contacts, 0)) OVER wf AS contacts_total,
         sum(coalesce(s.responses, 0)) OVER wf AS responses_total,
         sum(coalesce(s.conversions, 0)) OVER wf AS conversions_total,
         sum(coalesce(s.revenue, 0)) OVER wf AS revenue_total
  FROM grid g
  LEFT JOIN runs r USING (business_date, flowchart_id)
  LEFT JOIN contacts c USING (business_date, flowchart_id)
  LEFT JOIN responses s USING (business_date, flowchart_id)
  WINDOW wf AS (PARTITION BY g.flowchart_id ORDER BY g.business_date ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
)
SELECT c.business_date, c.flowchart_id, f.flowchart_name, f.campaign_id, m.campaign_code,
       CAST(c.execution_count AS INTEGER) AS execution_count, c.first_run_date, c.last_run_id, c.last_run_date,
       c.last_run_status, c.contacts_last_run, c.contacts_total, c.responses_total, c.conversions_total,
       CAST(c.revenue_total AS DECIMAL(14, 2)) AS revenue_total,
       CAST(CASE WHEN c.contacts_total > 0 THEN round(c.responses_total / c.contacts_total, 4) ELSE 0 END AS DECIMAL(7, 4)) AS response_rate,
       t.ended_at - to_seconds(5) AS refresh_ts
FROM cumulative c
JOIN cdm_interface.flowchart f USING (flowchart_id)
JOIN cdm_interface.campaign m USING (campaign_id)
JOIN seed_task_ok t ON t.business_date = c.business_date AND t.dag_id = 'cdm_360_refresh' AND t.task = 'refresh_flowchart_360';
