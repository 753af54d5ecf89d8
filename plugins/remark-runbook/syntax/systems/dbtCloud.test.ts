import { describe, expect, it } from 'vitest';
import { checkCommand, resolveCommand } from './grammar';
import { checkDbtStep, DBT_CLOUD_GRAMMAR } from './dbtCloud';

const check = (text: string) => checkCommand(DBT_CLOUD_GRAMMAR, text, [{ name: 'execution_date', type: 'date', default: 'yesterday' }, { name: 'run_id', type: 'int', default: null }]);

describe('dbt-cloud block grammar', () => {
  it('reads job runs as writes and run reads as reads, in dbt-cloud-cli words', () => {
    expect(check(`dbt-cloud job run --job-id 43167 --steps-override '["dbt run -m agg_sales_kpi"]'`)).toEqual({ command: 'job run', write: true });
    expect(check('dbt-cloud job run --job-name DailyRefresh --cause "Re-run after the gold fix" --wait')).toEqual({ command: 'job run', write: true });
    expect(check('dbt-cloud run list --job-name DailyRefresh --limit 5')).toEqual({ command: 'run list', write: false });
    expect(check('dbt-cloud run get --run-id {{run_id}}')).toEqual({ command: 'run get', write: false });
  });

  it('checks each step of a steps override as a dbt command', () => {
    expect(checkDbtStep('dbt run --select agg_sales_kpi+ --full-refresh')).toBeNull();
    expect(checkDbtStep(`dbt build -s tag:daily --vars '{"business_date": "2026-12-01"}'`)).toBeNull();
    expect(checkDbtStep('dbt source freshness')).toBeNull();
    expect(checkDbtStep('dbt test --full-refresh')).toMatch(/"--full-refresh" is not an option of dbt test/);
    expect(checkDbtStep('dbt explode')).toMatch(/"dbt explode" is not a dbt command a job step can run/);
    expect(checkDbtStep('rm -rf /')).toMatch(/is not a dbt command/);
    expect(checkDbtStep('dbt run --vars business_date')).toMatch(/--vars .* must be a YAML or JSON mapping/);
    expect(check(`dbt-cloud job run --job-id 43167 --steps-override '["dbt run --select x", "dbt tset"]'`)).toMatchObject({ error: expect.stringMatching(/--steps-override: "dbt tset" is not a dbt command/) });
    expect(check(`dbt-cloud job run --job-id 43167 --steps-override 'dbt run'`)).toMatchObject({ error: expect.stringMatching(/JSON list of dbt commands, as in dbt-cloud-cli/) });
  });

  it('wants exactly one way of naming the job, and ids that are ids', () => {
    expect(check('dbt-cloud job run')).toMatchObject({ error: 'dbt-cloud job run: name the job with --job-id 43167 or --job-name DailyRefresh (one of them).' });
    expect(check('dbt-cloud job run --job-id 1 --job-name DailyRefresh')).toMatchObject({ error: expect.stringMatching(/one of them/) });
    expect(check('dbt-cloud job run --job-id DailyRefresh')).toMatchObject({ column: 28, error: expect.stringMatching(/--job-id "DailyRefresh" is not a dbt Cloud id/) });
    expect(check('dbt-cloud run list --job-id 1 --limit 500')).toMatchObject({ error: expect.stringMatching(/--limit must be 1 to 100/) });
    expect(check('dbt-cloud job trigger --job-id 1')).toMatchObject({ column: 11, error: expect.stringMatching(/not one of the dbt Cloud commands.*dbt-cloud job run, dbt-cloud run list, dbt-cloud run get/) });
  });

  it('puts parameter values into the steps after the words are split', () => {
    const resolved = resolveCommand(DBT_CLOUD_GRAMMAR, `dbt-cloud job run --job-name DailyRefresh --steps-override '["dbt run -s agg_sales_kpi --vars \\"{business_date: {{d}}}\\""]'`, { d: { type: 'date', value: '2026-12-01' } });
    expect(resolved).toMatchObject({ ok: true, command: { flags: { jobName: 'DailyRefresh', steps: '["dbt run -s agg_sales_kpi --vars \\"{business_date: 2026-12-01}\\""]' } } });
    const bad = resolveCommand(DBT_CLOUD_GRAMMAR, 'dbt-cloud run get --run-id {{r}}', { r: { type: 'string', value: '1 --job-id 2' } });
    expect(bad).toMatchObject({ ok: false, message: expect.stringMatching(/--run-id "1 --job-id 2" is not a dbt Cloud id/) });
  });
});
