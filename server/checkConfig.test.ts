import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from './config';
import { checkConnections, formatChecks } from './checkConfig';
import { postgresUrl } from './testing/postgres';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-check-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('--check-config', () => {
  it('tries every profile and reports each, failures with the reason', async () => {
    const config = parseConfig(
      `environments:
  demo:
    connections:
      warehouse: {kind: duckdb, path: w.duckdb}
  dev:
    connections:
      source: {kind: postgres, url: "${postgresUrl()}", write: {url: "postgres://nobody@127.0.0.1:1/none"}}
`,
      'check.yaml',
    );
    const results = await checkConnections(config, dir);
    expect(results.map((r) => [r.env, r.connection, r.profile, r.ok])).toEqual([
      ['demo', 'warehouse', 'read', true],
      ['demo', 'warehouse', 'write', true],
      ['dev', 'source', 'read', expect.any(Boolean)],
      ['dev', 'source', 'write', false],
    ]);
    expect(results[3]!.detail).toMatch(/Cannot connect to PostgreSQL/);
    const text = formatChecks(results, path.join(dir, 'check.yaml'), dir);
    expect(text).toMatch(/^Configuration check\.yaml is valid\./);
    expect(text).toMatch(/FAIL\s+dev\s+source\s+postgres\s+write/);
    expect(text).toMatch(/profiles failed\.$/);
  });
});
