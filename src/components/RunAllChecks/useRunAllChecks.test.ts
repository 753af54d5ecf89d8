import { describe, expect, it } from 'vitest';
import { businessDateParams, outcomeOf, reportParams, summarize } from './useRunAllChecks';

const done = (over: object) => ({ type: 'done' as const, id: 'x', status: 'succeeded' as const, rowCount: 1, truncated: false, elapsedMs: 12, ...over });

describe('run all checks', () => {
  it('counts a passed and a failed check by the check result, and anything without one as an error', () => {
    expect(outcomeOf(done({ check: { passed: true, detail: 'value 0; expected value = 0' } }))).toEqual({ state: 'passed', detail: 'value 0; expected value = 0', elapsedMs: 12 });
    expect(outcomeOf(done({ status: 'failed', check: { passed: false, detail: '3 rows' } }))).toMatchObject({ state: 'failed' });
    expect(outcomeOf(done({ check: { passed: true, detail: 'value 80; 7-day average 100', verdict: 'warn', threshold: 'value < avg(7d) * 0.85' } }))).toEqual({
      state: 'warned',
      detail: 'value 80; 7-day average 100',
      elapsedMs: 12,
      threshold: 'value < avg(7d) * 0.85',
    });
    expect(outcomeOf(done({ status: 'failed', error: { code: 'connector_error', message: 'Catalog Error' } }))).toEqual({ state: 'error', detail: 'connector_error: Catalog Error', elapsedMs: 12 });
  });
  it('summarizes outcomes', () => {
    expect(summarize([{ state: 'passed', detail: '', elapsedMs: 1 }, { state: 'failed', detail: '', elapsedMs: 1 }, { state: 'error', detail: '', elapsedMs: 1 }, { state: 'skipped', detail: '' }], 900)).toEqual({ passed: 1, warned: 0, failed: 1, errors: 1, skipped: 1, elapsedMs: 900 });
  });
  it('gives the picked business date to date parameters named like it, and leaves every other parameter to its default', () => {
    const check = {
      params: [
        { name: 'business_date', type: 'date', default: 'today' },
        { name: 'report_date', type: 'date', default: 'yesterday' },
        { name: 'logical_date', type: 'date', default: 'yesterday' },
        { name: 'business_day_label', type: 'string', default: 'x' },
        { name: 'limit', type: 'int', default: '10' },
      ],
    };
    expect(businessDateParams(check)).toEqual(['business_date', 'report_date']);
    expect(reportParams(check, '2026-11-28')).toEqual({ business_date: '2026-11-28', report_date: '2026-11-28' });
    expect(reportParams(check, null)).toEqual({});
    expect(reportParams({ params: [] }, '2026-11-28')).toEqual({});
  });
});
