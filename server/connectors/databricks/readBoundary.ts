/**
 * What --check-config says about every Databricks read profile. Kept apart from the connector so the
 * config check does not load it: Databricks has no read-only transaction, so the read token is the boundary.
 */
export const DATABRICKS_READ_NOTE =
  "NOTE: Databricks has no read-only transaction; read snippets are kept from writing only by the read token's principal, which must hold nothing but SELECT (with USE CATALOG/USE SCHEMA and CAN USE on the warehouse).";
