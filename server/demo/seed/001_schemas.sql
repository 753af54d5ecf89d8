-- Schemas of the demo warehouse, one per Canonical/UDS layer (see README.md beside this file).
-- Later seed files add the retail, investor and ecommerce layers in their own number ranges.
CREATE SCHEMA mdm;            -- Marketing Data Mart: the source system of record
CREATE SCHEMA ldz;            -- Landing Zone: landed copies of the nightly MDM extracts
CREATE SCHEMA rdv;            -- Raw Data Vault: hubs, links, satellites
CREATE SCHEMA cdm_interface;  -- Canonical/UDS interface layer
CREATE SCHEMA customer_360;
CREATE SCHEMA campaign_360;
CREATE SCHEMA flowchart_360;
CREATE SCHEMA cdm_publish_db; -- what downstream consumers read
CREATE SCHEMA cdm_ingest_db;  -- ML model scores written back
CREATE SCHEMA agg;            -- daily aggregates with rolling windows
CREATE SCHEMA audience;       -- audience resolution
CREATE SCHEMA etl_control;    -- business-date control per pipeline
CREATE SCHEMA ops;            -- job history (what the scheduler recorded)
