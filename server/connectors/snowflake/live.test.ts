/**
 * Against a real Snowflake account, when one is given: SNOWFLAKE_ACCOUNT, SNOWFLAKE_USER and
 * SNOWFLAKE_PASSWORD or SNOWFLAKE_PRIVATE_KEY_PATH (+ SNOWFLAKE_PRIVATE_KEY_PASSPHRASE); optional
 * SNOWFLAKE_ROLE (default PUBLIC), SNOWFLAKE_WAREHOUSE (needed for the streaming test),
 * SNOWFLAKE_DATABASE (default SNOWFLAKE). Reads only: nothing is created or changed.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { BoundValue } from '../../../plugins/remark-runbook/syntax/params';
import type { Cell, ColumnInfo } from '../../protocol';
import { openSnowflake, snowflakeQueryTag, type SnowflakeConnector } from './index';
import type { StatementRequest as SnowflakeStatementRequest } from '../types';

const env = process.env;
const missing = [
  ...['SNOWFLAKE_ACCOUNT', 'SNOWFLAKE_USER'].filter((k) => !env[k]),
  ...(env.SNOWFLAKE_PASSWORD || env.SNOWFLAKE_PRIVATE_KEY_PATH ? [] : ['SNOWFLAKE_PASSWORD or SNOWFLAKE_PRIVATE_KEY_PATH']),
];
if (missing.length) console.log(`Skipping the live Snowflake suite: set ${missing.join(', ')} (and SNOWFLAKE_ROLE, SNOWFLAKE_WAREHOUSE, SNOWFLAKE_DATABASE) to run it against a real account.`);

describe.skipIf(missing.length > 0)('a real Snowflake account', () => {
  let connector: SnowflakeConnector | null = null;
  const sf = async () =>
    (connector ??= await openSnowflake({
      connection: {
        kind: 'snowflake',
        account: env.SNOWFLAKE_ACCOUNT!,
        warehouse: env.SNOWFLAKE_WAREHOUSE ?? 'COMPUTE_WH',
        database: env.SNOWFLAKE_DATABASE ?? 'SNOWFLAKE',
        read: {
          user: env.SNOWFLAKE_USER!,
          role: env.SNOWFLAKE_ROLE ?? 'PUBLIC',
          ...(env.SNOWFLAKE_PASSWORD
            ? { password: env.SNOWFLAKE_PASSWORD }
            : { privateKeyPath: env.SNOWFLAKE_PRIVATE_KEY_PATH!, ...(env.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE ? { privateKeyPassphrase: env.SNOWFLAKE_PRIVATE_KEY_PASSPHRASE } : {}) }),
        },
      },
    }));
  afterAll(async () => connector?.close());

  async function run(text: string, binds: Record<string, BoundValue> = {}, over: Partial<SnowflakeStatementRequest> = {}) {
    const out = { columns: [] as readonly ColumnInfo[], rows: [] as Cell[][], batches: 0 };
    const outcome = await (await sf()).stream(
      { text, binds, mode: 'read', signal: new AbortController().signal, timeoutMs: 30_000, maxRows: 100_000, ...over },
      { columns: (c) => void (out.columns = c), rows: async (b) => void (out.batches++, out.rows.push(...(b as Cell[][]))) },
    );
    return { outcome, ...out };
  }

  it('binds parameters and maps Snowflake types', async () => {
    const r = await run(
      `select :d as d, :i as i, :s as s, 1.25::number(12,2) as amount, 9007199254740993::number(38,0) as big,
              to_timestamp_ntz('2026-11-23 08:00:00.123') as ntz, to_timestamp_tz('2026-11-23 08:00:00 +02:00') as tz,
              parse_json('{"a":[1,2]}') as v, to_binary('BEEF', 'HEX') as b, true as t, null as n`,
      { d: { type: 'date', value: '2026-11-22' }, i: { type: 'int', value: 42 }, s: { type: 'string', value: "it's" } },
    );
    expect(r.columns.map((c) => c.type)).toEqual(['DATE', 'NUMBER(38,0)', 'VARCHAR', 'NUMBER(12,2)', 'NUMBER(38,0)', 'TIMESTAMP_NTZ', 'TIMESTAMP_TZ', 'VARIANT', 'BINARY', 'BOOLEAN', 'VARCHAR']);
    expect(r.rows).toEqual([['2026-11-22', 42, "it's", '1.25', '9007199254740993', '2026-11-23T08:00:00.123', '2026-11-23T08:00:00+02:00', { a: [1, 2] }, 'BEEF', true, null]]);
  }, 60_000);

  it.skipIf(!env.SNOWFLAKE_WAREHOUSE)('streams a large result in batches', async () => {
    const r = await run('select seq4() as n, uniform(1, 100, random()) as x from table(generator(rowcount => 50000))');
    expect(r.outcome).toMatchObject({ rowCount: 50_000, truncated: false });
    expect(r.batches).toBeGreaterThan(1);
  }, 60_000);

  it('tags the statement with runbook, snippet and user', async () => {
    const who = { runbook: 'live-test', snippet: 'live-test/tag', user: 'vitest', env: 'live', runId: randomUUID() };
    const tag = snowflakeQueryTag(who);
    await run('select 1', {}, { queryTag: who });
    for (let i = 0; i < 20; i++) {
      const r = await run('select count(*) from table(information_schema.query_history_by_user(result_limit => 200)) where query_tag = :tag', { tag: { type: 'string', value: tag } });
      if (r.rows[0]![0] === 1) return;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    throw new Error('the tagged statement did not appear in the query history');
  }, 60_000);

  it('times a statement out in Snowflake, and cancels one on abort', async () => {
    await expect(run('call system$wait(5)', {}, { timeoutMs: 1000 })).rejects.toMatchObject({ code: 'timeout' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 1500);
    await expect(run('call system$wait(20)', {}, { signal: controller.signal })).rejects.toMatchObject({ code: 'cancelled' });
  }, 60_000);
});
