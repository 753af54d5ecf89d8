-- Engagement – Aggregate: sessions (fact_sessions, 62 report dates), raw events mapped to event types
-- (fact_events, the last 7), and DAU / WAU / month-to-date MAU / D7 retention per day (agg_engagement),
-- plus closed-month MAU. Ingestion side: the Kafka consumer's lag, hourly event arrivals, and the mapping
-- from raw event names to event types (the SDK renamed "login" to "user_login" at 5.0).
-- Window names are unique within this file (DuckDB's multi-statement parser).

-- Users who could be active on a day: signed up before it and not churned by it. Engaged (older) users
-- come back more often, so picks are skewed towards low ids; a user picked twice has two sessions.
CREATE TEMP TABLE seed_inv_user_days AS
WITH pop AS (
  SELECT report_date, rn, 8000 + coalesce(sum(n_new) OVER (ORDER BY report_date ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS users_before
  FROM seed_inv_signups
), slots AS (
  SELECT p.report_date, p.rn, s, p.rn * 10000 + s AS k, p.users_before
  FROM pop p, range(0, 620) t(s)
  WHERE p.report_date >= inv_sessions_from()
    AND s < CAST(560 * CASE WHEN dayofweek(p.report_date) IN (0, 6) THEN 0.9 ELSE 1.0 END * (0.95 + 0.1 * u01(p.rn, 'ie_n')) AS INTEGER)
), picks AS (
  SELECT report_date, rn, CAST(1 + floor(users_before * pow(u01(k, 'ie_user'), 3)) AS BIGINT) AS user_id FROM slots
)
SELECT p.report_date AS session_date, p.rn, p.user_id, CAST(least(count(*), 3) AS INTEGER) AS sessions
FROM picks p
LEFT JOIN investor_src.churn_log c ON c.user_id = p.user_id AND c.churn_date <= p.report_date
WHERE c.user_id IS NULL
GROUP BY ALL;

CREATE TEMP TABLE seed_inv_eng_run AS
SELECT report_date, run_id, max(CASE WHEN task = 'build_fact_sessions' THEN ended_at END) AS sessions_at,
       max(CASE WHEN task = 'build_fact_events' THEN ended_at END) AS events_at,
       max(CASE WHEN task = 'aggregate_engagement' THEN ended_at END) - to_seconds(10) AS agg_at
FROM seed_inv_task_runs WHERE dag_id = 'investor_engagement_aggregate' AND state = 'success'
GROUP BY ALL;

-- A user's sessions of one day fall in separate slices of the day (a session lasts at most 40 minutes), so
-- their events never collide; arrivals spread over all 24 hours.
CREATE TABLE investor.fact_sessions AS
WITH s AS (
  SELECT d.session_date, d.rn, d.user_id, j, d.user_id * 100000 + d.rn * 10 + j AS k,
         at_sec(d.session_date, j * (86400 // d.sessions) + pick(d.user_id * 1000 + d.rn * 10 + j, 'ies_start', 86400 // d.sessions - 2700)) AS session_start
  FROM seed_inv_user_days d, range(0, 3) t(j) WHERE j < d.sessions
)
SELECT CAST(row_number() OVER (ORDER BY s.session_start, s.user_id) AS BIGINT) + 40000000 AS session_id, s.user_id, s.session_date,
       s.session_start, s.session_start + to_seconds(120 + pick(s.k, 'ies_len', 2280)) AS session_end,
       u.platform, 'dev-' || left(md5(s.user_id || '|' || u.platform), 12) AS device_id,
       CASE WHEN u01(s.user_id, 'ies_sdk') < 0.6 THEN '5.2.1' ELSE '4.9.3' END AS sdk_version,
       2 + pick(s.k, 'ies_events', 5) AS event_count, r.sessions_at AS _loaded_at
FROM s JOIN investor_src.users u USING (user_id)
JOIN seed_inv_eng_run r ON r.report_date = s.session_date;

-- Raw events of the last 7 days, one of each type per session, 40 s apart. SDK 4.x still sends "login".
CREATE TABLE investor.fact_events AS
WITH e AS (
  SELECT s.*, j FROM investor.fact_sessions s, range(0, 6) t(j)
  WHERE s.session_date >= inv_events_from() AND j < s.event_count
)
SELECT CAST(row_number() OVER (ORDER BY e.session_id, e.j) AS BIGINT) + 900000000 AS event_id, e.session_id, e.user_id,
       e.session_start + to_seconds(e.j * 40) AS event_time, e.session_date AS event_date,
       ['app_open', 'user_login', 'page_view', 'search', 'add_to_cart', 'checkout'][1 + e.j] AS event_type,
       CASE WHEN e.j = 1 AND e.sdk_version < '5' THEN 'login' ELSE ['app_open', 'user_login', 'page_view', 'search', 'add_to_cart', 'checkout'][1 + e.j] END AS raw_event_name,
       e.sdk_version, e.platform, e.device_id, r.events_at AS _loaded_at
FROM e JOIN seed_inv_eng_run r ON r.report_date = e.session_date;

-- DAU, rolling 7-day WAU, month-to-date MAU and D7 retention, for every date whose month and week lie in
-- the kept history.
CREATE TABLE investor.agg_engagement AS
WITH ud AS (
  SELECT session_date, user_id FROM seed_inv_user_days
), daily AS (
  SELECT session_date, count(*) AS dau FROM ud GROUP BY ALL
), wau AS (
  SELECT DISTINCT session_date,
         count(DISTINCT user_id) OVER (ORDER BY session_date RANGE BETWEEN INTERVAL 6 DAY PRECEDING AND CURRENT ROW) AS wau
  FROM ud
), firsts AS (
  SELECT date_trunc('month', session_date) AS month_start, user_id, min(session_date) AS first_day FROM ud GROUP BY ALL
), mtd AS (
  SELECT d.session_date, count(f.user_id) AS mau_mtd
  FROM daily d JOIN firsts f ON f.month_start = date_trunc('month', d.session_date) AND f.first_day <= d.session_date
  GROUP BY ALL
), retention AS (
  SELECT a.session_date, count(b.user_id) * 100.0 / count(*) AS d7_retention_pct
  FROM ud a LEFT JOIN ud b ON b.user_id = a.user_id AND b.session_date = a.session_date + 7
  GROUP BY ALL
), sess AS (
  SELECT session_date, count(*) AS sessions, avg(epoch(session_end) - epoch(session_start)) / 60.0 AS avg_minutes
  FROM investor.fact_sessions GROUP BY ALL
), ev AS (
  SELECT event_date, count(*) AS events FROM investor.fact_events GROUP BY ALL
)
SELECT d.session_date, CAST(d.dau AS INTEGER) AS dau, CAST(w.wau AS INTEGER) AS wau, CAST(m.mau_mtd AS INTEGER) AS mau_mtd,
       CAST(s.sessions AS INTEGER) AS sessions, CAST(round(s.avg_minutes, 2) AS DECIMAL(8, 2)) AS avg_session_minutes,
       CAST(e.events AS INTEGER) AS events,
       -- Retention of the cohort active seven days earlier: the share of them active again on this date.
       CAST(round(r.d7_retention_pct, 2) AS DECIMAL(6, 2)) AS d7_retention_pct,
       x.agg_at AS refreshed_at, x.run_id
FROM daily d
JOIN wau w USING (session_date)
JOIN mtd m USING (session_date)
JOIN sess s USING (session_date)
LEFT JOIN ev e ON e.event_date = d.session_date
LEFT JOIN retention r ON r.session_date = d.session_date - 7
JOIN seed_inv_eng_run x ON x.report_date = d.session_date
WHERE date_trunc('month', d.session_date) >= inv_sessions_from() AND d.session_date >= inv_sessions_from() + 7;

CREATE TABLE investor.agg_engagement_monthly AS
SELECT c.period_start AS month_start, c.period_end AS month_end, CAST(count(DISTINCT u.user_id) AS INTEGER) AS mau,
       CAST(sum(u.sessions) AS INTEGER) AS sessions,
       at_sec(c.run_date, 36000 + 1990) AS refreshed_at, c.run_id
FROM seed_inv_closes c JOIN seed_inv_user_days u ON u.session_date BETWEEN c.period_start AND c.period_end
WHERE c.grain = 'monthly' AND c.period_start >= inv_sessions_from()
GROUP BY ALL;

-- ---------------------------------------------------------------- ingestion side
-- Hourly lag of the loader's consumer group per partition over the last three days (healthy: a few hundred).
CREATE TABLE investor_ops.kafka_consumer_lag AS
WITH h AS (
  SELECT at_sec(seed_today(), 10 * 3600) - to_seconds(i * 3600) AS measured_at, CAST(i AS INTEGER) AS i FROM range(0, 72) t(i)
)
SELECT 'engagement-loader' AS consumer_group, 'app-events' AS topic, CAST(p AS INTEGER) AS partition, h.measured_at,
       CAST(8000000 + (72 - h.i) * 11500 + p * 1000 AS BIGINT) AS end_offset,
       CAST(8000000 + (72 - h.i) * 11500 + p * 1000 - (60 + pick(h.i * 10 + p, 'ik_lag', 900)) AS BIGINT) AS committed_offset,
       CAST(60 + pick(h.i * 10 + p, 'ik_lag', 900) AS BIGINT) AS lag
FROM h, range(0, 6) t(p);

-- Events received from Kafka and loaded to the warehouse, per hour, for the raw-event window.
CREATE TABLE investor_ops.event_ingestion AS
SELECT date_trunc('hour', event_time) AS hour_start, event_date, 'app-events' AS topic,
       CAST(count(*) AS BIGINT) AS events_received, CAST(count(*) AS BIGINT) AS events_loaded,
       max(_loaded_at) AS loaded_at
FROM investor.fact_events GROUP BY ALL;

-- Raw event name -> event type, by SDK. "login" (SDK < 5.0) and "user_login" (5.0 on) both map to user_login.
CREATE TABLE investor_ops.event_schema_map AS
SELECT * FROM (VALUES
  ('app_open',    'app_open',    '1.0', seed_today() - 900, NULL::DATE, 1),
  ('login',       'user_login',  '1.0', seed_today() - 900, NULL::DATE, 1),
  ('user_login',  'user_login',  '5.0', seed_today() - 75,  NULL::DATE, 2),
  ('page_view',   'page_view',   '1.0', seed_today() - 900, NULL::DATE, 1),
  ('search',      'search',      '1.0', seed_today() - 900, NULL::DATE, 1),
  ('add_to_cart', 'add_to_cart', '2.0', seed_today() - 600, NULL::DATE, 1),
  ('checkout',    'checkout',    '2.0', seed_today() - 600, NULL::DATE, 1)
) t(raw_event_name, event_type, min_sdk_version, valid_from, valid_to, mapping_version);
