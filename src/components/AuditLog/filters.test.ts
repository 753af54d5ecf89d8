import { describe, expect, it } from 'vitest';
import { apiQuery, EMPTY_FILTERS, filtersFromSearch, filtersToQuery } from './filters';

describe('audit filters', () => {
  it('round-trips through the page URL, leaving defaults out', () => {
    const f = { ...EMPTY_FILTERS, runbook: 'canonical-daily-batch', status: 'failed', from: '2026-11-01', offset: 200 };
    const search = filtersToQuery(f);
    expect(search).toBe('?runbook=canonical-daily-batch&status=failed&from=2026-11-01&offset=200');
    expect(filtersFromSearch(search)).toEqual(f);
  });

  it('drops malformed dates and paging values', () => {
    expect(filtersFromSearch('?from=yesterday&to=2026-11-30&limit=-5&offset=x')).toEqual({ ...EMPTY_FILTERS, to: '2026-11-30' });
  });

  it('gives the API an explicit page, and the CSV export every matching record', () => {
    expect(apiQuery(EMPTY_FILTERS)).toBe('?limit=100&offset=0');
    expect(filtersToQuery({ ...EMPTY_FILTERS, user: 'dana', limit: 50, offset: 50 }, false)).toBe('?user=dana');
  });
});
