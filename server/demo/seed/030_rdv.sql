-- Raw Data Vault (rdv), loaded from the landing zone. Data Vault 2.0 conventions:
--   hubs       one row per business key: <entity>_hk (MD5 of the key), the key, load_dts, record_source
--   links      one row per relationship: <link>_hk plus the hubs' hash keys
--   satellites one row per change: parent hash key, load_dts, hashdiff (MD5 of the descriptive columns)
-- Contacts and responses are events, kept as non-historised links carrying their own attributes.
-- Every landed row becomes exactly one vault row (deltas only carry changes), which is what the
-- LDZ-vs-RDV row-count comparison of the validation runbook relies on.

-- The vault batch of each business date is stamped with the start of its load_hubs task.
CREATE TEMP TABLE seed_rdv_batch AS
SELECT business_date, started_at AS load_dts FROM seed_task_ok WHERE dag_id = 'cdm_ldz_to_rdv' AND task = 'load_hubs';

-- ---------------------------------------------------------------- hubs
CREATE TABLE rdv.hub_customer AS
SELECT dv_hk(c.customer_id) AS customer_hk, c.customer_id, b.load_dts, c.record_source
FROM (SELECT customer_id, min(business_date) AS bd, any_value(record_source) AS record_source FROM ldz.customers GROUP BY ALL) c
JOIN seed_rdv_batch b ON b.business_date = c.bd;

CREATE TABLE rdv.hub_campaign AS
SELECT dv_hk(c.campaign_id) AS campaign_hk, c.campaign_id, b.load_dts, c.record_source
FROM (SELECT campaign_id, min(business_date) AS bd, any_value(record_source) AS record_source FROM ldz.campaigns GROUP BY ALL) c
JOIN seed_rdv_batch b ON b.business_date = c.bd;

CREATE TABLE rdv.hub_offer AS
SELECT dv_hk(o.offer_id) AS offer_hk, o.offer_id, b.load_dts, o.record_source
FROM (SELECT offer_id, min(business_date) AS bd, any_value(record_source) AS record_source FROM ldz.offers GROUP BY ALL) o
JOIN seed_rdv_batch b ON b.business_date = o.bd;

CREATE TABLE rdv.hub_channel AS
SELECT dv_hk(c.channel_id) AS channel_hk, c.channel_id, b.load_dts, c.record_source
FROM (SELECT channel_id, min(business_date) AS bd, any_value(record_source) AS record_source FROM ldz.channels GROUP BY ALL) c
JOIN seed_rdv_batch b ON b.business_date = c.bd;

CREATE TABLE rdv.hub_product AS
SELECT dv_hk(p.product_id) AS product_hk, p.product_id, b.load_dts, p.record_source
FROM (SELECT product_id, min(business_date) AS bd, any_value(record_source) AS record_source FROM ldz.products GROUP BY ALL) p
JOIN seed_rdv_batch b ON b.business_date = p.bd;

CREATE TABLE rdv.hub_flowchart AS
SELECT dv_hk(f.flowchart_id) AS flowchart_hk, f.flowchart_id, b.load_dts, f.record_source
FROM (SELECT flowchart_id, min(business_date) AS bd, any_value(record_source) AS record_source FROM ldz.flowcharts GROUP BY ALL) f
JOIN seed_rdv_batch b ON b.business_date = f.bd;

-- ---------------------------------------------------------------- satellites
CREATE TABLE rdv.sat_customer_details AS
SELECT dv_hk(c.customer_id) AS customer_hk, b.load_dts,
       md5(concat_ws('||', c.customer_code, c.first_name, c.last_name, c.email, c.birth_date, c.gender, c.segment, c.region,
                     c.household_id, c.opt_in_email, c.opt_in_sms)) AS hashdiff,
       c.record_source, c.customer_code, c.first_name, c.last_name, c.email, c.birth_date, c.gender, c.segment, c.region,
       c.household_id, c.opt_in_email, c.opt_in_sms, c.created_at AS source_created_at, c.updated_at AS source_updated_at
FROM ldz.customers c JOIN seed_rdv_batch b USING (business_date);

CREATE TABLE rdv.sat_campaign_details AS
SELECT dv_hk(c.campaign_id) AS campaign_hk, b.load_dts,
       md5(concat_ws('||', c.campaign_code, c.campaign_name, c.campaign_type, c.owner_team, c.budget, c.start_date, c.end_date, c.status)) AS hashdiff,
       c.record_source, c.campaign_code, c.campaign_name, c.campaign_type, c.owner_team, c.budget, c.start_date, c.end_date,
       c.status, c.updated_at AS source_updated_at
FROM ldz.campaigns c JOIN seed_rdv_batch b USING (business_date);

CREATE TABLE rdv.sat_offer_details AS
SELECT dv_hk(o.offer_id) AS offer_hk, b.load_dts,
       md5(concat_ws('||', o.offer_code, o.offer_name, o.offer_type, o.product_id, o.offer_value, o.valid_from, o.valid_to)) AS hashdiff,
       o.record_source, o.offer_code, o.offer_name, o.offer_type, o.product_id, o.offer_value, o.valid_from, o.valid_to,
       o.updated_at AS source_updated_at
FROM ldz.offers o JOIN seed_rdv_batch b USING (business_date);

CREATE TABLE rdv.sat_channel_details AS
SELECT dv_hk(c.channel_id) AS channel_hk, b.load_dts,
       md5(concat_ws('||', c.channel_code, c.channel_name, c.is_digital)) AS hashdiff,
       c.record_source, c.channel_code, c.channel_name, c.is_digital, c.updated_at AS source_updated_at
FROM ldz.channels c JOIN seed_rdv_batch b USING (business_date);

CREATE TABLE rdv.sat_product_details AS
SELECT dv_hk(p.product_id) AS product_hk, b.load_dts,
       md5(concat_ws('||', p.product_code, p.product_name, p.product_category, p.annual_fee, p.is_active)) AS hashdiff,
       p.record_source, p.product_code, p.product_name, p.product_category, p.annual_fee, p.is_active,
       p.updated_at AS source_updated_at
FROM ldz.products p JOIN seed_rdv_batch b USING (business_date);

CREATE TABLE rdv.sat_flowchart_details AS
SELECT dv_hk(f.flowchart_id) AS flowchart_hk, b.load_dts,
       md5(concat_ws('||', f.flowchart_name, f.campaign_id, f.schedule_every_days)) AS hashdiff,
       f.record_source, f.flowchart_name, f.schedule_every_days, f.updated_at AS source_updated_at
FROM ldz.flowcharts f JOIN seed_rdv_batch b USING (business_date);

-- One execution per flowchart and day at most, so (flowchart_hk, load_dts) stays unique.
CREATE TABLE rdv.sat_flowchart_execution AS
SELECT dv_hk(r.flowchart_id) AS flowchart_hk, b.load_dts,
       md5(concat_ws('||', r.run_id, r.run_date, r.run_start, r.run_end, r.run_status, r.contacts_generated)) AS hashdiff,
       r.record_source, r.run_id, r.run_date, r.run_start, r.run_end, r.run_status, r.contacts_generated
FROM ldz.flowchart_runs r JOIN seed_rdv_batch b USING (business_date);

-- ---------------------------------------------------------------- links
CREATE TABLE rdv.link_campaign_flowchart AS
SELECT dv_hk(concat_ws('||', f.campaign_id, f.flowchart_id)) AS campaign_flowchart_hk,
       dv_hk(f.campaign_id) AS campaign_hk, dv_hk(f.flowchart_id) AS flowchart_hk, b.load_dts, f.record_source
FROM (SELECT campaign_id, flowchart_id, min(business_date) AS bd, any_value(record_source) AS record_source FROM ldz.flowcharts GROUP BY ALL) f
JOIN seed_rdv_batch b ON b.business_date = f.bd;

-- Campaign–Offer–Channel–Product: what each campaign's cells send, the grain audience resolution bridges to.
CREATE TABLE rdv.link_campaign_offer_channel_product AS
WITH combos AS (
  SELECT f.campaign_id, c.offer_id, c.channel_id, o.product_id, min(c.business_date) AS bd
  FROM ldz.cells c
  JOIN (SELECT DISTINCT flowchart_id, campaign_id FROM ldz.flowcharts) f USING (flowchart_id)
  JOIN (SELECT DISTINCT offer_id, product_id FROM ldz.offers) o USING (offer_id)
  GROUP BY ALL
)
SELECT dv_hk(concat_ws('||', campaign_id, offer_id, channel_id, product_id)) AS campaign_offer_channel_product_hk,
       dv_hk(campaign_id) AS campaign_hk, dv_hk(offer_id) AS offer_hk, dv_hk(channel_id) AS channel_hk,
       dv_hk(product_id) AS product_hk, b.load_dts, 'MDM.CELLS' AS record_source
FROM combos JOIN seed_rdv_batch b ON b.business_date = combos.bd;

-- The event links look their hash keys up in the hubs (by business key) rather than hashing again:
-- same result, a fraction of the MD5 work on the two largest tables.
CREATE TABLE rdv.link_customer_campaign AS
SELECT dv_hk(concat_ws('||', h.customer_id, h.campaign_id)) AS customer_campaign_hk,
       hc.customer_hk, hm.campaign_hk, b.load_dts, h.record_source
FROM (SELECT customer_id, campaign_id, min(business_date) AS bd, any_value(record_source) AS record_source
      FROM ldz.contact_history GROUP BY ALL) h
JOIN rdv.hub_customer hc USING (customer_id)
JOIN rdv.hub_campaign hm USING (campaign_id)
JOIN seed_rdv_batch b ON b.business_date = h.bd;

CREATE TABLE rdv.link_contact AS
SELECT dv_hk(h.contact_id) AS contact_hk, hc.customer_hk, hm.campaign_hk, hf.flowchart_hk, ho.offer_hk, hn.channel_hk,
       hp.product_hk, h.contact_id, h.run_id, h.cell_id, h.contact_date, h.contact_ts, h.contact_status,
       b.load_dts, h.record_source
FROM ldz.contact_history h
JOIN rdv.hub_customer hc USING (customer_id)
JOIN rdv.hub_campaign hm USING (campaign_id)
JOIN rdv.hub_flowchart hf USING (flowchart_id)
JOIN rdv.hub_offer ho USING (offer_id)
JOIN rdv.hub_channel hn USING (channel_id)
JOIN rdv.hub_product hp USING (product_id)
JOIN seed_rdv_batch b USING (business_date);

CREATE TABLE rdv.link_response AS
SELECT dv_hk(r.response_id) AS response_hk, dv_hk(r.contact_id) AS contact_hk, hc.customer_hk, hm.campaign_hk,
       hf.flowchart_hk, ho.offer_hk, hn.channel_hk, hp.product_hk, r.response_id, r.response_type,
       r.response_date, r.response_ts, r.revenue, b.load_dts, r.record_source
FROM ldz.response_history r
JOIN rdv.hub_customer hc USING (customer_id)
JOIN rdv.hub_campaign hm USING (campaign_id)
JOIN rdv.hub_flowchart hf USING (flowchart_id)
JOIN rdv.hub_offer ho USING (offer_id)
JOIN rdv.hub_channel hn USING (channel_id)
JOIN rdv.hub_product hp USING (product_id)
JOIN seed_rdv_batch b USING (business_date);
