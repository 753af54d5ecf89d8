-- Marketing Data Mart (mdm): the source. Current state of every entity plus 120 days of activity.
-- No PRIMARY KEY constraints anywhere in the demo: the real platform does not enforce them either, and the
-- training scenarios must be able to inject duplicate keys for the validation runbook to find.
--
-- The timeline: every entity change and every contact/response happens on an activity date; the nightly
-- extract for business date D carries the activity of D - 1. Versioned entities (customers, campaigns,
-- products) are first generated as versions in seed_* temp tables so the landing zone (020) and the
-- vault (030) can replay exactly the changes the mart went through.

-- ---------------------------------------------------------------- channels, products, offers (reference)
CREATE TABLE mdm.channels (
  channel_id INTEGER NOT NULL, channel_code VARCHAR NOT NULL, channel_name VARCHAR NOT NULL,
  is_digital BOOLEAN NOT NULL, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL);
INSERT INTO mdm.channels
SELECT id, code, name, digital, at_sec(seed_day0() - 900, 36000 + id * 60), at_sec(seed_day0() - 900, 36000 + id * 60)
FROM (VALUES (1, 'EMAIL', 'Email', true), (2, 'SMS', 'SMS', true), (3, 'PUSH', 'Mobile push', true),
             (4, 'WEB', 'Web personalisation', true), (5, 'DM', 'Direct mail', false), (6, 'CC', 'Call centre', false))
     t(id, code, name, digital);

-- Response behaviour per channel; generation input only, not part of the mart.
CREATE TEMP TABLE seed_channel_rates AS
SELECT * FROM (VALUES (1, 0.11), (2, 0.07), (3, 0.05), (4, 0.09), (5, 0.04), (6, 0.16)) t(channel_id, response_rate);

CREATE TEMP TABLE seed_product_versions AS
WITH base AS (
  SELECT i AS product_id,
         ['Credit card', 'Savings', 'Personal loan', 'Mortgage', 'Insurance', 'Investment', 'Current account', 'Travel'][1 + (i - 1) // 5] AS category,
         ['Classic', 'Plus', 'Gold', 'Platinum', 'Select'][1 + (i - 1) % 5] AS tier,
         seed_day0() - 700 - pick(i, 'p_created', 200) AS created_date
  FROM range(1, 41) t(i)
), versions AS (
  SELECT product_id, category, tier, 0 AS version_no, created_date AS event_date FROM base
  UNION ALL
  -- A quarter of the products change their fee during the history window.
  SELECT product_id, category, tier, 1, seed_day0() + pick(product_id, 'p_upd', 120) FROM base
  WHERE u01(product_id, 'p_upd?') < 0.25
)
SELECT product_id, printf('PRD-%04d', product_id) AS product_code, category || ' ' || tier AS product_name,
       category AS product_category,
       CAST((pick(product_id, 'p_fee', 20) * 5 + version_no * 10) AS DECIMAL(10, 2)) AS annual_fee,
       true AS is_active, version_no, event_date,
       created_date
FROM versions JOIN base USING (product_id, category, tier);

CREATE TABLE mdm.products (
  product_id INTEGER NOT NULL, product_code VARCHAR NOT NULL, product_name VARCHAR NOT NULL,
  product_category VARCHAR NOT NULL, annual_fee DECIMAL(10, 2) NOT NULL, is_active BOOLEAN NOT NULL,
  created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL);
INSERT INTO mdm.products
SELECT product_id, product_code, product_name, product_category, annual_fee, is_active,
       at_sec(created_date, 32400 + pick(product_id, 'p_cts', 28800)),
       at_sec(event_date, 32400 + pick(product_id * 10 + version_no, 'p_uts', 28800))
FROM seed_product_versions
QUALIFY row_number() OVER (PARTITION BY product_id ORDER BY version_no DESC) = 1;

CREATE TABLE mdm.offers (
  offer_id INTEGER NOT NULL, offer_code VARCHAR NOT NULL, offer_name VARCHAR NOT NULL,
  offer_type VARCHAR NOT NULL, product_id INTEGER NOT NULL, offer_value DECIMAL(10, 2) NOT NULL,
  valid_from DATE NOT NULL, valid_to DATE NOT NULL, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL);
INSERT INTO mdm.offers
WITH o AS (
  SELECT i AS offer_id, 1 + pick(i, 'o_prod', 40) AS product_id,
         ['DISCOUNT', 'CASHBACK', 'RATE', 'BUNDLE', 'LOYALTY_POINTS'][1 + pick(i, 'o_type', 5)] AS offer_type,
         ['Discount', 'Cashback', 'Better rate', 'Bundle', 'Loyalty points'][1 + pick(i, 'o_type', 5)] AS offer_label,
         seed_day0() - 200 - pick(i, 'o_created', 150) AS created_date
  FROM range(1, 81) t(i)
)
SELECT o.offer_id, printf('OFR-%04d', o.offer_id),
       o.offer_label || ' – ' || p.product_name,
       o.offer_type, o.product_id, CAST(5 + pick(o.offer_id, 'o_val', 60) * 2.5 AS DECIMAL(10, 2)),
       o.created_date + 14, seed_today() + 365,
       at_sec(o.created_date, 36000 + pick(o.offer_id, 'o_cts', 25200)),
       at_sec(o.created_date, 36000 + pick(o.offer_id, 'o_cts', 25200))
FROM o JOIN mdm.products p USING (product_id);

-- ---------------------------------------------------------------- campaigns, flowcharts, cells
-- Campaign starts are spread evenly from 30 days before go-live to 19 days after today, so on every
-- business date about 25 campaigns are running. Status changes are versions: PLANNED when created,
-- ACTIVE on the start date, COMPLETED the day after the end date.
CREATE TEMP TABLE seed_campaign_base AS
WITH c AS (
  SELECT i AS campaign_id,
         seed_day0() - 30 + CAST((i - 1) * 170 // 120 AS INTEGER) AS start_date,
         14 + pick(i, 'c_dur', 47) AS duration_days
  FROM range(1, 121) t(i)
)
SELECT campaign_id, start_date, CAST(start_date + duration_days - 1 AS DATE) AS end_date,
       CAST(start_date - 7 - pick(campaign_id, 'c_created', 21) AS DATE) AS created_date,
       ['ACQUISITION', 'CROSS_SELL', 'RETENTION', 'WINBACK', 'ONBOARDING'][1 + pick(campaign_id, 'c_type', 5)] AS campaign_type,
       ['Spring', 'Summer', 'Autumn', 'Winter', 'Welcome', 'Loyalty', 'Upgrade', 'Reactivation',
        'Flash', 'Anniversary', 'Referral', 'Year-end'][1 + pick(campaign_id, 'c_theme', 12)] AS theme,
       ['Acquisition Marketing', 'Lifecycle CRM', 'Digital Marketing', 'Retention Team'][1 + pick(campaign_id, 'c_owner', 4)] AS owner_team,
       CAST(5000 + pick(campaign_id, 'c_budget', 96) * 2500 AS DECIMAL(12, 2)) AS budget
FROM c
WHERE start_date - 7 - pick(campaign_id, 'c_created', 21) <= seed_today() - 1;  -- not yet created otherwise

CREATE TEMP TABLE seed_campaign_versions AS
SELECT * FROM (
  SELECT campaign_id, 0 AS version_no, created_date AS event_date, 'PLANNED' AS status FROM seed_campaign_base
  UNION ALL SELECT campaign_id, 1, start_date, 'ACTIVE' FROM seed_campaign_base
  UNION ALL SELECT campaign_id, 2, CAST(end_date + 1 AS DATE), 'COMPLETED' FROM seed_campaign_base
) WHERE event_date <= seed_today() - 1;

CREATE TABLE mdm.campaigns (
  campaign_id INTEGER NOT NULL, campaign_code VARCHAR NOT NULL, campaign_name VARCHAR NOT NULL,
  campaign_type VARCHAR NOT NULL, owner_team VARCHAR NOT NULL, budget DECIMAL(12, 2) NOT NULL,
  start_date DATE NOT NULL, end_date DATE NOT NULL, status VARCHAR NOT NULL,
  created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL);
INSERT INTO mdm.campaigns
SELECT b.campaign_id, printf('CMP-%04d', b.campaign_id),
       b.theme || ' ' || lower(replace(b.campaign_type, '_', '-')) || ' #' || b.campaign_id,
       b.campaign_type, b.owner_team, b.budget, b.start_date, b.end_date, v.status,
       at_sec(b.created_date, 32400 + pick(b.campaign_id, 'c_cts', 28800)),
       at_sec(v.event_date, 3600 + pick(b.campaign_id * 10 + v.version_no, 'c_uts', 7200))
FROM seed_campaign_base b
JOIN seed_campaign_versions v USING (campaign_id)
QUALIFY row_number() OVER (PARTITION BY b.campaign_id ORDER BY v.version_no DESC) = 1;

CREATE TABLE mdm.flowcharts (
  flowchart_id INTEGER NOT NULL, campaign_id INTEGER NOT NULL, flowchart_name VARCHAR NOT NULL,
  schedule_every_days INTEGER NOT NULL, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL);
INSERT INTO mdm.flowcharts
WITH f AS (
  SELECT b.campaign_id, b.created_date, k
  FROM seed_campaign_base b, range(0, 4) t(k)
  WHERE k < 1 + pick(b.campaign_id, 'f_count', 4)
)
SELECT CAST(row_number() OVER (ORDER BY campaign_id, k) AS INTEGER) AS flowchart_id, campaign_id,
       printf('CMP-%04d ', campaign_id) || ['Selection', 'Trigger', 'Reminder', 'Follow-up'][1 + k],
       [1, 2, 3, 7][1 + pick(campaign_id * 10 + k, 'f_every', 4)],
       at_sec(created_date, 39600 + k * 900), at_sec(created_date, 39600 + k * 900)
FROM f;

-- Cells are the flowchart's treatments: each sends one offer through one channel.
CREATE TABLE mdm.cells (
  cell_id INTEGER NOT NULL, flowchart_id INTEGER NOT NULL, cell_code VARCHAR NOT NULL,
  offer_id INTEGER NOT NULL, channel_id INTEGER NOT NULL, created_at TIMESTAMP NOT NULL);
INSERT INTO mdm.cells
WITH c AS (
  SELECT f.flowchart_id, f.campaign_id, f.created_at, k
  FROM mdm.flowcharts f, range(0, 4) t(k)
  WHERE k < 2 + pick(f.flowchart_id, 'cell_count', 3)
)
SELECT CAST(row_number() OVER (ORDER BY flowchart_id, k) AS INTEGER), flowchart_id,
       printf('FC%04d-C%d', flowchart_id, k + 1),
       -- Each campaign draws from a pool of three consecutive offers.
       1 + CAST((pick(campaign_id, 'cell_offer_pool', 80) + pick(flowchart_id * 10 + k, 'cell_offer', 3)) % 80 AS INTEGER),
       1 + CAST(pick(flowchart_id * 10 + k, 'cell_channel', 6) AS INTEGER),
       created_at
FROM c;

-- ---------------------------------------------------------------- customers
-- Ids follow creation order: 32,000 customers existed before go-live (joined over the previous four years),
-- 8,000 joined during the window, about 67 a day.
CREATE TEMP TABLE seed_customer_base AS
SELECT i AS customer_id,
       CAST(CASE WHEN i <= 32000 THEN seed_day0() - 1500 + CAST((i - 1) * 1500 // 32000 AS INTEGER)
                 ELSE seed_day0() + CAST((i - 32001) * 120 // 8000 AS INTEGER) END AS DATE) AS created_date
FROM range(1, 40001) t(i);

-- Customers whose attributes changed: 30 % once, and 30 % of those a second time. Every change moves the
-- segment, so each version has a different hashdiff (the vault loads one satellite row per landed row).
CREATE TEMP TABLE seed_customer_versions AS
WITH v1 AS (
  SELECT customer_id, CAST(greatest(created_date + 1, seed_day0() - 60) AS DATE) AS lo
  FROM seed_customer_base WHERE u01(customer_id, 'cu_upd1') < 0.30
), v1d AS (
  SELECT customer_id, CAST(lo + pick(customer_id, 'cu_upd1_day', (seed_today() - lo)) AS DATE) AS event_date
  FROM v1 WHERE lo <= seed_today() - 1
), v2d AS (
  SELECT customer_id, CAST(event_date + 1 + pick(customer_id, 'cu_upd2_day', 60) AS DATE) AS event_date
  FROM v1d WHERE u01(customer_id, 'cu_upd2') < 0.30
), versions AS (
  SELECT customer_id, 0 AS version_no, created_date AS event_date FROM seed_customer_base
  UNION ALL SELECT customer_id, 1, event_date FROM v1d
  UNION ALL SELECT customer_id, 2, event_date FROM v2d WHERE event_date <= seed_today() - 1
)
SELECT v.customer_id, v.version_no, v.event_date, b.created_date,
       ['James', 'Olivia', 'Noah', 'Amelia', 'Liam', 'Isla', 'Oliver', 'Ava', 'Arjun', 'Mia', 'Lucas', 'Sofia',
        'Mateo', 'Chloe', 'Leo', 'Grace', 'Ethan', 'Zara', 'Adam', 'Hannah', 'Omar', 'Emily', 'Jack', 'Nora'][1 + pick(v.customer_id, 'cu_first', 24)] AS first_name,
       ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Patel', 'Robinson', 'Wright', 'Thompson',
        'Evans', 'Walker', 'White', 'Roberts', 'Green', 'Hall', 'Khan', 'Clarke', 'Jackson', 'Wood', 'Lewis', 'Hughes'][1 + pick(v.customer_id, 'cu_last', 24)] AS last_name,
       CAST(DATE '1950-01-01' + CAST(pick(v.customer_id, 'cu_birth', 18250) AS INTEGER) AS DATE) AS birth_date,
       ['F', 'M', 'U'][1 + CAST(pick(v.customer_id, 'cu_gender', 100) // 48 AS INTEGER)] AS gender,
       ['Mass', 'Affluent', 'Premier', 'Youth', 'Small business'][1 + CAST((pick(v.customer_id, 'cu_seg', 5) + v.version_no) % 5 AS INTEGER)] AS segment,
       ['London', 'South East', 'South West', 'Midlands', 'North West', 'North East', 'Yorkshire', 'Scotland', 'Wales', 'Northern Ireland']
         [1 + CAST((pick(v.customer_id, 'cu_region', 10) + 3 * (v.version_no // 2)) % 10 AS INTEGER)] AS region,
       1 + pick(v.customer_id, 'cu_household', 25000) AS household_id,
       u01(v.customer_id * 10 + v.version_no, 'cu_opt_email') < 0.80 AS opt_in_email,
       u01(v.customer_id * 10 + v.version_no, 'cu_opt_sms') < 0.55 AS opt_in_sms
FROM versions v JOIN seed_customer_base b USING (customer_id);

CREATE TABLE mdm.customers (
  customer_id BIGINT NOT NULL, customer_code VARCHAR NOT NULL, first_name VARCHAR NOT NULL,
  last_name VARCHAR NOT NULL, email VARCHAR NOT NULL, birth_date DATE NOT NULL, gender VARCHAR NOT NULL,
  segment VARCHAR NOT NULL, region VARCHAR NOT NULL, household_id BIGINT NOT NULL,
  opt_in_email BOOLEAN NOT NULL, opt_in_sms BOOLEAN NOT NULL, created_at TIMESTAMP NOT NULL, updated_at TIMESTAMP NOT NULL);
-- The mart row as of each version; 020_ldz.sql lands the same projection.
CREATE TEMP TABLE seed_customer_rows AS
SELECT customer_id, printf('CU%08d', customer_id) AS customer_code, first_name, last_name,
       lower(first_name || '.' || last_name || '.' || customer_id) || '@example.com' AS email,
       birth_date, gender, segment, region, household_id, opt_in_email, opt_in_sms,
       at_sec(created_date, 28800 + pick(customer_id, 'cu_cts', 43200)) AS created_at,
       CASE WHEN version_no = 0 THEN at_sec(created_date, 28800 + pick(customer_id, 'cu_cts', 43200))
            ELSE at_sec(event_date, 28800 + pick(customer_id * 10 + version_no, 'cu_uts', 43200)) END AS updated_at,
       version_no, event_date
FROM seed_customer_versions;
INSERT INTO mdm.customers
SELECT * EXCLUDE (version_no, event_date) FROM seed_customer_rows
QUALIFY row_number() OVER (PARTITION BY customer_id ORDER BY version_no DESC) = 1;

-- ---------------------------------------------------------------- activity: flowchart runs, contacts, responses
-- Customers that existed before each activity date (a customer is never contacted on the day it is created,
-- so every contact lands together with or after its customer).
CREATE TEMP TABLE seed_customer_counts AS
SELECT d.activity_date, count(b.customer_id) AS customers_before
FROM seed_days d LEFT JOIN seed_customer_base b ON b.created_date < d.activity_date
GROUP BY d.activity_date;

-- A flowchart runs every `schedule_every_days` days while its campaign is running, from go-live on.
CREATE TABLE mdm.flowchart_runs (
  run_id BIGINT NOT NULL, flowchart_id INTEGER NOT NULL, campaign_id INTEGER NOT NULL, run_date DATE NOT NULL,
  run_start TIMESTAMP NOT NULL, run_end TIMESTAMP NOT NULL, run_status VARCHAR NOT NULL, contacts_generated INTEGER NOT NULL);
CREATE TEMP TABLE seed_runs AS
WITH r AS (
  SELECT f.flowchart_id, f.campaign_id, d.activity_date AS run_date, d.day_no,
         f.flowchart_id * 1000 + d.day_no AS k
  FROM mdm.flowcharts f
  JOIN seed_campaign_base b USING (campaign_id)
  JOIN seed_days d ON d.activity_date BETWEEN greatest(b.start_date, seed_day0()) AND least(b.end_date, seed_today() - 1)
  WHERE (d.activity_date - b.start_date) % f.schedule_every_days = 0
)
SELECT 100000 + row_number() OVER (ORDER BY run_date, flowchart_id) AS run_id, flowchart_id, campaign_id, run_date, k,
       at_sec(run_date, 21600 + pick(k, 'run_start', 36000)) AS run_start,
       -- Weekend selections are smaller.
       CAST((4 + pick(k, 'run_size', 28)) * CASE WHEN dayofweek(run_date) IN (0, 6) THEN 0.6 ELSE 1.0 END AS INTEGER) AS contacts_generated
FROM r;
INSERT INTO mdm.flowchart_runs
SELECT run_id, flowchart_id, campaign_id, run_date, run_start,
       run_start + to_seconds(120 + pick(k, 'run_secs', 2400)), 'COMPLETED', contacts_generated
FROM seed_runs;

CREATE TABLE mdm.contact_history (
  contact_id BIGINT NOT NULL, run_id BIGINT NOT NULL, customer_id BIGINT NOT NULL, campaign_id INTEGER NOT NULL,
  flowchart_id INTEGER NOT NULL, cell_id INTEGER NOT NULL, offer_id INTEGER NOT NULL, channel_id INTEGER NOT NULL,
  product_id INTEGER NOT NULL, contact_date DATE NOT NULL, contact_ts TIMESTAMP NOT NULL, contact_status VARCHAR NOT NULL);
INSERT INTO mdm.contact_history
WITH picks AS (
  SELECT r.run_id, r.flowchart_id, r.campaign_id, r.run_date, r.run_start, unnest(range(r.contacts_generated)) AS n
  FROM seed_runs r
), cells AS (
  SELECT flowchart_id, cell_id, offer_id, channel_id,
         row_number() OVER (PARTITION BY flowchart_id ORDER BY cell_id) - 1 AS cell_no,
         count(*) OVER (PARTITION BY flowchart_id) AS cells
  FROM mdm.cells
), numbered AS (
  SELECT p.*, p.run_id * 1000 + p.n AS k, c.cell_no, c.cells, c.cell_id, c.offer_id, c.channel_id
  FROM picks p JOIN cells c USING (flowchart_id)
)
SELECT row_number() OVER (ORDER BY n.run_id, n.n) AS contact_id, n.run_id,
       1 + pick(n.k, 'ct_customer', cc.customers_before) AS customer_id,
       n.campaign_id, n.flowchart_id, n.cell_id, n.offer_id, n.channel_id, o.product_id, n.run_date,
       n.run_start + to_seconds(2700 + pick(n.k, 'ct_secs', 14400)),
       CASE WHEN u01(n.k, 'ct_status') < 0.03 THEN 'FAILED' ELSE 'DELIVERED' END
FROM numbered n
JOIN seed_customer_counts cc ON cc.activity_date = n.run_date
JOIN mdm.offers o USING (offer_id)
WHERE n.cell_no = pick(n.k, 'ct_cell', n.cells);

-- Delivered contacts respond at the channel's rate, within a week; the mart only knows responses
-- that happened before today's extract.
CREATE TABLE mdm.response_history (
  response_id BIGINT NOT NULL, contact_id BIGINT NOT NULL, customer_id BIGINT NOT NULL, campaign_id INTEGER NOT NULL,
  flowchart_id INTEGER NOT NULL, cell_id INTEGER NOT NULL, offer_id INTEGER NOT NULL, channel_id INTEGER NOT NULL,
  product_id INTEGER NOT NULL, response_type VARCHAR NOT NULL, response_date DATE NOT NULL, response_ts TIMESTAMP NOT NULL,
  revenue DECIMAL(12, 2) NOT NULL);
INSERT INTO mdm.response_history
WITH r AS (
  SELECT h.*,
         h.contact_ts + to_seconds([0, 0, 0, 1, 1, 2, 3, 5][1 + pick(h.contact_id, 'rs_lag', 8)] * 86400
                                   + 600 + pick(h.contact_id, 'rs_secs', 18000)) AS response_ts,
         u01(h.contact_id, 'rs_type') AS type_draw
  FROM mdm.contact_history h JOIN seed_channel_rates cr USING (channel_id)
  WHERE h.contact_status = 'DELIVERED' AND u01(h.contact_id, 'rs_responds') < cr.response_rate
)
SELECT row_number() OVER (ORDER BY response_ts, contact_id), contact_id, customer_id, campaign_id, flowchart_id, cell_id,
       offer_id, channel_id, product_id,
       CASE WHEN type_draw < 0.25 THEN 'CONVERSION' WHEN type_draw < 0.70 THEN 'CLICK' ELSE 'OPEN' END,
       CAST(response_ts AS DATE), response_ts,
       CASE WHEN type_draw < 0.25 THEN CAST(20 + pick(contact_id, 'rs_rev', 48000) / 100.0 AS DECIMAL(12, 2)) ELSE 0 END
FROM r
WHERE CAST(response_ts AS DATE) <= seed_today() - 1;
