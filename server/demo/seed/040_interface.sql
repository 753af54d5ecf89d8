-- Canonical/UDS interface layer (cdm_interface): business-keyed, current-state tables built from the vault
-- (hub + latest satellite), and the contact/response/execution events with their business keys.
-- business_date is the business date whose load last wrote the row; load_ts when the interface build wrote it.

CREATE TEMP TABLE seed_interface_batch AS
SELECT t.business_date, r.load_dts, t.ended_at - to_seconds(10) AS load_ts
FROM seed_task_ok t JOIN seed_rdv_batch r USING (business_date)
WHERE t.dag_id = 'cdm_rdv_to_interface' AND t.task = 'build_interface';

CREATE TABLE cdm_interface.customer AS
SELECT h.customer_id, s.customer_code, s.first_name, s.last_name, s.email, s.birth_date, s.gender, s.segment, s.region,
       s.household_id, s.opt_in_email, s.opt_in_sms, CAST(s.source_created_at AS DATE) AS customer_since,
       s.source_updated_at, b.business_date, b.load_ts
FROM rdv.hub_customer h
JOIN rdv.sat_customer_details s USING (customer_hk)
JOIN seed_interface_batch b ON b.load_dts = s.load_dts
QUALIFY row_number() OVER (PARTITION BY h.customer_hk ORDER BY s.load_dts DESC) = 1;

CREATE TABLE cdm_interface.campaign AS
SELECT h.campaign_id, s.campaign_code, s.campaign_name, s.campaign_type, s.owner_team, s.budget, s.start_date, s.end_date,
       s.status, s.source_updated_at, b.business_date, b.load_ts
FROM rdv.hub_campaign h
JOIN rdv.sat_campaign_details s USING (campaign_hk)
JOIN seed_interface_batch b ON b.load_dts = s.load_dts
QUALIFY row_number() OVER (PARTITION BY h.campaign_hk ORDER BY s.load_dts DESC) = 1;

CREATE TABLE cdm_interface.offer AS
SELECT h.offer_id, s.offer_code, s.offer_name, s.offer_type, s.product_id, s.offer_value, s.valid_from, s.valid_to,
       s.source_updated_at, b.business_date, b.load_ts
FROM rdv.hub_offer h
JOIN rdv.sat_offer_details s USING (offer_hk)
JOIN seed_interface_batch b ON b.load_dts = s.load_dts
QUALIFY row_number() OVER (PARTITION BY h.offer_hk ORDER BY s.load_dts DESC) = 1;

CREATE TABLE cdm_interface.channel AS
SELECT h.channel_id, s.channel_code, s.channel_name, s.is_digital, s.source_updated_at, b.business_date, b.load_ts
FROM rdv.hub_channel h
JOIN rdv.sat_channel_details s USING (channel_hk)
JOIN seed_interface_batch b ON b.load_dts = s.load_dts
QUALIFY row_number() OVER (PARTITION BY h.channel_hk ORDER BY s.load_dts DESC) = 1;

CREATE TABLE cdm_interface.product AS
SELECT h.product_id, s.product_code, s.product_name, s.product_category, s.annual_fee, s.is_active, s.source_updated_at,
       b.business_date, b.load_ts
FROM rdv.hub_product h
JOIN rdv.sat_product_details s USING (product_hk)
JOIN seed_interface_batch b ON b.load_dts = s.load_dts
QUALIFY row_number() OVER (PARTITION BY h.product_hk ORDER BY s.load_dts DESC) = 1;

CREATE TABLE cdm_interface.flowchart AS
SELECT h.flowchart_id, hc.campaign_id, s.flowchart_name, s.schedule_every_days, s.source_updated_at, b.business_date, b.load_ts
FROM rdv.hub_flowchart h
JOIN rdv.sat_flowchart_details s USING (flowchart_hk)
JOIN rdv.link_campaign_flowchart l USING (flowchart_hk)
JOIN rdv.hub_campaign hc ON hc.campaign_hk = l.campaign_hk
JOIN seed_interface_batch b ON b.load_dts = s.load_dts
QUALIFY row_number() OVER (PARTITION BY h.flowchart_hk ORDER BY s.load_dts DESC) = 1;

CREATE TABLE cdm_interface.campaign_offer_channel_product AS
SELECT hc.campaign_id, ho.offer_id, hn.channel_id, hp.product_id, l.campaign_offer_channel_product_hk,
       b.business_date, b.load_ts
FROM rdv.link_campaign_offer_channel_product l
JOIN rdv.hub_campaign hc USING (campaign_hk)
JOIN rdv.hub_offer ho USING (offer_hk)
JOIN rdv.hub_channel hn USING (channel_hk)
JOIN rdv.hub_product hp USING (product_hk)
JOIN seed_interface_batch b ON b.load_dts = l.load_dts;

CREATE TABLE cdm_interface.flowchart_execution AS
SELECT s.run_id, h.flowchart_id, f.campaign_id, s.run_date, s.run_start, s.run_end, s.run_status, s.contacts_generated,
       b.business_date, b.load_ts
FROM rdv.sat_flowchart_execution s
JOIN rdv.hub_flowchart h USING (flowchart_hk)
JOIN cdm_interface.flowchart f USING (flowchart_id)
JOIN seed_interface_batch b ON b.load_dts = s.load_dts;

CREATE TABLE cdm_interface.contact_history AS
SELECT l.contact_id, l.run_id, hc.customer_id, hm.campaign_id, hf.flowchart_id, l.cell_id, ho.offer_id, hn.channel_id,
       hp.product_id, l.contact_date, l.contact_ts, l.contact_status, b.business_date, b.load_ts
FROM rdv.link_contact l
JOIN rdv.hub_customer hc USING (customer_hk)
JOIN rdv.hub_campaign hm USING (campaign_hk)
JOIN rdv.hub_flowchart hf USING (flowchart_hk)
JOIN rdv.hub_offer ho USING (offer_hk)
JOIN rdv.hub_channel hn USING (channel_hk)
JOIN rdv.hub_product hp USING (product_hk)
JOIN seed_interface_batch b ON b.load_dts = l.load_dts;

CREATE TABLE cdm_interface.response_history AS
SELECT l.response_id, c.contact_id, hc.customer_id, hm.campaign_id, hf.flowchart_id, ho.offer_id, hn.channel_id,
       hp.product_id, l.response_type, l.response_date, l.response_ts, l.revenue, b.business_date, b.load_ts
FROM rdv.link_response l
JOIN rdv.link_contact c USING (contact_hk)
JOIN rdv.hub_customer hc ON hc.customer_hk = l.customer_hk
JOIN rdv.hub_campaign hm ON hm.campaign_hk = l.campaign_hk
JOIN rdv.hub_flowchart hf ON hf.flowchart_hk = l.flowchart_hk
JOIN rdv.hub_offer ho ON ho.offer_hk = l.offer_hk
JOIN rdv.hub_channel hn ON hn.channel_hk = l.channel_hk
JOIN rdv.hub_product hp ON hp.product_hk = l.product_hk
JOIN seed_interface_batch b ON b.load_dts = l.load_dts;

-- The mapping metadata the interface build reads: which vault column feeds which interface column.
-- A wrong or inactive row here is the "mapping metadata issue" of the failure-handling runbook.
CREATE TABLE cdm_interface.mapping_metadata AS
SELECT m.*, at_sec(seed_day0() - 14, 50400) AS updated_at, 'metadata-architect' AS updated_by
FROM (VALUES
  ('customer', 'customer_id', 'rdv', 'hub_customer', 'customer_id', 'direct', true),
  ('customer', 'segment', 'rdv', 'sat_customer_details', 'segment', 'latest satellite row', true),
  ('customer', 'region', 'rdv', 'sat_customer_details', 'region', 'latest satellite row', true),
  ('customer', 'opt_in_email', 'rdv', 'sat_customer_details', 'opt_in_email', 'latest satellite row', true),
  ('customer', 'customer_since', 'rdv', 'sat_customer_details', 'source_created_at', 'cast to date', true),
  ('campaign', 'campaign_id', 'rdv', 'hub_campaign', 'campaign_id', 'direct', true),
  ('campaign', 'status', 'rdv', 'sat_campaign_details', 'status', 'latest satellite row', true),
  ('offer', 'offer_id', 'rdv', 'hub_offer', 'offer_id', 'direct', true),
  ('channel', 'channel_id', 'rdv', 'hub_channel', 'channel_id', 'direct', true),
  ('product', 'product_id', 'rdv', 'hub_product', 'product_id', 'direct', true),
  ('flowchart', 'campaign_id', 'rdv', 'link_campaign_flowchart', 'campaign_hk', 'hub lookup', true),
  ('campaign_offer_channel_product', 'campaign_offer_channel_product_hk', 'rdv', 'link_campaign_offer_channel_product', 'campaign_offer_channel_product_hk', 'direct', true),
  ('flowchart_execution', 'run_id', 'rdv', 'sat_flowchart_execution', 'run_id', 'direct', true),
  ('contact_history', 'contact_id', 'rdv', 'link_contact', 'contact_id', 'direct', true),
  ('contact_history', 'customer_id', 'rdv', 'link_contact', 'customer_hk', 'hub lookup', true),
  ('response_history', 'response_id', 'rdv', 'link_response', 'response_id', 'direct', true),
  ('response_history', 'contact_id', 'rdv', 'link_response', 'contact_hk', 'link lookup', true)
) m(target_table, target_column, source_layer, source_object, source_column, transform_rule, is_active);
