-- Audience resolution (audience): mapping channel and household keys to customers before the 360 refresh.
--   audience_map      audience key -> customer, per audience level (Customer, Household), with validity
--   bridge_campaign_offer_channel_product  the Campaign–Offer–Channel–Product combinations audiences resolve against
--   resolution_runs   one row per nightly run and audience level (failed attempts included)
--   unresolved_records the keys a run could not resolve; they are held back from the 360 layers

-- Landing business date of each customer version (first load, and the move recorded by version 2).
CREATE TEMP TABLE seed_customer_moves AS
SELECT customer_id, ldz_bd(event_date) AS moved_bd FROM seed_customer_versions WHERE version_no = 2;

CREATE TABLE audience.audience_map AS
WITH maps AS (
  SELECT 'Customer' AS audience_level, i.customer_code AS audience_key, k.customer_id, k.first_bd AS valid_from,
         CAST(NULL AS DATE) AS valid_to
  FROM seed_customer_known k JOIN cdm_interface.customer i USING (customer_id)
  UNION ALL
  -- Customers who moved keep their old household mapping, closed the day before the move landed.
  SELECT 'Household', printf('HH%06d', 1 + pick(k.customer_id, 'old_household', 25000)), k.customer_id, k.first_bd,
         CAST(m.moved_bd - 1 AS DATE)
  FROM seed_customer_known k JOIN seed_customer_moves m USING (customer_id)
  WHERE m.moved_bd > k.first_bd
  UNION ALL
  SELECT 'Household', printf('HH%06d', i.household_id), k.customer_id,
         CASE WHEN m.moved_bd > k.first_bd THEN m.moved_bd ELSE k.first_bd END, CAST(NULL AS DATE)
  FROM seed_customer_known k JOIN cdm_interface.customer i USING (customer_id)
  LEFT JOIN seed_customer_moves m USING (customer_id)
)
SELECT m.audience_level, m.audience_key, m.customer_id, m.valid_to IS NULL AS is_active, m.valid_from, m.valid_to,
       'MDM' AS source_system, coalesce(m.valid_to + 1, m.valid_from) AS business_date,
       t.ended_at - to_seconds(5) AS load_ts
FROM maps m
JOIN seed_task_ok t ON t.business_date = coalesce(m.valid_to + 1, m.valid_from) AND t.dag_id = 'cdm_audience_resolution'
     AND t.task = 'resolve_audiences';

-- Effective from the night the combination first landed until the night its campaign's completion landed.
CREATE TABLE audience.bridge_campaign_offer_channel_product AS
WITH combos AS (
  SELECT x.campaign_id, x.offer_id, x.channel_id, x.product_id, x.campaign_offer_channel_product_hk, x.business_date AS effective_from,
         CASE WHEN c.status = 'COMPLETED' THEN c.business_date - 1 END AS effective_to
  FROM cdm_interface.campaign_offer_channel_product x JOIN cdm_interface.campaign c USING (campaign_id)
)
SELECT CAST(row_number() OVER (ORDER BY campaign_id, offer_id, channel_id, product_id) AS INTEGER) AS bridge_id,
       campaign_offer_channel_product_hk, campaign_id, offer_id, channel_id, product_id, 'Customer' AS audience_level,
       effective_from, effective_to, effective_to IS NULL AS is_active, seed_today() AS business_date,
       seed_task_end('cdm_audience_resolution', 'refresh_cocp_bridge', seed_today()) - to_seconds(5) AS refreshed_at
FROM combos;

-- Every contact and response loaded on a business date went through resolution; a few channel-side keys
-- (web and push events) could not be matched and were held back.
CREATE TEMP TABLE seed_resolution_input AS
WITH events AS (
  SELECT business_date, count(*) AS n FROM cdm_interface.contact_history GROUP BY ALL
  UNION ALL SELECT business_date, count(*) FROM cdm_interface.response_history GROUP BY ALL
), per_day AS (
  SELECT d.business_date, d.day_no, coalesce(sum(e.n), 0) AS resolved
  FROM seed_days d LEFT JOIN events e USING (business_date) GROUP BY ALL
)
SELECT p.business_date, p.day_no, lv.audience_level, p.resolved,
       pick(p.day_no * 10 + lv.level_no, 'unresolved', 2 + p.resolved // 300) AS unresolved
FROM per_day p CROSS JOIN (VALUES ('Customer', 1), ('Household', 2)) lv(audience_level, level_no);

CREATE TABLE audience.resolution_runs AS
SELECT printf('AR-%s-%s-%d', strftime(t.business_date, '%Y%m%d'), upper(left(i.audience_level, 4)), t.try_number) AS run_id,
       t.business_date, i.audience_level, t.dag_id, t.run_id AS dag_run_id, t.try_number,
       CASE WHEN t.state = 'success' THEN 'SUCCEEDED' ELSE 'FAILED' END AS status,
       t.started_at, t.ended_at AS finished_at,
       i.resolved + i.unresolved AS input_records,
       CASE WHEN t.state = 'success' THEN i.resolved ELSE 0 END AS resolved_records,
       -- A failed run never got as far as counting what it could not resolve.
       CASE WHEN t.state = 'success' THEN i.unresolved END AS unresolved_records,
       CASE WHEN t.state = 'success' THEN NULL ELSE 'Lock timeout on audience.audience_map; retried' END AS error_message
FROM seed_task_runs t
JOIN seed_resolution_input i USING (business_date)
WHERE t.dag_id = 'cdm_audience_resolution' AND t.task = 'resolve_audiences';

CREATE TABLE audience.unresolved_records AS
SELECT r.business_date, r.audience_level, ['WEB', 'PUSH'][1 + pick(r.day_no * 1000 + n, r.audience_level || 'src', 2)] AS source_system,
       'dev-' || left(md5(r.audience_level || r.business_date || n), 16) AS source_key,
       ['NO_MATCHING_CUSTOMER', 'INACTIVE_MAPPING', 'INVALID_KEY_FORMAT'][1 + pick(r.day_no * 1000 + n, r.audience_level || 'why', 3)] AS reason,
       t.started_at + to_seconds(30 + n) AS first_seen_at
FROM (SELECT *, unnest(range(unresolved)) AS n FROM seed_resolution_input) r
JOIN seed_task_ok t ON t.business_date = r.business_date AND t.dag_id = 'cdm_audience_resolution' AND t.task = 'resolve_audiences';
