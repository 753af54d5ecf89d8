/**
 * The 360 layers, rebuilt from the interface layer (and the vault's current versions) by the nightly refresh
 * (cdm_360_refresh), the way the seed built them (server/demo/seed/050_360.sql): Customer 360 is rebuilt in
 * full, Flowchart 360's night holds one row per flowchart executed so far, and the contact totals follow the
 * interface's contact history. So a short or late-completed day flows into the 360 layers like the real
 * refresh carries it, a vault version loaded twice fans Customer 360 out, a dimension reloaded while the
 * refresh read it drops flowcharts from the night's snapshot — and a rerun on a repaired input repairs them.
 */
import type { TaskContext } from '../model';

const CUSTOMER_360_COLUMNS =
  'customer_id, customer_code, full_name, email, segment, region, household_id, opt_in_email, opt_in_sms, customer_since, contacts_total, contacts_30d, last_contact_date, campaigns_contacted, responses_total, conversions_total, revenue_total, last_response_date, business_date';

/**
 * refresh_customer_360: current state, one row per customer, rebuilt in full for the business date. Contact
 * details and consent come from the customer's current vault version (the satellite rows of its newest load),
 * the rest from the interface. A version loaded twice for one load is two "current" rows, and the join fans
 * out — as the real refresh does, which is why the runbooks check for it. A run for a date older than the
 * one the table was built for leaves it as it is (current state does not go back in time).
 */
export async function rebuildCustomer360(ctx: TaskContext): Promise<void> {
  const bd = ctx.businessDate;
  const [built] = await ctx.sql(`SELECT CAST(max(business_date) AS VARCHAR) AS built_for FROM customer_360.customer_360`);
  const builtFor = built?.built_for == null ? null : String(built.built_for);
  if (builtFor !== null && builtFor > bd) {
    ctx.log(`Customer 360 is current state, already built for ${builtFor}: a run for ${bd} leaves it as it is`);
    return;
  }
  await ctx.sql(`DELETE FROM customer_360.customer_360`);
  await ctx.sql(
    `INSERT INTO customer_360.customer_360 (${CUSTOMER_360_COLUMNS})
     WITH newest AS (
       SELECT customer_hk, max(load_dts) AS load_dts FROM rdv.sat_customer_details
       WHERE CAST(load_dts AS DATE) <= CAST(:bd AS DATE) GROUP BY customer_hk
     ), current_version AS (
       SELECT s.customer_hk, s.email, s.opt_in_email, s.opt_in_sms
       FROM rdv.sat_customer_details s JOIN newest n ON n.customer_hk = s.customer_hk AND n.load_dts = s.load_dts
     ), contacts AS (
       SELECT customer_id, count(*) AS contacts_total, count(*) FILTER (WHERE contact_date >= CAST(:bd AS DATE) - 30) AS contacts_30d,
              max(contact_date) AS last_contact_date, count(DISTINCT campaign_id) AS campaigns_contacted
       FROM cdm_interface.contact_history WHERE business_date <= CAST(:bd AS DATE) GROUP BY customer_id
     ), responses AS (
       SELECT customer_id, count(*) AS responses_total, count(*) FILTER (WHERE response_type = 'CONVERSION') AS conversions_total,
              sum(revenue) AS revenue_total, max(response_date) AS last_response_date
       FROM cdm_interface.response_history WHERE business_date <= CAST(:bd AS DATE) GROUP BY customer_id
     )
     SELECT c.customer_id, c.customer_code, c.first_name || ' ' || c.last_name, coalesce(v.email, c.email), c.segment, c.region,
            c.household_id, coalesce(v.opt_in_email, c.opt_in_email), coalesce(v.opt_in_sms, c.opt_in_sms), c.customer_since,
            coalesce(ct.contacts_total, 0), coalesce(ct.contacts_30d, 0), ct.last_contact_date, coalesce(ct.campaigns_contacted, 0),
            coalesce(r.responses_total, 0), coalesce(r.conversions_total, 0), CAST(coalesce(r.revenue_total, 0) AS DECIMAL(14, 2)),
            r.last_response_date, CAST(:bd AS DATE)
     FROM cdm_interface.customer c
     LEFT JOIN current_version v ON v.customer_hk = md5(upper(trim(CAST(c.customer_id AS VARCHAR))))
     LEFT JOIN contacts ct ON ct.customer_id = c.customer_id
     LEFT JOIN responses r ON r.customer_id = c.customer_id`,
    { bd },
  );
  await ctx.sql(`SELECT count(*) AS customer_360_rows, count(DISTINCT customer_id) AS customers FROM customer_360.customer_360`);
}

/**
 * The night's Flowchart 360 rows are the flowcharts executed up to the date that the interface's flowchart
 * dimension holds (joined, as the seed built the snapshot): rows for flowcharts no longer in that set leave,
 * executed flowcharts without a row get one. Their metrics are computed afterwards (refreshFlowchart360).
 */
async function rebuildFlowchart360Rows(ctx: TaskContext): Promise<void> {
  const bd = ctx.businessDate;
  const rowSet = `SELECT e.flowchart_id FROM cdm_interface.flowchart_execution e JOIN cdm_interface.flowchart f USING (flowchart_id)
                  WHERE e.business_date <= CAST(:bd AS DATE)`;
  await ctx.sql(
    `DELETE FROM flowchart_360.flowchart_360 WHERE business_date = CAST(:bd AS DATE) AND (flowchart_id IS NULL OR flowchart_id NOT IN (${rowSet}))`,
    { bd },
  );
  await ctx.sql(
    `INSERT INTO flowchart_360.flowchart_360 (business_date, flowchart_id, flowchart_name, campaign_id, campaign_code, first_run_date, last_run_id,
                                              last_run_date, last_run_status, contacts_last_run)
     SELECT CAST(:bd AS DATE), f.flowchart_id, f.flowchart_name, f.campaign_id, m.campaign_code, r.first_run_date, r.last_run_id, r.last_run_date,
            r.last_run_status, r.contacts_last_run
     FROM (SELECT flowchart_id, min(run_date) AS first_run_date, max(run_id) AS last_run_id, max(run_date) AS last_run_date,
                  arg_max(run_status, run_id) AS last_run_status, arg_max(contacts_generated, run_id) AS contacts_last_run
           FROM cdm_interface.flowchart_execution WHERE business_date <= CAST(:bd AS DATE) GROUP BY flowchart_id) r
     JOIN cdm_interface.flowchart f USING (flowchart_id)
     LEFT JOIN cdm_interface.campaign m ON m.campaign_id = f.campaign_id
     WHERE NOT EXISTS (SELECT 1 FROM flowchart_360.flowchart_360 x WHERE x.business_date = CAST(:bd AS DATE) AND x.flowchart_id = r.flowchart_id)`,
    { bd },
  );
}

/** The business date's snapshot rows: cumulative contacts loaded up to that date, and the response rate on them. */
export async function recountSnapshot360(ctx: TaskContext, table: 'campaign_360.campaign_360' | 'flowchart_360.flowchart_360'): Promise<void> {
  const key = table === 'campaign_360.campaign_360' ? 'campaign_id' : 'flowchart_id';
  // Campaign 360 also keeps the day before the business date that last carried a contact (contacts are of the day before).
  const lastContact = key === 'campaign_id' ? ', last_contact_date = x.last_contact_date' : '';
  await ctx.sql(
    `UPDATE ${table} t
     SET contacts_total = coalesce(x.contacts_total, 0),
         response_rate = CAST(CASE WHEN coalesce(x.contacts_total, 0) > 0 THEN round(t.responses_total / x.contacts_total, 4) ELSE 0 END AS DECIMAL(7, 4))${lastContact}
     FROM (SELECT k.${key}, h.contacts_total, h.last_contact_date
           FROM ${table} k
           LEFT JOIN (SELECT ${key}, count(*) AS contacts_total, max(business_date) - 1 AS last_contact_date
                      FROM cdm_interface.contact_history WHERE business_date <= CAST(:bd AS DATE) GROUP BY ${key}) h USING (${key})
           WHERE k.business_date = CAST(:bd AS DATE)) x
     WHERE t.${key} = x.${key} AND t.business_date = CAST(:bd AS DATE)`,
    { bd: ctx.businessDate },
  );
}

/**
 * refresh_flowchart_360: the night's snapshot rows are rewritten, then their pre-aggregated metrics computed from
 * the interface layer (executions, contacts and responses loaded up to the date). A failure between the two
 * statements leaves the rows without metrics, which is what the Flowchart 360 validation looks for.
 */
export async function refreshFlowchart360(ctx: TaskContext): Promise<void> {
  const bd = ctx.businessDate;
  await rebuildFlowchart360Rows(ctx);
  await ctx.sql(
    `UPDATE flowchart_360.flowchart_360 SET execution_count = NULL, contacts_total = NULL, responses_total = NULL, conversions_total = NULL,
       revenue_total = NULL, response_rate = NULL
     WHERE business_date = CAST(:bd AS DATE)`,
    { bd },
  );
  // Where a real failure would surface: the aggregation statement (a timeout, a suspended warehouse).
  await ctx.failIfFaulted();
  await ctx.sql(
    `UPDATE flowchart_360.flowchart_360 f
     SET execution_count = CAST(coalesce(x.execution_count, 0) AS INTEGER), responses_total = coalesce(x.responses_total, 0),
         conversions_total = coalesce(x.conversions_total, 0), revenue_total = CAST(coalesce(x.revenue_total, 0) AS DECIMAL(14, 2))
     FROM (SELECT k.flowchart_id, r.execution_count, s.responses_total, s.conversions_total, s.revenue_total
           FROM flowchart_360.flowchart_360 k
           LEFT JOIN (SELECT flowchart_id, count(*) AS execution_count FROM cdm_interface.flowchart_execution
                      WHERE business_date <= CAST(:bd AS DATE) GROUP BY flowchart_id) r USING (flowchart_id)
           LEFT JOIN (SELECT flowchart_id, count(*) AS responses_total, count(*) FILTER (WHERE response_type = 'CONVERSION') AS conversions_total,
                             sum(revenue) AS revenue_total
                      FROM cdm_interface.response_history WHERE business_date <= CAST(:bd AS DATE) GROUP BY flowchart_id) s USING (flowchart_id)
           WHERE k.business_date = CAST(:bd AS DATE)) x
     WHERE f.flowchart_id = x.flowchart_id AND f.business_date = CAST(:bd AS DATE)`,
    { bd },
  );
  await recountSnapshot360(ctx, 'flowchart_360.flowchart_360');
}
