-- Landing Zone (ldz): what each nightly extract of the mart delivered, one file per source table and business
-- date, with the technical columns load_id, business_date, load_ts and record_source.
--
-- The extract for business date D carries the mart's changes and activity of D - 1 (deltas). Go-live
-- (business date seed_day0()) was a full extract of everything that existed by then; where an entity
-- changed several times before go-live only its state at go-live was landed.

-- One load per source table and business date, timed by its land_<table> task (seed_task_ok).
CREATE TEMP TABLE seed_ldz_loads AS
SELECT t.business_date, t.day_no, replace(t.task, 'land_', '') AS source_table,
       printf('LDZ-%s-%s', strftime(t.business_date, '%Y%m%d'), upper(replace(t.task, 'land_', ''))) AS load_id,
       'MDM.' || upper(replace(t.task, 'land_', '')) AS record_source,
       printf('mdm_%s_%s.csv.gz', replace(t.task, 'land_', ''), strftime(t.business_date, '%Y%m%d')) AS file_name,
       t.started_at, t.ended_at,
       -- Rows are stamped when the bulk insert commits, shortly before the task ends.
       t.ended_at - to_seconds(5) AS load_ts
FROM seed_task_ok t
WHERE t.dag_id = 'cdm_mdm_to_ldz' AND t.task LIKE 'land_%';

-- Landing business date of a change made on activity date d.
CREATE TEMP MACRO ldz_bd(d) AS greatest(CAST(d AS DATE) + 1, seed_day0());

CREATE TABLE ldz.channels AS
SELECT c.*, l.load_id, l.business_date, l.load_ts, l.record_source
FROM mdm.channels c JOIN seed_ldz_loads l ON l.source_table = 'channels' AND l.business_date = ldz_bd(c.updated_at);

CREATE TABLE ldz.products AS
WITH v AS (
  SELECT *, ldz_bd(event_date) AS bd FROM seed_product_versions
  QUALIFY row_number() OVER (PARTITION BY product_id, ldz_bd(event_date) ORDER BY version_no DESC) = 1
)
SELECT v.product_id, v.product_code, v.product_name, v.product_category, v.annual_fee, v.is_active,
       p.created_at, at_sec(v.event_date, 32400 + pick(v.product_id * 10 + v.version_no, 'p_uts', 28800)) AS updated_at,
       l.load_id, l.business_date, l.load_ts, l.record_source
FROM v JOIN mdm.products p USING (product_id)
JOIN seed_ldz_loads l ON l.source_table = 'products' AND l.business_date = v.bd;

CREATE TABLE ldz.offers AS
SELECT o.*, l.load_id, l.business_date, l.load_ts, l.record_source
FROM mdm.offers o JOIN seed_ldz_loads l ON l.source_table = 'offers' AND l.business_date = ldz_bd(o.updated_at);

CREATE TABLE ldz.campaigns AS
WITH v AS (
  SELECT *, ldz_bd(event_date) AS bd FROM seed_campaign_versions
  QUALIFY row_number() OVER (PARTITION BY campaign_id, ldz_bd(event_date) ORDER BY version_no DESC) = 1
)
SELECT c.campaign_id, c.campaign_code, c.campaign_name, c.campaign_type, c.owner_team, c.budget, c.start_date, c.end_date,
       v.status, c.created_at,
       at_sec(v.event_date, 3600 + pick(v.campaign_id * 10 + v.version_no, 'c_uts', 7200)) AS updated_at,
       l.load_id, l.business_date, l.load_ts, l.record_source
FROM v JOIN mdm.campaigns c USING (campaign_id)
JOIN seed_ldz_loads l ON l.source_table = 'campaigns' AND l.business_date = v.bd;

CREATE TABLE ldz.flowcharts AS
SELECT f.*, l.load_id, l.business_date, l.load_ts, l.record_source
FROM mdm.flowcharts f JOIN seed_ldz_loads l ON l.source_table = 'flowcharts' AND l.business_date = ldz_bd(f.updated_at);

CREATE TABLE ldz.cells AS
SELECT c.*, l.load_id, l.business_date, l.load_ts, l.record_source
FROM mdm.cells c JOIN seed_ldz_loads l ON l.source_table = 'cells' AND l.business_date = ldz_bd(c.created_at);

CREATE TABLE ldz.customers AS
SELECT r.* EXCLUDE (version_no, event_date), l.load_id, l.business_date, l.load_ts, l.record_source
FROM seed_customer_rows r
JOIN seed_ldz_loads l ON l.source_table = 'customers' AND l.business_date = ldz_bd(r.event_date)
QUALIFY row_number() OVER (PARTITION BY r.customer_id, l.business_date ORDER BY r.version_no DESC) = 1;

CREATE TABLE ldz.flowchart_runs AS
SELECT r.*, l.load_id, l.business_date, l.load_ts, l.record_source
FROM mdm.flowchart_runs r JOIN seed_ldz_loads l ON l.source_table = 'flowchart_runs' AND l.business_date = r.run_date + 1;

CREATE TABLE ldz.contact_history AS
SELECT h.*, l.load_id, l.business_date, l.load_ts, l.record_source
FROM mdm.contact_history h JOIN seed_ldz_loads l ON l.source_table = 'contact_history' AND l.business_date = h.contact_date + 1;

CREATE TABLE ldz.response_history AS
SELECT r.*, l.load_id, l.business_date, l.load_ts, l.record_source
FROM mdm.response_history r JOIN seed_ldz_loads l ON l.source_table = 'response_history' AND l.business_date = r.response_date + 1;

-- The load audit: one row per file, including empty deltas (a file with no changes still lands).
CREATE TABLE ldz.load_audit (
  source_table VARCHAR NOT NULL, business_date DATE NOT NULL, load_id VARCHAR NOT NULL, row_count BIGINT NOT NULL,
  status VARCHAR NOT NULL, started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL, file_name VARCHAR NOT NULL);
INSERT INTO ldz.load_audit
WITH landed AS (
  SELECT 'channels' AS source_table, load_id, count(*) AS n FROM ldz.channels GROUP BY ALL
  UNION ALL SELECT 'products', load_id, count(*) FROM ldz.products GROUP BY ALL
  UNION ALL SELECT 'offers', load_id, count(*) FROM ldz.offers GROUP BY ALL
  UNION ALL SELECT 'campaigns', load_id, count(*) FROM ldz.campaigns GROUP BY ALL
  UNION ALL SELECT 'flowcharts', load_id, count(*) FROM ldz.flowcharts GROUP BY ALL
  UNION ALL SELECT 'cells', load_id, count(*) FROM ldz.cells GROUP BY ALL
  UNION ALL SELECT 'customers', load_id, count(*) FROM ldz.customers GROUP BY ALL
  UNION ALL SELECT 'flowchart_runs', load_id, count(*) FROM ldz.flowchart_runs GROUP BY ALL
  UNION ALL SELECT 'contact_history', load_id, count(*) FROM ldz.contact_history GROUP BY ALL
  UNION ALL SELECT 'response_history', load_id, count(*) FROM ldz.response_history GROUP BY ALL
)
SELECT l.source_table, l.business_date, l.load_id, coalesce(landed.n, 0), 'SUCCEEDED', l.started_at, l.ended_at, l.file_name
FROM seed_ldz_loads l LEFT JOIN landed USING (source_table, load_id);
