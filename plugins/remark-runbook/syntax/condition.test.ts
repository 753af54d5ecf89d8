import { describe, expect, it } from 'vitest';
import { countsRows, historyWindows, isConditionError, parseCondition, type ParsedCondition } from './condition';

const ok = (text: string, deadline = false): ParsedCondition => {
  const p = parseCondition(text, deadline);
  if (isConditionError(p)) throw new Error(`${text}: ${p.error} at ${p.offset}`);
  return p;
};
const fail = (text: string, deadline = false) => {
  const p = parseCondition(text, deadline);
  if (!isConditionError(p)) throw new Error(`${text} parsed`);
  return p;
};

describe('check conditions', () => {
  it('reads the original expect forms', () => {
    expect(ok('rows>0').condition).toEqual({ kind: 'compare', op: '>', left: { kind: 'rows' }, right: { kind: 'number', value: 0, unit: 'plain' } });
    expect(ok('value = 0').condition).toMatchObject({ op: '=', left: { kind: 'value' } });
  });

  it('reads percentages as ratios and durations as seconds', () => {
    expect(ok('deviation(value, avg_7d) > 20%').condition).toEqual({
      kind: 'compare', op: '>',
      left: { kind: 'change', of: { kind: 'value' }, from: { kind: 'column', name: 'avg_7d' }, absolute: true },
      right: { kind: 'number', value: 0.2, unit: 'percent' },
    });
    expect(ok('age(loaded_at) < 2h').condition).toMatchObject({ left: { kind: 'age', column: 'loaded_at' }, right: { value: 7200, unit: 'duration' } });
    expect(ok('age(x) >= 90m').condition).toMatchObject({ right: { value: 5400 } });
  });

  it('reads history windows in runs and days, and a z-score with its minimum history', () => {
    const p = ok('value < 0.6 * avg(7 days) or zscore(30 runs, min 10) > 3 or value < previous');
    expect(historyWindows(p.condition)).toEqual([{ size: 7, unit: 'days' }, { size: 30, unit: 'runs' }, { size: 1, unit: 'runs' }]);
    expect(ok('zscore(14 days) > 3').condition).toMatchObject({ left: { kind: 'zscore', min: 5 } });
    expect(ok('change(avg(7 days)) < -25%').condition).toMatchObject({ left: { kind: 'change', of: { kind: 'value' }, from: { kind: 'aggregate', fn: 'avg' } } });
  });

  it('joins comparisons with and / or, and binds and tighter than or', () => {
    expect(ok('rows > 0 and value = 0 or rows = 0').condition).toMatchObject({ kind: 'or', parts: [{ kind: 'and' }, { kind: 'compare' }] });
  });

  it('takes a deadline on expect only, the morning after the business date unless same day', () => {
    expect(ok('value = 0 by 08:30 UTC', true).deadline).toEqual({ hour: 8, minute: 30, zone: 'UTC', dayOffset: 1 });
    expect(ok('rows > 0 by 06:00 Asia/Bangkok same day', true).deadline).toEqual({ hour: 6, minute: 0, zone: 'Asia/Bangkok', dayOffset: 0 });
    expect(fail('value = 0 by 08:30 UTC').error).toMatch(/belongs on expect/);
    expect(fail('value = 0 by 25:00 UTC', true).error).toMatch(/not a time of day/);
    expect(fail('value = 0 by 08:00 Mars/Olympus', true).error).toMatch(/not a known time zone/);
  });

  it('compares a column with quoted text, and counts the result rows a condition holds for', () => {
    expect(ok("status = 'Success'").condition).toEqual({ kind: 'compare', op: '=', left: { kind: 'column', name: 'status' }, right: { kind: 'text', value: 'Success' } });
    expect(ok("count(status = 'Error' or status = 'Cancelled') = 0").condition).toMatchObject({
      op: '=', left: { kind: 'count', text: "status = 'Error' or status = 'Cancelled'", where: { kind: 'or' } }, right: { value: 0 },
    });
    expect(ok("rows > 0 and count(size = 0) = 0").condition).toMatchObject({ kind: 'and' });
    expect(countsRows(ok("count(status != 'pass') = 0").condition)).toBe(true);
    expect(countsRows(ok('value = 0').condition)).toBe(false);
  });

  it('says where text is misused: ordered, in arithmetic, against a number, or not closed', () => {
    expect(fail("status > 'a'")).toMatchObject({ offset: 7, error: expect.stringMatching(/Text compares with = or != only/) });
    expect(fail("value = 'a'")).toMatchObject({ offset: 8, error: expect.stringMatching(/compare it with a column/) });
    expect(fail("status = 'a' + 1")).toMatchObject({ offset: 9, error: expect.stringMatching(/stands alone/) });
    expect(fail("status = 'Succ")).toMatchObject({ offset: 9, error: expect.stringMatching(/not closed/) });
    expect(fail('count > 0').error).toMatch(/count\(status = 'Error'\)/);
    expect(fail("count(status = 'x' > 0").error).toMatch(/Expected "\)" to close count/);
  });

  it('points at the mistake and says how to fix it', () => {
    expect(fail('value >')).toMatchObject({ offset: 7, error: expect.stringMatching(/ends where a number/) });
    expect(fail('value 20%')).toMatchObject({ offset: 6, error: expect.stringMatching(/Expected a comparison/) });
    expect(fail('avg(7 weeks) > 1')).toMatchObject({ offset: 6, error: expect.stringMatching(/runs or days/) });
    expect(fail('median(7 days) > 1')).toMatchObject({ offset: 0, error: expect.stringMatching(/Unknown function "median"/) });
    expect(fail('age(loaded_at) < 2')).toMatchObject({ error: expect.stringMatching(/duration/) });
    expect(fail('avg > 1').error).toMatch(/needs parentheses/);
    expect(fail('value > 1 value').error).toMatch(/Unexpected "value"/);
    expect(fail('value ~ 1')).toMatchObject({ offset: 6 });
    expect(fail('zscore(30 days, max 3) > 3').error).toMatch(/min N/);
    expect(fail('avg(0 days) > 1').error).toMatch(/1 to 400/);
    expect(fail('').error).toMatch(/empty/);
  });
});
