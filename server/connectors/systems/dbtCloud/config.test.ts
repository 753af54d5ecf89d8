/** `{kind: dbt-cloud}` in opsbook.config.yaml: what validates, and what is refused with the fix. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../config';

const withDbt = (dbt: string) => `environments:\n  dev:\n    connections:\n      warehouse: {kind: duckdb, path: w.duckdb}\n      dbt: ${dbt}\n`;

describe('dbt Cloud connections in the configuration', () => {
  it('takes the access URL, the account and a token from ${ENV}', () => {
    const config = parseConfig(withDbt('{kind: dbt-cloud, url: "https://ab123.us1.dbt.com", accountId: 70471823, token: "${DBT_CLOUD_API_TOKEN}"}'), 'c.yaml', { DBT_CLOUD_API_TOKEN: 'dbtc_x' });
    expect(config.environments.dev!.connections.dbt).toEqual({ kind: 'dbt-cloud', demo: false, url: 'https://ab123.us1.dbt.com', accountId: 70471823, token: 'dbtc_x' });
  });

  it('says what is missing and how to write it', () => {
    expect(() => parseConfig(withDbt('{kind: dbt-cloud, url: "https://cloud.getdbt.com"}'), 'c.yaml')).toThrow(/connections\.dbt\.accountId: set accountId to the number in your dbt Cloud URL[\s\S]*connections\.dbt\.token: set token: "\$\{DBT_CLOUD_API_TOKEN\}"/);
    expect(() => parseConfig(withDbt('{kind: dbt-cloud, demo: true, token: x}'), 'c.yaml')).toThrow(/a demo dbt Cloud connection takes no token/);
    expect(() => parseConfig(withDbt('{kind: dbt-cloud, url: "https://cloud.getdbt.com", accountId: 1, token: "${NOPE}"}'), 'c.yaml', {})).toThrow(/environment variable NOPE is not set/);
  });
});
