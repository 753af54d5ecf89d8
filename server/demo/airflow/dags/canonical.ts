/**
 * The Canonical/UDS nightly DAGs of the seed's schedule (server/demo/seed/README.md), as SQL steps on the
 * demo warehouse. Each task re-processes its run's business date idempotently, the way the runbooks say the
 * real tasks do ("each land task replaces the business date's rows"), so reruns change data for real and
 * never duplicate it. Training faults are looked up where a real failure would happen.
 */
import { TaskFailure, type DagDef, type TaskContext } from '../model';
import { isFileDelivered } from '../faults';
import { addDays } from '../warehouse';
import { chain, dag, sqlTask } from './build';
import { enrichCustomer360, ingestModelScores } from './mlWriteback';
import { buildInterface } from './interfaceBuild';
import { rebuildCustomer360, recountSnapshot360, refreshFlowchart360 } from './refresh360';

const SOURCES = ['channels', 'products', 'offers', 'campaigns', 'flowcharts', 'cells', 'customers', 'flowchart_runs', 'contact_history', 'response_history'] as const;
const TYPICAL: Record<string, number> = { channels: 30, products: 35, offers: 35, campaigns: 45, flowcharts: 40, cells: 40, customers: 240, flowchart_runs: 45, contact_history: 420, response_history: 120 };
const HUBS = ['customer', 'campaign', 'offer', 'channel', 'product', 'flowchart'] as const;
const owners = ['canonical-implementation'];
const ymd = (d: string) => d.replaceAll('-', '');

async function landSource(ctx: TaskContext, source: (typeof SOURCES)[number]): Promise<void> {
  const bd = ctx.businessDate;
  const file = `mdm_${source}_${ymd(bd)}.csv.gz`;
  const failLanding = (rowCount: string) =>
    ctx.sql(
      `UPDATE ldz.load_audit SET status = 'FAILED', row_count = ${rowCount}, started_at = CAST(:start AS TIMESTAMP), finished_at = CAST(:now AS TIMESTAMP)
       WHERE source_table = :source AND business_date = CAST(:bd AS DATE)`,
      { start: ctx.startedAt, now: ctx.now(), source, bd },
    );
  ctx.log(`Waiting for ${file} in /data/mdm/extracts (cut-off 00:55, wait window cdm_ldz_file_wait_minutes)`);
  await ctx.pause(0.3);
  if (!(await isFileDelivered(ctx.warehouse, source, bd))) {
    await failLanding('0');
    throw new TaskFailure('FileNotFoundError', `${file} has not arrived in /data/mdm/extracts: the extract for business date ${bd} is missing or late.`);
  }
  ctx.log(`Found ${file}; opening a session on the warehouse through cdm_warehouse_conn_id`);
  try {
    // Where a connectivity failure surfaces: the file is there, the session to the warehouse is not.
    await ctx.failIfFaulted();
  } catch (error) {
    await failLanding('0');
    throw error;
  }
  const [manifest] = await ctx.sql(
    `SELECT load_id, format_status, (SELECT count(*) FROM ldz.rejected_records r WHERE r.business_date = f.business_date AND r.source_table = f.source_table AND r.load_id = f.load_id) AS rejected
     FROM ldz.file_manifest f WHERE source_table = :source AND business_date = CAST(:bd AS DATE)`,
    { source, bd },
  );
  if (manifest?.format_status === 'INVALID') {
    // The parseable lines are landed, the others rejected; a file this broken is not loaded on: it is redelivered.
    ctx.log(`${String(manifest.rejected)} lines of ${file} could not be parsed and were rejected (see ldz.rejected_records)`, 'ERROR');
    await failLanding(`(SELECT count(*) FROM ldz.${source} WHERE business_date = CAST(:bd AS DATE))`);
    throw new TaskFailure('AirflowException', `${file} is not in a format the land task can load: ${String(manifest.rejected)} lines rejected. Ask the mart's owners for a redelivery.`);
  }
  ctx.log(`Replacing the rows of business date ${bd} in ldz.${source} with load ${String(manifest?.load_id ?? 'unknown')}`);
  if (source === 'customers') {
    // A file that arrived late or was redelivered: its rows were held back when the training fault removed them.
    await ctx.sql(`INSERT INTO ldz.customers SELECT * FROM opsbook_sandbox.held_ldz_customers WHERE business_date = CAST(:bd AS DATE)`, { bd });
    await ctx.sql(`DELETE FROM opsbook_sandbox.held_ldz_customers WHERE business_date = CAST(:bd AS DATE)`, { bd });
  }
  if (source === 'customers') {
    // Rows a corrected redelivery no longer carries (training: an extract with key violations) leave the landing.
    await ctx.sql(
      `DELETE FROM ldz.customers l USING opsbook_sandbox.withdrawn_ldz_customers w
       WHERE l.business_date = CAST(:bd AS DATE) AND w.business_date = l.business_date AND l.customer_id IS NOT DISTINCT FROM w.customer_id
         AND l.customer_code IS NOT DISTINCT FROM w.customer_code AND l.opt_in_email IS NOT DISTINCT FROM w.opt_in_email
         AND l.record_source IS NOT DISTINCT FROM w.record_source`,
      { bd },
    );
    await ctx.sql(`DELETE FROM opsbook_sandbox.withdrawn_ldz_customers WHERE business_date = CAST(:bd AS DATE)`, { bd });
  }
  if (source === 'contact_history') {
    // A file the mart redelivered in full after a short first delivery: the rows the first one lacked wait in the drop zone.
    await ctx.sql(`INSERT INTO ldz.contact_history SELECT * FROM opsbook_sandbox.dropzone_ldz_contact_history WHERE business_date = CAST(:bd AS DATE)`, { bd });
    await ctx.sql(`DELETE FROM opsbook_sandbox.dropzone_ldz_contact_history WHERE business_date = CAST(:bd AS DATE)`, { bd });
  }
  await ctx.pause(0.4);
  // The landed rows and the audit carry the load id of the file landed (a redelivered file has its own).
  await ctx.sql(
    `UPDATE ldz.${source} SET load_ts = CAST(:now AS TIMESTAMP), load_id = coalesce((SELECT load_id FROM ldz.file_manifest WHERE source_table = :source AND business_date = CAST(:bd AS DATE)), load_id)
     WHERE business_date = CAST(:bd AS DATE)`,
    { now: ctx.now(), bd, source },
  );
  await ctx.sql(
    `UPDATE ldz.load_audit SET status = 'SUCCEEDED', row_count = (SELECT count(*) FROM ldz.${source} WHERE business_date = CAST(:bd AS DATE)),
       load_id = coalesce((SELECT load_id FROM ldz.file_manifest m WHERE m.source_table = :source AND m.business_date = CAST(:bd AS DATE)), load_id),
       started_at = CAST(:start AS TIMESTAMP), finished_at = CAST(:now AS TIMESTAMP)
     WHERE source_table = :source AND business_date = CAST(:bd AS DATE)`,
    { bd, start: ctx.startedAt, now: ctx.now(), source },
  );
}

async function auditLdz(ctx: TaskContext): Promise<void> {
  const rows = await ctx.sql(
    `SELECT a.source_table, a.status, a.row_count,
            (SELECT count(*) FROM ldz.load_audit x WHERE x.business_date = a.business_date) AS files
     FROM ldz.load_audit a WHERE a.business_date = CAST(:bd AS DATE) AND a.status <> 'SUCCEEDED'`,
    { bd: ctx.businessDate },
  );
  if (rows.length > 0) {
    throw new TaskFailure('AirflowException', `LDZ audit failed for ${ctx.businessDate}: ${rows.map((r) => `${String(r.source_table)} is ${String(r.status)}`).join(', ')}.`);
  }
  ctx.log(`All extract files of ${ctx.businessDate} landed and match their audit rows`);
}

/**
 * The vault's constraints on the night's input: a hub's business key is NOT NULL, and a satellite holds one
 * version per key and load, so a key twice in one delta file is a unique violation. The load fails before
 * writing anything, as the engine's constraint would.
 */
async function checkInputConstraints(ctx: TaskContext): Promise<void> {
  const violations = await ctx.sql(
    [
      ...HUBS.map((h) => `SELECT 'ldz.${h}s' AS landed_table, 'NOT NULL constraint failed: rdv.hub_${h}.${h}_id' AS violation, count(*) AS landed_rows
        FROM ldz.${h}s WHERE business_date = CAST(:bd AS DATE) AND ${h}_id IS NULL HAVING count(*) > 0`),
      `SELECT 'ldz.customers', 'duplicate key value violates unique constraint on rdv.sat_customer_details (customer_hk, load_dts)', count(*)
       FROM (SELECT customer_id FROM ldz.customers WHERE business_date = CAST(:bd AS DATE) AND customer_id IS NOT NULL GROUP BY customer_id HAVING count(*) > 1) d
       HAVING count(*) > 0`,
    ].join(' UNION ALL '),
    { bd: ctx.businessDate },
  );
  if (violations.length > 0) {
    for (const v of violations) ctx.log(`${String(v.landed_table)}: ${String(v.violation)} (${String(v.landed_rows)})`, 'ERROR');
    throw new TaskFailure('IntegrityError', `${String(violations[0]!.violation)}: the landed input of ${ctx.businessDate} breaks the vault's constraints (${violations.length} violation${violations.length > 1 ? 's' : ''}).`);
  }
}

async function loadHubs(ctx: TaskContext): Promise<void> {
  await checkInputConstraints(ctx);
  for (const h of HUBS) {
    await ctx.sql(
      `INSERT INTO rdv.hub_${h}
       SELECT md5(upper(trim(CAST(${h}_id AS VARCHAR)))), ${h}_id, CAST(:load_dts AS TIMESTAMP), any_value(record_source)
       FROM ldz.${h}s l WHERE business_date = CAST(:bd AS DATE)
         AND NOT EXISTS (SELECT 1 FROM rdv.hub_${h} x WHERE x.${h}_id = l.${h}_id)
       GROUP BY ${h}_id`,
      { bd: ctx.businessDate, load_dts: loadDts(ctx) },
    );
  }
}

/** The vault batch of a business date is stamped on that date (the validation compares by day). */
function loadDts(ctx: TaskContext): string {
  return `${ctx.businessDate} ${ctx.now().slice(11)}`;
}

/**
 * The night's contact links, from the landed contact history: what the LDZ has and the vault lacks (a rerun
 * after a redelivered file adds the late rows and duplicates nothing). Keys are looked up in the hubs.
 */
async function loadContactLinks(ctx: TaskContext): Promise<void> {
  // Where a real failure would surface: a training fault (a dropped connection, a timeout) fails the try.
  await ctx.failIfFaulted();
  await ctx.sql(
    `INSERT INTO rdv.link_contact
     SELECT md5(upper(trim(CAST(h.contact_id AS VARCHAR)))), hc.customer_hk, hm.campaign_hk, hf.flowchart_hk, ho.offer_hk, hn.channel_hk, hp.product_hk,
            h.contact_id, h.run_id, h.cell_id, h.contact_date, h.contact_ts, h.contact_status, CAST(:load_dts AS TIMESTAMP), h.record_source
     FROM ldz.contact_history h
     JOIN rdv.hub_customer hc USING (customer_id) JOIN rdv.hub_campaign hm USING (campaign_id) JOIN rdv.hub_flowchart hf USING (flowchart_id)
     JOIN rdv.hub_offer ho USING (offer_id) JOIN rdv.hub_channel hn USING (channel_id) JOIN rdv.hub_product hp USING (product_id)
     WHERE h.business_date = CAST(:bd AS DATE) AND NOT EXISTS (SELECT 1 FROM rdv.link_contact l WHERE l.contact_id = h.contact_id)`,
    { bd: ctx.businessDate, load_dts: loadDts(ctx) },
  );
  await ctx.sql(`SELECT count(*) AS contact_links FROM rdv.link_contact WHERE CAST(load_dts AS DATE) = CAST(:bd AS DATE)`, { bd: ctx.businessDate });
}

async function loadSatellites(ctx: TaskContext): Promise<void> {
  // Customers are the entity the training faults touch: load what the LDZ has and the vault lacks.
  await ctx.sql(
    `INSERT INTO rdv.sat_customer_details
     SELECT md5(upper(trim(CAST(c.customer_id AS VARCHAR)))), CAST(:load_dts AS TIMESTAMP),
            md5(concat_ws('||', c.customer_code, c.first_name, c.last_name, c.email, c.birth_date, c.gender, c.segment, c.region,
                          c.household_id, c.opt_in_email, c.opt_in_sms)),
            c.record_source, c.customer_code, c.first_name, c.last_name, c.email, c.birth_date, c.gender, c.segment, c.region,
            c.household_id, c.opt_in_email, c.opt_in_sms, c.created_at, c.updated_at
     FROM ldz.customers c
     WHERE c.business_date = CAST(:bd AS DATE)
       AND NOT EXISTS (SELECT 1 FROM rdv.sat_customer_details s
                       WHERE s.customer_hk = md5(upper(trim(CAST(c.customer_id AS VARCHAR)))) AND CAST(s.load_dts AS DATE) = CAST(:bd AS DATE))`,
    { bd: ctx.businessDate, load_dts: loadDts(ctx) },
  );
  for (const h of HUBS.filter((x) => x !== 'customer')) {
    await ctx.sql(`SELECT count(*) AS satellite_rows FROM rdv.sat_${h}_details WHERE CAST(load_dts AS DATE) = CAST(:bd AS DATE)`, { bd: ctx.businessDate });
  }
}

async function checkRdvKeys(ctx: TaskContext): Promise<void> {
  const dups = await ctx.sql(
    HUBS.map((h) => `SELECT 'rdv.hub_${h}' AS hub, ${h}_hk AS hash_key, count(*) AS copies FROM rdv.hub_${h} GROUP BY ${h}_hk HAVING count(*) > 1`).join(' UNION ALL ') + ' ORDER BY hub, hash_key',
  );
  if (dups.length > 0) {
    for (const d of dups.slice(0, 10)) ctx.log(`Duplicate key in ${String(d.hub)}: ${String(d.hash_key)} (${String(d.copies)} rows)`, 'ERROR');
    throw new TaskFailure('DataVaultKeyError', `${dups.length} hub key${dups.length > 1 ? 's are' : ' is'} duplicated; a hub holds one row per business key.`);
  }
  ctx.log('Hub keys are unique');
  // A link row of the night must reference keys its hubs hold (hub before link).
  const orphans = await ctx.sql(
    `SELECT contact_id, customer_hk FROM rdv.link_contact l
     WHERE CAST(load_dts AS DATE) = CAST(:bd AS DATE) AND NOT EXISTS (SELECT 1 FROM rdv.hub_customer h WHERE h.customer_hk = l.customer_hk)
     ORDER BY contact_id`,
    { bd: ctx.businessDate },
  );
  if (orphans.length > 0) {
    for (const o of orphans.slice(0, 10)) ctx.log(`rdv.link_contact contact ${String(o.contact_id)} references customer key ${String(o.customer_hk)}, which rdv.hub_customer does not hold`, 'ERROR');
    throw new TaskFailure('DataVaultKeyError', `${orphans.length} contact link${orphans.length > 1 ? 's reference' : ' references'} a customer key no hub row holds.`);
  }
  ctx.log('Every contact link of the night references a customer in the hub');
}

/** Read-and-count steps for layers whose rebuild the demo does not replay row by row. */
function countStep(sql: string) {
  return async (ctx: TaskContext) => {
    // Where a real failure would surface: a training fault (a dropped connection, a timeout) fails the try.
    await ctx.failIfFaulted();
    await ctx.sql(sql, { bd: ctx.businessDate });
  };
}

async function refreshTimestamp(ctx: TaskContext, table: string, column = 'refresh_ts'): Promise<void> {
  await ctx.sql(`UPDATE ${table} SET ${column} = CAST(:now AS TIMESTAMP) WHERE business_date = CAST(:bd AS DATE)`, { bd: ctx.businessDate, now: ctx.now() });
}

/**
 * resolve_audiences: every try records one run per audience level in audience.resolution_runs, failed ones
 * included (the runbook's "latest attempt counts"), with the night's input (contacts and responses of the
 * date) and what could not be resolved (audience.unresolved_records).
 */
async function resolveAudiences(ctx: TaskContext): Promise<void> {
  const bd = ctx.businessDate;
  ctx.log(`Resolving the Customer and Household audiences of business date ${bd} against audience.audience_map`);
  await ctx.pause(0.3);
  const record = (status: 'SUCCEEDED' | 'FAILED', error: string | null) =>
    ctx.sql(
      `INSERT INTO audience.resolution_runs
       WITH levels AS (SELECT DISTINCT audience_level FROM audience.audience_map),
       events AS (SELECT customer_id FROM cdm_interface.contact_history WHERE business_date = CAST(:bd AS DATE)
                  UNION ALL SELECT customer_id FROM cdm_interface.response_history WHERE business_date = CAST(:bd AS DATE)),
       -- The night's contacts and responses whose customer has no mapping active on the date, per level.
       per_level AS (
         SELECT l.audience_level, count(e.customer_id) AS events,
                count(e.customer_id) FILTER (WHERE NOT EXISTS (
                  SELECT 1 FROM audience.audience_map m
                  WHERE m.audience_level = l.audience_level AND m.customer_id = e.customer_id AND m.valid_from <= CAST(:bd AS DATE)
                    AND (m.valid_to IS NULL OR m.valid_to >= CAST(:bd AS DATE)))) AS unmapped
         FROM levels l CROSS JOIN events e GROUP BY l.audience_level)
       SELECT printf('AR-%s-%s-%d', strftime(CAST(:bd AS DATE), '%Y%m%d'), upper(left(l.audience_level, 4)), CAST(:try AS INTEGER)),
              CAST(:bd AS DATE), l.audience_level, :dag, :run, CAST(:try AS INTEGER), :status, CAST(:start AS TIMESTAMP), CAST(:now AS TIMESTAMP),
              coalesce(p.events, 0) + u.n,
              CASE WHEN :status = 'SUCCEEDED' THEN coalesce(p.events, 0) - coalesce(p.unmapped, 0) ELSE 0 END,
              -- A failed run never got as far as counting what it could not resolve: the channel-side keys it
              -- held back (audience.unresolved_records) and the events of customers without an active mapping.
              CASE WHEN :status = 'SUCCEEDED' THEN CAST(u.n + coalesce(p.unmapped, 0) AS INTEGER) END,
              NULLIF(:error, '')
       FROM levels l LEFT JOIN per_level p USING (audience_level)
       CROSS JOIN LATERAL (SELECT count(*) AS n FROM audience.unresolved_records r WHERE r.business_date = CAST(:bd AS DATE) AND r.audience_level = l.audience_level) u`,
      { bd, dag: ctx.dagId, run: ctx.runId, try: ctx.tryNumber, status, start: ctx.startedAt, now: ctx.preciseNow(), error: error ?? '' },
    );
  try {
    // Where a real failure would surface: a training fault (a timeout, a full queue) fails the try.
    await ctx.failIfFaulted();
  } catch (error) {
    await record('FAILED', (error as Error).message);
    throw error;
  }
  await ctx.sql(`SELECT audience_level, count(*) AS active_mappings FROM audience.audience_map GROUP BY audience_level ORDER BY 1`);
  await record('SUCCEEDED', null);
  ctx.log('Every audience level resolved; unresolved source keys are kept in audience.unresolved_records');
}

/**
 * refresh_cocp_bridge: a truncate-and-load of the Campaign–Offer–Channel–Product bridge from the interface
 * layer, as the seed built it (each combination effective from the night it landed until the night its
 * campaign's completion landed). A failure between the two statements leaves the bridge empty until a rerun.
 */
async function refreshCocpBridge(ctx: TaskContext): Promise<void> {
  const bd = ctx.businessDate;
  ctx.log(`Refreshing the Campaign–Offer–Channel–Product bridge for business date ${bd}`);
  await ctx.sql(`DELETE FROM audience.bridge_campaign_offer_channel_product`);
  // Where a real failure would surface: the load after the truncate (a suspended warehouse, a timeout).
  await ctx.failIfFaulted();
  await ctx.sql(
    `INSERT INTO audience.bridge_campaign_offer_channel_product
     WITH combos AS (
       SELECT x.campaign_id, x.offer_id, x.channel_id, x.product_id, x.campaign_offer_channel_product_hk, x.business_date AS effective_from,
              CASE WHEN c.status = 'COMPLETED' THEN c.business_date - 1 END AS effective_to
       FROM cdm_interface.campaign_offer_channel_product x JOIN cdm_interface.campaign c USING (campaign_id)
     )
     -- bridge_id numbers the combinations in key order, as the seed did; counted rather than windowed, because
     -- DuckDB 1.5's parallel window operator can fail with an internal error, which inside a write invalidates the database.
     SELECT CAST((SELECT count(*) FROM combos p
                  WHERE p.campaign_id < c.campaign_id
                     OR (p.campaign_id = c.campaign_id AND (p.offer_id < c.offer_id
                     OR (p.offer_id = c.offer_id AND (p.channel_id < c.channel_id
                     OR (p.channel_id = c.channel_id AND p.product_id <= c.product_id)))))) AS INTEGER),
            c.campaign_offer_channel_product_hk, c.campaign_id, c.offer_id, c.channel_id, c.product_id, 'Customer', c.effective_from,
            c.effective_to, c.effective_to IS NULL, CAST(:bd AS DATE), CAST(:now AS TIMESTAMP)
     FROM combos c`,
    { bd, now: ctx.now() },
  );
}

/**
 * A publish is a truncate-and-load of the published table from the 360 layers, as the seed built it: customer
 * profiles from Customer 360 and its enrichment of the same date, campaign summaries from the night's Campaign 360
 * snapshot. A failure after the truncate leaves the table empty for its consumers until a rerun.
 */
async function republish(ctx: TaskContext, target: 'customer_profile' | 'campaign_summary'): Promise<void> {
  const bd = ctx.businessDate;
  await ctx.sql(`DELETE FROM cdm_publish_db.${target}`);
  // Where a real failure would surface: the load after the truncate (a timeout, a suspended warehouse).
  await ctx.failIfFaulted();
  if (target === 'customer_profile') {
    await ctx.sql(
      `INSERT INTO cdm_publish_db.customer_profile
       SELECT c.customer_id, c.customer_code, c.full_name, c.segment, c.region, c.opt_in_email, c.opt_in_sms, c.contacts_30d,
              c.last_contact_date, c.responses_total, c.revenue_total, e.churn_score, e.churn_band, e.offer_propensity_score,
              e.offer_propensity_band, c.business_date, CAST(:now AS TIMESTAMP)
       FROM customer_360.customer_360 c
       LEFT JOIN customer_360.customer_enrichment e ON e.customer_id = c.customer_id AND e.business_date = c.business_date`,
      { now: ctx.now() },
    );
  } else {
    await ctx.sql(
      `INSERT INTO cdm_publish_db.campaign_summary
       SELECT business_date, campaign_id, campaign_code, campaign_name, status, start_date, end_date, contacts_total,
              responses_total, conversions_total, revenue_total, response_rate, CAST(:now AS TIMESTAMP)
       FROM campaign_360.campaign_360 WHERE business_date = CAST(:bd AS DATE)`,
      { bd, now: ctx.now() },
    );
  }
}

/** Each aggregate's grain beyond the business date, and whether it counts delivered contacts. */
const AGG_GRAIN: Record<string, { readonly keys: readonly string[]; readonly delivered: boolean }> = {
  daily_customer_kpi: { keys: [], delivered: true },
  daily_channel_metrics: { keys: ['channel_id'], delivered: true },
  daily_campaign_metrics: { keys: ['campaign_id', 'channel_id'], delivered: false },
};

/**
 * The day's contact metrics, recomputed from the interface's contact history, and the rolling windows that end on
 * the day: a short or late-completed day flows into the aggregates the way the real refresh carries it. The
 * day's rows themselves stay (one per day, channel, or campaign and channel), so only the measures move.
 */
async function rebuildContactMetrics(ctx: TaskContext, aggTable: string): Promise<void> {
  const grain = AGG_GRAIN[aggTable];
  if (!grain) throw new Error(`No grain is known for agg.${aggTable}.`);
  const sameKey = (a: string, b: string) => grain.keys.map((k) => ` AND ${a}.${k} = ${b}.${k}`).join('');
  const counted = (filter: string) => `(SELECT count(*) FROM cdm_interface.contact_history h WHERE h.business_date = a.business_date${sameKey('h', 'a')}${filter})`;
  await ctx.sql(
    `UPDATE agg.${aggTable} a SET contacts = ${counted('')}${grain.delivered ? `, delivered = ${counted(` AND h.contact_status = 'DELIVERED'`)}` : ''}
     WHERE a.business_date = CAST(:bd AS DATE)`,
    { bd: ctx.businessDate },
  );
  // The window statement rewrites the day's rolling contact windows; a failure there (a suspended warehouse)
  // leaves them empty and the refresh timestamp old, until a rerun.
  await ctx.sql(`UPDATE agg.${aggTable} SET contacts_7d = NULL, contacts_30d = NULL, contacts_90d = NULL WHERE business_date = CAST(:bd AS DATE)`, { bd: ctx.businessDate });
  await ctx.failIfFaulted();
  const window = (days: number) => `(SELECT sum(b.contacts) FROM agg.${aggTable} b WHERE b.business_date BETWEEN a.business_date - ${days - 1} AND a.business_date${sameKey('b', 'a')})`;
  await ctx.sql(
    `UPDATE agg.${aggTable} a SET contacts_7d = ${window(7)}, contacts_30d = ${window(30)}, contacts_90d = ${window(90)} WHERE a.business_date = CAST(:bd AS DATE)`,
    { bd: ctx.businessDate },
  );
}

async function refreshAggregate(ctx: TaskContext, aggTable: string): Promise<void> {
  const bd = ctx.businessDate;
  const log = async (status: 'SUCCEEDED' | 'FAILED', error: string | null) =>
    ctx.sql(
      `INSERT INTO agg.refresh_log SELECT :agg, CAST(:bd AS DATE), :dag, :run, :try, :status, CAST(:start AS TIMESTAMP), CAST(:now AS TIMESTAMP),
              CASE WHEN :status = 'SUCCEEDED' THEN (SELECT count(*) FROM agg.${aggTable} WHERE business_date = CAST(:bd AS DATE)) ELSE 0 END,
              NULLIF(:error, '')`,
      { agg: aggTable, bd, dag: ctx.dagId, run: ctx.runId, try: ctx.tryNumber, status, start: ctx.startedAt, now: ctx.preciseNow(), error: error ?? '' },
    );
  try {
    await rebuildContactMetrics(ctx, aggTable);
  } catch (error) {
    await log('FAILED', (error as Error).message);
    throw error;
  }
  await refreshTimestamp(ctx, `agg.${aggTable}`);
  await log('SUCCEEDED', null);
}

export const canonicalDags: readonly DagDef[] = [
  dag({
    dagId: 'etl_date_control_update_dag', description: 'Sets the business dates of every Canonical pipeline in etl_control.etl_date_control before a load.',
    schedule: '30 0 * * *', owners, tags: ['canonical', 'setup'],
    tasks: [
      sqlTask('update_etl_date_control', 25, async (ctx) => {
        ctx.log(`Setting business date ${ctx.businessDate} (previous ${addDays(ctx.businessDate, -1)}, next ${addDays(ctx.businessDate, 1)}) for every pipeline`);
        await ctx.sql(
          `UPDATE etl_control.etl_date_control SET business_date = CAST(:bd AS DATE), prev_business_date = CAST(:bd AS DATE) - 1,
             next_business_date = CAST(:bd AS DATE) + 1, load_status = 'PENDING', load_started_at = NULL, load_finished_at = NULL,
             dates_set_at = CAST(:now AS TIMESTAMP), updated_at = CAST(:now AS TIMESTAMP), updated_by = 'etl_date_control_update_dag'`,
          { bd: ctx.businessDate, now: ctx.now() },
        );
        await ctx.sql(`SELECT pipeline_name, business_date, load_status FROM etl_control.etl_date_control ORDER BY pipeline_name`);
      }, { operator: 'PythonOperator' }),
    ],
  }),
  dag({
    dagId: 'cdm_mdm_to_ldz', description: "Lands the Marketing Data Mart's nightly delta files in the LDZ and audits them.",
    schedule: '0 1 * * *', owners, tags: ['canonical', 'ldz'], pipeline: 'mdm_to_ldz',
    tasks: [
      ...SOURCES.map((s) => sqlTask(`land_${s}`, TYPICAL[s]!, (ctx) => landSource(ctx, s))),
      sqlTask('audit_ldz_load', 30, auditLdz, { upstream: SOURCES.map((s) => `land_${s}`) }),
    ],
  }),
  dag({
    dagId: 'cdm_ldz_to_rdv', description: 'Loads the Raw Data Vault from the LDZ: hubs, links, satellites, then checks the keys.',
    schedule: '0 2 * * *', owners, tags: ['canonical', 'rdv'], pipeline: 'ldz_to_rdv',
    tasks: chain([
      sqlTask('load_hubs', 180, loadHubs),
      sqlTask('load_links', 300, loadContactLinks),
      sqlTask('load_satellites', 420, loadSatellites),
      sqlTask('check_rdv_keys', 60, checkRdvKeys),
    ]),
  }),
  dag({
    dagId: 'cdm_rdv_to_interface', description: 'Builds the Canonical/UDS interface layer from the vault.',
    schedule: '30 2 * * *', owners, tags: ['canonical', 'interface'], pipeline: 'rdv_to_interface',
    tasks: [sqlTask('build_interface', 540, buildInterface)],
  }),
  dag({
    dagId: 'cdm_audience_resolution', description: 'Resolves audiences and refreshes the Campaign–Offer–Channel–Product bridge.',
    schedule: '45 2 * * *', owners, tags: ['canonical', 'audience'], pipeline: 'audience_resolution',
    tasks: chain([
      sqlTask('resolve_audiences', 300, resolveAudiences),
      sqlTask('refresh_cocp_bridge', 60, refreshCocpBridge),
    ]),
  }),
  dag({
    dagId: 'cdm_360_refresh', description: 'Refreshes Customer 360, Campaign 360 and Flowchart 360.',
    schedule: '0 3 * * *', owners, tags: ['canonical', '360'], pipeline: '360_refresh',
    tasks: chain([
      sqlTask('refresh_customer_360', 600, async (ctx) => {
        await rebuildCustomer360(ctx);
        await refreshTimestamp(ctx, 'customer_360.customer_360');
      }),
      sqlTask('refresh_campaign_360', 180, async (ctx) => {
        await ctx.failIfFaulted();
        await recountSnapshot360(ctx, 'campaign_360.campaign_360');
        await refreshTimestamp(ctx, 'campaign_360.campaign_360');
      }),
      sqlTask('refresh_flowchart_360', 240, async (ctx) => {
        await refreshFlowchart360(ctx);
        await refreshTimestamp(ctx, 'flowchart_360.flowchart_360');
      }),
    ]),
  }),
  dag({
    dagId: 'cdm_ml_writeback', description: 'Ingests model scores into cdm_ingest_db, then enriches Customer 360.',
    schedule: '30 3 * * *', owners, tags: ['canonical', 'ml'], pipeline: 'ml_writeback',
    tasks: chain([
      sqlTask('ingest_model_scores', 300, ingestModelScores),
      sqlTask('enrich_customer_360', 240, enrichCustomer360),
    ]),
  }),
  dag({
    dagId: 'cdm_aggregate_refresh', description: 'Refreshes the daily aggregates and their rolling windows.',
    schedule: '0 4 * * *', owners, tags: ['canonical', 'aggregates'], pipeline: 'aggregate_refresh',
    tasks: chain([
      sqlTask('refresh_daily_customer_kpi', 120, (ctx) => refreshAggregate(ctx, 'daily_customer_kpi')),
      sqlTask('refresh_daily_channel_metrics', 90, (ctx) => refreshAggregate(ctx, 'daily_channel_metrics')),
      sqlTask('refresh_daily_campaign_metrics', 300, (ctx) => refreshAggregate(ctx, 'daily_campaign_metrics')),
    ]),
  }),
  dag({
    dagId: 'cdm_publish', description: 'Publishes customer profiles and campaign summaries to cdm_publish_db.',
    schedule: '20 4 * * *', owners, tags: ['canonical', 'publish'], pipeline: 'publish',
    tasks: chain(
      (['customer_profile', 'campaign_summary'] as const).map((t) =>
        sqlTask(`publish_${t}`, t === 'customer_profile' ? 240 : 60, async (ctx) => {
          try {
            await republish(ctx, t);
          } catch (error) {
            await ctx.sql(`UPDATE cdm_publish_db.publish_log SET status = 'FAILED' WHERE target_table = :t AND business_date = CAST(:bd AS DATE)`, { t, bd: ctx.businessDate });
            throw error;
          }
          await ctx.sql(`UPDATE cdm_publish_db.publish_log SET published_at = CAST(:now AS TIMESTAMP), status = 'SUCCEEDED' WHERE target_table = :t AND business_date = CAST(:bd AS DATE)`, { now: ctx.now(), t, bd: ctx.businessDate });
        }),
      ),
    ),
  }),
];
