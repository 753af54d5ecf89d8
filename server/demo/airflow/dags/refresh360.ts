/**
 * The contact totals of the 360 layers, recounted from the interface's contact history by the nightly refresh
 * (cdm_360_refresh), the way the seed built them (server/demo/seed/050_360.sql): a short or late-completed day
 * flows into Customer, Campaign and Flowchart 360 like the real refresh carries it, and a rerun after a
 * redelivered file puts the late contacts in. Responses are left as loaded: no training fault touches them.
 */
import type { TaskContext } from '../model';

/** Customer 360 is current state (one row per customer, stamped with the date it was built for). */
export async function recountCustomer360(ctx: TaskContext): Promise<void> {
  await ctx.sql(
    `UPDATE customer_360.customer_360 c
     SET contacts_total = coalesce(x.contacts_total, 0), contacts_30d = coalesce(x.contacts_30d, 0),
         last_contact_date = x.last_contact_date, campaigns_contacted = coalesce(x.campaigns_contacted, 0)
     FROM (SELECT k.customer_id, h.contacts_total, h.contacts_30d, h.last_contact_date, h.campaigns_contacted
           FROM customer_360.customer_360 k
           LEFT JOIN (SELECT customer_id, count(*) AS contacts_total,
                             count(*) FILTER (WHERE contact_date >= CAST(:bd AS DATE) - 30) AS contacts_30d,
                             max(contact_date) AS last_contact_date, count(DISTINCT campaign_id) AS campaigns_contacted
                      FROM cdm_interface.contact_history GROUP BY customer_id) h USING (customer_id)
           WHERE k.business_date = CAST(:bd AS DATE)) x
     WHERE c.customer_id = x.customer_id AND c.business_date = CAST(:bd AS DATE)`,
    { bd: ctx.businessDate },
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
