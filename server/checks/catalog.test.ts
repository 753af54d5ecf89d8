import { describe, expect, it } from 'vitest';
import { makeManifest } from '../testing/harness';
import { checksFor, statusOf } from './catalog';
import type { CheckResultRecord } from './types';

const last = (over: Partial<CheckResultRecord>): CheckResultRecord => ({
  id: 'r', env: 'demo', key: 'rb/c', sha256: 'a'.repeat(64), runbook: 'rb', step: 's', businessDate: '2026-11-30', value: 1, rows: 1, verdict: 'warn',
  detail: '', runId: null, ranBy: 'dana', origin: 'page', at: '2026-12-01T06:00:00.000Z', ...over,
});

describe('the list of checks for an environment', () => {
  const manifest = makeManifest({
    'rb/multi:duckdb': { text: 'select 1', dialect: 'duckdb', expect: 'rows > 0' },
    'rb/multi:postgres': { text: 'select 1', dialect: 'postgres', expect: 'rows > 0' },
    'rb/multi': { text: 'select 1', expect: 'rows > 0' },
    'rb/fallback-only': { text: 'select 1', expect: null, error: 'value > 1' },
    'rb/not-a-check': { text: 'select 1', expect: null },
    'rb/write-guard': { text: 'delete from t', mode: 'write', expect: 'affected > 0' },
    'rb/needs-approval': { text: 'select 1', role: 'escalation', expect: 'rows > 0' },
    'rb/prod-only': { text: 'select 1', envs: ['prod'], expect: 'rows > 0' },
    'rb/elsewhere': { text: 'select 1', target: 'source', expect: 'rows > 0' },
  });

  it("takes each check once, in the variant for the environment's engine, and leaves out writes, escalation steps and other environments", () => {
    expect(checksFor(manifest, 'demo', { warehouse: 'duckdb' }).map(([k]) => k).sort()).toEqual(['rb/fallback-only', 'rb/multi:duckdb']);
    expect(checksFor(manifest, 'pg', { warehouse: 'postgres', source: 'postgres' }).map(([k]) => k).sort()).toEqual(['rb/elsewhere', 'rb/fallback-only', 'rb/multi:postgres']);
    expect(checksFor(manifest, 'sf', { warehouse: 'snowflake' }).map(([k]) => k).sort()).toEqual(['rb/fallback-only', 'rb/multi']);
  });

  it('says not run, stale for another business date or a day-old undated result, else the verdict', () => {
    const now = new Date('2026-12-01T08:00:00.000Z');
    expect(statusOf(null, '2026-11-30', now)).toBe('not-run');
    expect(statusOf(last({}), '2026-11-30', now)).toBe('warn');
    expect(statusOf(last({}), '2026-12-01', now)).toBe('stale');
    expect(statusOf(last({ businessDate: null, verdict: 'ok' }), null, now)).toBe('ok');
    expect(statusOf(last({ businessDate: null, at: '2026-11-30T07:00:00.000Z' }), null, now)).toBe('stale');
  });
});
