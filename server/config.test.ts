import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, type ConnectionConfig } from './config';

/** Connections are a union by kind (duckdb, airflow); these tests read DuckDB paths. */
const duckdbPath = (c: ConnectionConfig | undefined) => (c?.kind === 'duckdb' ? c.path : undefined);

const minimal = 'environments:\n  demo:\n    connections:\n      warehouse: {kind: duckdb, path: demo.duckdb}\n';

describe('the configuration', () => {
  it('fills documented defaults', () => {
    const c = parseConfig(minimal, 'x.yaml');
    expect(c.limits).toMatchObject({ maxMessageBytes: 65536, rowsPerRun: 10000, rowsHardCap: 100000, statementTimeoutMs: 60000, runsPerSocket: 4, socketHighWaterBytes: 1048576, pingIntervalMs: 30000 });
    expect(c.limits).toMatchObject({ socketWindowSeconds: 10, socketMessagesPerWindow: 100, socketBytesPerWindow: 1048576, socketRefusalsBeforeClose: 20, httpWindowSeconds: 60, httpRequestsPerWindow: 300, httpExpensivePerWindow: 10 });
    expect(c.server).toEqual({ allowedOrigins: [] });
    expect(c.auth.mode).toBe('demo');
    expect(Object.isFrozen(c.environments.demo)).toBe(true);
  });

  it('takes public origins and a CSRF secret, and refuses a short secret', () => {
    const c = parseConfig(`${minimal}server: {publicOrigins: ["https://opsbook.internal"], csrfSecret: "\${S}"}\n`, 'x.yaml', { S: 'x'.repeat(40) });
    expect(c.server).toMatchObject({ publicOrigins: ['https://opsbook.internal'], csrfSecret: 'x'.repeat(40) });
    expect(() => parseConfig(`${minimal}server: {csrfSecret: short}\n`, 'x.yaml')).toThrow(/server\.csrfSecret: use at least 32 random characters/);
  });

  it('expands ${ENV} references and names a missing one by its path', () => {
    const text = 'environments:\n  demo:\n    connections:\n      warehouse: {kind: duckdb, path: "${DB_PATH}"}\n';
    expect(duckdbPath(parseConfig(text, 'x.yaml', { DB_PATH: '/data/w.duckdb' }).environments.demo!.connections.warehouse)).toBe('/data/w.duckdb');
    expect(() => parseConfig(text, 'x.yaml', {})).toThrow(/environments\.demo\.connections\.warehouse\.path: environment variable DB_PATH is not set/);
  });

  it('uses ${VAR:-default} when the variable is unset', () => {
    const text = 'environments:\n  demo:\n    connections:\n      warehouse: {kind: duckdb, path: "${DB_DIR:-.opsbook}/w.duckdb"}\n';
    expect(duckdbPath(parseConfig(text, 'x.yaml', {}).environments.demo!.connections.warehouse)).toBe('.opsbook/w.duckdb');
    expect(duckdbPath(parseConfig(text, 'x.yaml', { DB_DIR: '/tmp/x' }).environments.demo!.connections.warehouse)).toBe('/tmp/x/w.duckdb');
  });

  it('reports every mistake with its path', () => {
    const text = 'environments:\n  demo:\n    connections:\n      warehouse: {kind: mysql}\nlimits: {rowsPerRun: 500000, bogus: 1}\n';
    try {
      parseConfig(text, 'x.yaml');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const msg = (e as Error).message;
      expect(msg).toMatch(/environments\.demo\.connections\.warehouse\.kind/);
      expect(msg).toMatch(/limits/);
    }
  });

  it('rejects a row limit over the hard cap and a default environment that does not exist', () => {
    expect(() => parseConfig(`${minimal}limits: {rowsPerRun: 200000}\n`, 'x.yaml')).toThrow(/rowsPerRun must not exceed rowsHardCap/);
    expect(() => parseConfig(`${minimal}defaultEnvironment: prod\n`, 'x.yaml')).toThrow(/defaultEnvironment: "prod" is not one of the environments \(demo\)/);
  });

  it('says how to fix engine connection settings pasted from other tools', () => {
    const text = (conn: string) => `environments:\n  qa:\n    connections:\n      wh: ${conn}\n`;
    expect(() => parseConfig(text('{kind: oracle, connectString: "jdbc:oracle:thin:@//db:1521/ORCL", read: {user: u, password: p}}'), 'x.yaml')).toThrow(/environments\.qa\.connections\.wh\.connectString: .*JDBC URL.*host:port\/service_name/);
    expect(() => parseConfig(text('{kind: postgres, url: "db:5432/x"}'), 'x.yaml')).toThrow(/environments\.qa\.connections\.wh\.url: write a connection URL such as postgres:\/\//);
    expect(() => parseConfig(text('{kind: sqlserver, server: "db,1433", database: cdm, read: {user: u, password: p}}'), 'x.yaml')).toThrow(/environments\.qa\.connections\.wh\.server/);
  });

  it('rejects YAML that does not parse', () => {
    expect(() => parseConfig('environments: [', 'x.yaml')).toThrow(/not valid YAML/);
  });
});
