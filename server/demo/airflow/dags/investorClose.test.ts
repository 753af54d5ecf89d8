import { describe, expect, it } from 'vitest';
import { closedPeriod, monthlyCloseDag } from './investorClose';

describe('investor_monthly_close: which period a run closes', () => {
  it('closes the month before its business date, across a year end', () => {
    expect(closedPeriod('2026-12-01')).toEqual({ monthStart: '2026-11-01', monthEnd: '2026-11-30', quarterStart: null });
    expect(closedPeriod('2027-01-04')).toEqual({ monthStart: '2026-12-01', monthEnd: '2026-12-31', quarterStart: '2026-10-01' });
  });
  it('closes the quarter too when the month ends one, with the month\'s real last day', () => {
    expect(closedPeriod('2028-03-01')).toEqual({ monthStart: '2028-02-01', monthEnd: '2028-02-29', quarterStart: null });
    expect(closedPeriod('2026-07-01')).toEqual({ monthStart: '2026-06-01', monthEnd: '2026-06-30', quarterStart: '2026-04-01' });
  });
  it('has the task ids the job history records for the seed\'s closes', () => {
    expect(monthlyCloseDag.tasks.map((t) => t.taskId)).toEqual(['aggregate_profit_monthly', 'aggregate_profit_quarterly', 'aggregate_growth_monthly', 'aggregate_engagement_monthly']);
  });
});
