import { describe, expect, it } from 'vitest';
import { checkCommand, resolveCommand } from './grammar';
import { DATABRICKS_GRAMMAR } from './databricks';

const params = [{ name: 'tables', type: 'string', default: 'silver_dim_orders' }, { name: 'update', type: 'string', default: null }];
const check = (text: string) => checkCommand(DATABRICKS_GRAMMAR, text, params);

describe('databricks (DLT pipelines) block grammar', () => {
  it('reads start-update and stop as writes, get-update and events as reads, in the databricks CLI words', () => {
    expect(check('databricks pipelines start-update "ecommerce_dlt" --full-refresh')).toEqual({ command: 'pipelines start-update', write: true });
    expect(check('databricks pipelines start-update "ecommerce_dlt" --refresh silver_dim_orders,gold_sales_analytics')).toEqual({ command: 'pipelines start-update', write: true });
    expect(check('databricks pipelines start-update ecommerce_dlt --full-refresh-selection bronze_orders --refresh gold_sales_analytics --cause "gold re-run"')).toEqual({ command: 'pipelines start-update', write: true });
    expect(check('databricks pipelines start-update 0f2b7d1e-8a8e-4c55-9b8a-3a1d2c4e5f60')).toEqual({ command: 'pipelines start-update', write: true });
    expect(check('databricks pipelines get-update "ecommerce_dlt"')).toEqual({ command: 'pipelines get-update', write: false });
    expect(check('databricks pipelines events "ecommerce_dlt" --level WARN,ERROR --max-results 50')).toEqual({ command: 'pipelines events', write: false });
    expect(check('databricks pipelines stop "ecommerce_dlt"')).toEqual({ command: 'pipelines stop', write: true });
  });

  it('reads the events of one update, or of the latest with --update-id latest (get-update has its own default)', () => {
    expect(check('databricks pipelines events "ecommerce_dlt" --update-id latest --level INFO')).toEqual({ command: 'pipelines events', write: false });
    expect(check('databricks pipelines events "ecommerce_dlt" --update-id 0f2b7d1e-8a8e-4c55-9b8a-3a1d2c4e5f60')).toEqual({ command: 'pipelines events', write: false });
    expect(check('databricks pipelines events "ecommerce_dlt" --update-id newest')).toMatchObject({ error: expect.stringMatching(/"newest" is not an update id .* or latest/) });
    expect(check('databricks pipelines get-update "ecommerce_dlt" --update-id latest')).toMatchObject({ error: expect.stringMatching(/"latest" is not an update id/) });
  });

  it('says what is wrong, where', () => {
    expect(check('databricks pipelines start-update "ecommerce_dlt" --full-refresh --refresh gold_sales_analytics')).toMatchObject({ error: expect.stringMatching(/--full-refresh rebuilds every table; give it alone/) });
    expect(check('databricks pipelines start-update "ecommerce_dlt" --refresh "silver orders"')).toMatchObject({ column: 61, error: expect.stringMatching(/"silver orders" is not a table name/) });
    expect(check('databricks pipelines events "ecommerce_dlt" --level WARNING')).toMatchObject({ error: expect.stringMatching(/"WARNING" is not an event level: INFO, WARN, ERROR, METRICS/) });
    expect(check('databricks pipelines get-update "ecommerce_dlt" --update-id 42')).toMatchObject({ error: expect.stringMatching(/"42" is not an update id/) });
    expect(check('databricks pipelines start-update')).toMatchObject({ error: expect.stringMatching(/needs the pipeline/) });
    expect(check("databricks pipelines start-update \"ecomm%\"")).toMatchObject({ error: expect.stringMatching(/must be a pipeline name/) });
    expect(check('databricks pipelines delete "ecommerce_dlt"')).toMatchObject({ column: 12, error: expect.stringMatching(/not one of the Databricks commands.*databricks pipelines start-update, databricks pipelines get-update, databricks pipelines events, databricks pipelines stop/) });
    expect(check('databricks jobs run-now 1')).toMatchObject({ error: expect.stringMatching(/not one of the Databricks commands/) });
    expect(check('databricks pipelines start-update "ecommerce_dlt" --refresh {{nope}}')).toMatchObject({ error: expect.stringMatching(/Parameter "nope" is used but not declared/) });
  });

  it('checks parameter values once they are known, inside the word they were written in', () => {
    const ok = resolveCommand(DATABRICKS_GRAMMAR, 'databricks pipelines start-update "ecommerce_dlt" --refresh {{tables}}', { tables: { type: 'string', value: 'silver_dim_orders,gold_sales_analytics' } });
    expect(ok).toEqual({ ok: true, command: { name: 'pipelines start-update', write: true, args: { pipeline: 'ecommerce_dlt' }, flags: { refresh: 'silver_dim_orders,gold_sales_analytics' } } });
    const bad = resolveCommand(DATABRICKS_GRAMMAR, 'databricks pipelines start-update "ecommerce_dlt" --refresh {{tables}}', { tables: { type: 'string', value: 'x --full-refresh' } });
    expect(bad).toMatchObject({ ok: false, message: expect.stringMatching(/"x --full-refresh" is not a table name/) });
  });
});
