/**
 * The demo's Databricks through the whole server: a databricks block previews a DLT update, then (confirmed)
 * starts one of ecommerce_dlt at /demo/databricks, follows it to COMPLETED, and the warehouse's bronze, silver
 * and gold tables are really rebuilt from the source; the event log the events block reads is the one the
 * update wrote (ecomm_ops.dlt_events), with the silver expectations' dropped records. Bronze is loaded from the
 * extract files in the demo S3, not from the source: an order the source has but the night's file does not
 * stays out of bronze.
 */
import { describe, expect, it } from 'vitest';
import { useDemoBlocks } from '../testing/demoBlocks';
import { extractBucket, toCsv } from '../s3/extracts';
import { FILES, SETUP } from './testing/ecommerceFixture';

const demo = useDemoBlocks({
  setupSql: SETUP,
  demoSystems: {
    seedS3: async (s3) => {
      for (const [table, file] of Object.entries(FILES)) await extractBucket(s3).write(table, '2026-12-01', toCsv(file));
    },
  },
  demoConnections: '      databricks: {kind: databricks, demo: true, pipelinePollMs: 20}\n',
  snippets: {
    'dlt/update': { lang: 'databricks', target: 'databricks', mode: 'write', text: 'databricks pipelines start-update "ecommerce_dlt"' },
    'dlt/events': { lang: 'databricks', target: 'databricks', text: 'databricks pipelines events "ecommerce_dlt" --max-results 100' },
    'dlt/warnings': { lang: 'databricks', target: 'databricks', text: 'databricks pipelines events "ecommerce_dlt" --level WARN,ERROR' },
    'dlt/latest-ok': { lang: 'databricks', target: 'databricks', text: 'databricks pipelines get-update "ecommerce_dlt"', expect: "state = 'COMPLETED'", title: 'The latest DLT update completed' },
    'dlt/latest-expectations': { lang: 'databricks', target: 'databricks', text: 'databricks pipelines events "ecommerce_dlt" --update-id latest --level INFO', expect: 'count(dropped_records > 0) = 0', title: 'Nothing dropped in the latest update' },
    'sql/gold': { text: 'select order_id, revenue from ecomm_gold.sales_analytics order by order_id' },
    'sql/bronze': { text: 'select count(*) from ecomm_bronze.orders_raw where _execution_date = DATE \'2026-12-01\'' },
  },
});
const { run } = demo;

describe('the demo Databricks (DLT)', () => {
  it('previews an update of ecommerce_dlt without starting it', async () => {
    const preview = await run('dlt/update', { preview: true });
    expect(preview.done).toMatchObject({ status: 'succeeded', dryRun: true });
    expect(preview.logs).toMatch(/Dry run: confirming would start an update of pipeline "ecommerce_dlt"/);
    expect((await run('sql/gold')).rows).toEqual([]);
    expect((await run('dlt/events')).rows).toEqual([]);
    // No update yet: nothing says the pipeline ran, so the check on the latest update fails (an empty grid).
    const none = await run('dlt/latest-ok');
    expect(none.done).toMatchObject({ status: 'failed', rowCount: 0, check: { passed: false } });
    expect(none.logs).toMatch(/has no updates yet/);
  });

  it('starts the update once confirmed, follows it to COMPLETED, and bronze, silver and gold are rebuilt', async () => {
    const update = await run('dlt/update', { confirmed: true });
    expect(update.done.status).toBe('succeeded');
    expect(update.done.dryRun).not.toBe(true);
    expect(update.logs).toMatch(/Update [0-9a-f-]{36}: COMPLETED/);
    expect(update.rows).toContainEqual(['bronze_orders', 'COMPLETED', 2, null, null]);
    expect(update.rows).toContainEqual(['silver_fact_orders', 'COMPLETED', 2, 1, 'valid_pk: 1 failed']);
    expect(Number((await run('sql/bronze')).rows[0]![0])).toBe(2);
    expect((await run('sql/gold')).rows.map((r) => [Number(r[0]), Number(r[1])])).toEqual([[1, 30], [2, 12.5]]);
    expect(demo.harness.audit.events.filter((e) => e.snippet === 'dlt/update').at(-1)).toMatchObject({ status: 'succeeded', dryRun: false });
  });

  it('serves the event log the update wrote: one row per expectation with its dropped records', async () => {
    const events = await run('dlt/events');
    expect(events.done.status).toBe('succeeded');
    expect(events.rows[0]!.slice(0, 5)).toEqual([expect.any(String), 'INFO', 'update_progress', null, 'Update COMPLETED']);
    expect(events.rows).toContainEqual([expect.any(String), 'INFO', 'flow_progress', 'silver_fact_orders', 'Flow silver_fact_orders COMPLETED', 'valid_pk', 2, 1, expect.stringMatching(/^[0-9a-f-]{36}$/)]);
    expect(events.rows.at(-1)!.slice(0, 3)).toEqual([expect.any(String), 'INFO', 'create_update']);
    expect((await run('dlt/warnings')).rows).toEqual([]);
  });

  it('judges the latest update: its state from GetUpdate, and its expectations from its own events', async () => {
    const latest = await run('dlt/latest-ok');
    expect(latest.done).toMatchObject({ status: 'succeeded', rowCount: 1, check: { passed: true } });
    expect(latest.rows[0]).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/), 'COMPLETED', 'API_CALL', expect.any(String), false, 10, 10, 1, null]);
    // The fixture's order line without an order id was dropped by silver_fact_orders' valid_pk.
    const dq = await run('dlt/latest-expectations');
    expect(dq.done).toMatchObject({ status: 'failed', check: { passed: false, verdict: 'error' } });
    expect(dq.done.check?.detail).toMatch(/count\(dropped_records > 0\) of \d+ rows 1/);
    expect(new Set(dq.rows.map((r) => r[8]))).toEqual(new Set([latest.rows[0]![0]]));
  });
});
