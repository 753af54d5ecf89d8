-- The extracts the ecommerce dashboards' published data sources hold (Sales KPI, Product KPI, Customer KPI), as the
-- demo Tableau keeps them: last night's refresh copied the metric tables after dbt, so they hold yesterday. Only the
-- demo Tableau rebuilds them afterwards (a refresh from a runbook, Airflow's ecomm_tableau_refresh or Tableau's own
-- schedule in a training fault); its VizQL Data Service answers from them.
CREATE SCHEMA ecomm_tableau;
CREATE TABLE ecomm_tableau.sales_kpi_extract AS SELECT * FROM ecomm_metrics.agg_sales_kpi;
CREATE TABLE ecomm_tableau.product_kpi_extract AS SELECT * FROM ecomm_metrics.agg_product_kpi;
CREATE TABLE ecomm_tableau.customer_kpi_extract AS SELECT * FROM ecomm_metrics.agg_customer_kpi;
