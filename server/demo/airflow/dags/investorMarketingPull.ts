/**
 * The Growth DAG's pull_marketing_api as its runbook describes it: the attribution APIs are paged into batches,
 * requested in turn, and every attempt of every batch is recorded in investor_ops.marketing_api_pulls (what the
 * runbook's "API pulls" check reads). A try that fails stops on the batch the API refused, so the check sees the
 * failed batch until a retry pulls every batch again.
 */
import { TaskFailure, type TaskContext } from '../model';
import { reportDate } from './investorProfit';

const APIS = ['google_ads', 'meta_ads', 'impact_affiliates'] as const;
const BATCHES = 3;

interface Batch {
  readonly api: string;
  readonly batchNo: number;
  readonly rows: number;
}

/** The report date's attribution rows, paged per API into three batches in click order. */
async function batchesOf(ctx: TaskContext, rd: string): Promise<Batch[]> {
  const counts = await ctx.sql(
    `SELECT api_name, CAST((row_number() OVER (PARTITION BY api_name ORDER BY click_ts, user_id) - 1) % ${BATCHES} + 1 AS INTEGER) AS batch_no
     FROM investor_src.marketing_attribution WHERE report_date = CAST(:rd AS DATE)`,
    { rd },
  );
  return APIS.flatMap((api) =>
    Array.from({ length: BATCHES }, (_, i) => ({ api, batchNo: i + 1, rows: counts.filter((c) => c.api_name === api && Number(c.batch_no) === i + 1).length })),
  );
}

async function record(ctx: TaskContext, rd: string, b: Batch, outcome: { status: 'success' | 'failed'; http: number | null; error: string | null }): Promise<void> {
  await ctx.sql(
    `INSERT INTO investor_ops.marketing_api_pulls
     VALUES (CAST(:rd AS DATE), :run, :try, :api, :batch, CAST(:now AS TIMESTAMP), CAST(:now AS TIMESTAMP), :status, CAST(NULLIF(:http, 0) AS INTEGER), :rows, NULLIF(:error, ''))`,
    { rd, run: ctx.runId, try: ctx.tryNumber, api: b.api, batch: b.batchNo, now: ctx.now(), status: outcome.status, http: outcome.http ?? 0, rows: outcome.status === 'success' ? b.rows : 0, error: outcome.error ?? '' },
  );
}

export async function pullMarketingApi(ctx: TaskContext): Promise<void> {
  const rd = reportDate(ctx);
  // A replayed or cleared try records its attempts again; earlier tries of the run stay as they were.
  await ctx.sql(`DELETE FROM investor_ops.marketing_api_pulls WHERE report_date = CAST(:rd AS DATE) AND run_id = :run AND try_number >= :try`, { rd, run: ctx.runId, try: ctx.tryNumber });
  const batches = await batchesOf(ctx, rd);
  for (const [i, b] of batches.entries()) {
    // The first batch is answered; a refusal (rate limit, outage) hits the requests after it.
    if (i === 1) {
      try {
        await ctx.failIfFaulted();
      } catch (error) {
        const message = (error as Error).message;
        const http = /\b([45]\d\d)\b/.exec(message);
        await record(ctx, rd, b, { status: 'failed', http: http ? Number(http[1]) : null, error: message });
        throw error instanceof TaskFailure ? error : new TaskFailure('HTTPError', message);
      }
    }
    await record(ctx, rd, b, { status: 'success', http: 200, error: null });
  }
  ctx.log(`Pulled ${batches.length} batches from ${APIS.length} attribution APIs for ${rd}`);
}
