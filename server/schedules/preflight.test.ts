/**
 * A schedule the server would refuse is refused by `--check-config` first: an unknown runbook, a write, or a
 * cron expression pg-boss cannot read on the PostgreSQL store. Said before a deploy, with the schedule and the
 * reason, instead of by a server that will not start (or a schedule that never fires).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../config';
import { makeManifest } from '../testing/harness';
import { preflightSchedules } from './preflight';

const siteDir = path.resolve(__dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-preflight-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const manifestFile = path.join(dir, 'manifest.json');
fs.writeFileSync(
  manifestFile,
  JSON.stringify(
    makeManifest({
      'daily/loaded': { expect: 'rows > 0', text: 'select 1' },
      'daily/fix': { mode: 'write', text: 'update loads set status = 1' },
    }),
  ),
);

const configWith = (schedule: string, audit = '') =>
  `environments: {demo: {connections: {warehouse: {kind: duckdb, path: ${JSON.stringify(path.join(dir, 'w.duckdb'))}}}}}\n${audit}schedules:\n  - ${schedule}\n`;

describe('--check-config and schedules', () => {
  it('lists a schedule the runbooks allow, with what it runs', () => {
    const config = parseConfig(configWith('{name: morning, cron: "0 7 * * *", env: demo, checks: [daily]}'), 't.yaml');
    expect(preflightSchedules(config, manifestFile, dir)).toEqual({ ok: true, lines: ['OK    schedule morning: "0 7 * * *" UTC, demo, 1 check'] });
  });

  it('refuses a schedule naming an unknown runbook or a write, with the reason', () => {
    const config = parseConfig(configWith('{name: morning, cron: "0 7 * * *", env: demo, checks: [dialy, daily/fix]}'), 't.yaml');
    const result = preflightSchedules(config, manifestFile, dir);
    expect(result.ok).toBe(false);
    expect(result.lines).toEqual([
      'FAIL  schedules: the server would refuse to start (checked against manifest.json):',
      '  - schedules.0.checks (morning): "dialy" is neither a runbook id, a check key nor "all"',
      '  - schedules.0.checks (morning): "daily/fix" cannot be scheduled: it writes (mode=write); a schedule runs read-only checks of service-team steps only',
    ]);
  });

  it('says the schedules were not checked against the runbooks when there is no manifest yet', () => {
    const config = parseConfig(configWith('{name: morning, cron: "0 7 * * *", env: demo, checks: [daily]}'), 't.yaml');
    expect(preflightSchedules(config, path.join(dir, 'none.json'), dir)).toEqual({ ok: true, lines: ['Schedules: not checked against the runbooks — no manifest at none.json (npm run build makes it).'] });
  });

  it('refuses on PostgreSQL a cron expression pg-boss cannot read, or one with seconds; the embedded store takes them', () => {
    const pg = 'audit: {store: postgres, url: "postgres://postgres@127.0.0.1:5432/x"}\n';
    expect(() => parseConfig(configWith('{name: m, cron: "0 7 15W * *", env: demo, checks: [daily]}', pg), 't.yaml')).toThrow(/schedules\.0\.cron: pg-boss cannot read "0 7 15W \* \*"/);
    expect(() => parseConfig(configWith('{name: m, cron: "*/30 * * * * *", env: demo, checks: [daily]}', pg), 't.yaml')).toThrow(/schedules\.0\.cron: with audit\.store postgres schedules are minute-granular/);
    expect(() => parseConfig(configWith('{name: m, cron: "0 7 * * MON-FRI", timezone: Europe/London, env: demo, checks: [daily]}', pg), 't.yaml')).not.toThrow();
    expect(() => parseConfig(configWith('{name: m, cron: "0 7 15W * *", env: demo, checks: [daily]}'), 't.yaml')).not.toThrow();
    expect(() => parseConfig(configWith('{name: m, cron: "*/30 * * * * *", env: demo, checks: [daily]}'), 't.yaml')).not.toThrow();
  });

  it('exits 1 from the real command and names the schedule', () => {
    const file = path.join(dir, 'opsbook.yaml');
    fs.writeFileSync(file, configWith('{name: morning, cron: "0 7 * * *", env: demo, checks: [daily/fix]}'));
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/index.ts', '--check-config'], {
      cwd: siteDir,
      env: { ...process.env, OPSBOOK_CONFIG: file, OPSBOOK_MANIFEST: manifestFile },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.stdout).toMatch(/All 2 profiles answered\./);
    expect(r.stdout).toMatch(/FAIL {2}schedules: the server would refuse to start[\s\S]*"daily\/fix" cannot be scheduled: it writes/);
    expect(r.status).toBe(1);
  }, 150_000);
});
