-- Landing Zone file handling, for the failure-handling runbook's LDZ checks (missing file, bad format).
--   ldz.rejected_records  lines of a delivered file that the land task could not parse; they are not landed
--   ldz.file_manifest     one row per delivered extract file: arrival, size, trailer count, column layout
--
-- The healthy baseline: every file of every night arrived before the 00:55 cut-off, in the expected layout,
-- and its trailer count equals the rows landed plus the rows rejected. Three past nights had a handful of
-- unparseable lines (rejected, reported, within tolerance); no night of the last week had any.

-- Three past nights (day_no counts from go-live; today is day 120) with a few bad lines.
CREATE TEMP TABLE seed_reject_nights AS
SELECT * FROM (VALUES
  (23, 'contact_history', 3, 'INVALID_DATE_FORMAT'),
  (51, 'response_history', 1, 'FIELD_COUNT_MISMATCH'),
  (88, 'customers', 2, 'INVALID_ENCODING')
) t(day_no, source_table, bad_lines, reason);

CREATE TABLE ldz.rejected_records AS
SELECT d.business_date, n.source_table, a.load_id, a.file_name,
       CAST(2 + pick(d.day_no * 10 + r.i, 'rej_line_' || n.source_table, greatest(a.row_count, 1)) AS INTEGER) AS line_number,
       n.reason,
       CASE n.reason
         WHEN 'INVALID_DATE_FORMAT' THEN printf('%d|%d|%d|%s|DELIVERED', 9100000 + d.day_no * 10 + r.i,
              1 + pick(d.day_no * 10 + r.i, 'rej_cust', 40000), 1 + pick(d.day_no, 'rej_camp', 60), strftime(d.activity_date, '%d/%m/%Y'))
         WHEN 'FIELD_COUNT_MISMATCH' THEN printf('%d|%d|CLICK|%s', 9200000 + d.day_no, 1 + pick(d.day_no, 'rej_cust2', 40000),
              strftime(d.activity_date, '%Y-%m-%d'))
         ELSE printf('%d|C%07d|J�rgen|M�ller|��', 40000 + d.day_no * 10 + r.i, 40000 + d.day_no * 10 + r.i)
       END AS raw_record,
       a.finished_at - to_seconds(10) AS rejected_at
FROM seed_reject_nights n
JOIN seed_days d USING (day_no)
JOIN ldz.load_audit a ON a.source_table = n.source_table AND a.business_date = d.business_date
CROSS JOIN (SELECT CAST(i AS INTEGER) AS i FROM range(0, 3) t(i)) r
WHERE r.i < n.bad_lines;

-- Columns each extract carries: the mart table's own columns (the LDZ adds its four technical columns).
CREATE TEMP TABLE seed_extract_layout AS
SELECT table_name AS source_table, CAST(count(*) AS INTEGER) AS columns_in_layout
FROM information_schema.columns WHERE table_schema = 'mdm' GROUP BY ALL;

CREATE TABLE ldz.file_manifest AS
WITH rejects AS (
  SELECT business_date, source_table, CAST(count(*) AS BIGINT) AS rejected FROM ldz.rejected_records GROUP BY ALL
)
SELECT a.source_table, a.business_date, a.file_name, a.load_id,
       -- The mart's extract job drops the files between 00:10 and 00:50; the LDZ load starts at 01:00.
       at_sec(a.business_date, 600 + pick(hash(a.source_table) % 1000 + d.day_no, 'file_arrival', 2400)) AS arrived_at,
       at_sec(a.business_date, 3300) AS expected_by,
       CAST(180 + (a.row_count + coalesce(r.rejected, 0)) * (40 + 9 * l.columns_in_layout) AS BIGINT) AS size_bytes,
       a.row_count + coalesce(r.rejected, 0) AS trailer_record_count,
       l.columns_in_layout AS column_count,
       l.columns_in_layout AS expected_column_count,
       '|' AS delimiter,
       'UTF-8' AS encoding,
       CASE WHEN coalesce(r.rejected, 0) > 0 THEN 'VALID_WITH_REJECTS' ELSE 'VALID' END AS format_status,
       md5(a.file_name || ':' || CAST(a.row_count AS VARCHAR)) AS checksum_md5
FROM ldz.load_audit a
JOIN seed_days d USING (business_date)
JOIN seed_extract_layout l USING (source_table)
LEFT JOIN rejects r USING (business_date, source_table);
