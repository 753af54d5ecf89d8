import { describe, expect, it } from 'vitest';
import type { ParamSpec } from '../../plugins/remark-runbook/types';
import { bindParams } from './bindParams';

const businessDate: ParamSpec = { name: 'business_date', type: 'date', default: 'today' };
const dayBefore: ParamSpec = { name: 'day_before', type: 'date', default: 'yesterday' };
// 20:00 UTC on 1 December is already 03:00 on 2 December in Bangkok (UTC+7).
const now = new Date('2026-12-01T20:00:00Z');

describe('bindParams resolves today and yesterday in the runbook zone', () => {
  it('gives the Bangkok date for an Asia/Bangkok runbook, whatever the server zone', () => {
    const bound = bindParams([businessDate, dayBefore], {}, now, 'Asia/Bangkok');
    expect(bound).toMatchObject({ ok: true, resolved: { business_date: '2026-12-02', day_before: '2026-12-01' } });
  });

  it('gives the UTC date for a UTC runbook at the same instant', () => {
    const bound = bindParams([businessDate, dayBefore], {}, now, 'UTC');
    expect(bound).toMatchObject({ ok: true, resolved: { business_date: '2026-12-01', day_before: '2026-11-30' } });
  });

  it('defaults to UTC when the runbook names no zone', () => {
    expect(bindParams([businessDate], {}, now, undefined)).toMatchObject({ ok: true, resolved: { business_date: '2026-12-01' } });
  });

  it('crosses a month and a year boundary on the zone calendar', () => {
    const newYear = new Date('2026-12-31T18:30:00Z');
    expect(bindParams([businessDate, dayBefore], {}, newYear, 'Asia/Bangkok')).toMatchObject({ ok: true, resolved: { business_date: '2027-01-01', day_before: '2026-12-31' } });
    expect(bindParams([businessDate], {}, newYear, 'America/New_York')).toMatchObject({ ok: true, resolved: { business_date: '2026-12-31' } });
  });

  it('binds "today" typed into the form the same way as the default', () => {
    expect(bindParams([businessDate], { business_date: 'today' }, now, 'Asia/Bangkok')).toMatchObject({ ok: true, binds: { business_date: { type: 'date', value: '2026-12-02' } } });
  });

  it('keeps an explicit date as sent', () => {
    expect(bindParams([businessDate], { business_date: '2026-11-15' }, now, 'Asia/Bangkok')).toMatchObject({ ok: true, resolved: { business_date: '2026-11-15' } });
  });
});
