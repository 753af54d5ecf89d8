import { describe, expect, it } from 'vitest';
import { KEPT_PAGE_ROWS, KEPT_PAGES_HELD, KeptPageCache, keptSearch, type KeptPageAnswer } from './keptPages';

/** A server of `total` numbered rows that answers when the test says so. */
function server(total: number) {
  const asked: { offset: number; limit: number }[] = [];
  const pending: (() => void)[] = [];
  const fetchPage = (offset: number, limit: number): Promise<KeptPageAnswer> => {
    asked.push({ offset, limit });
    return new Promise((resolve) =>
      pending.push(() => resolve({ columns: [{ name: 'n', type: 'BIGINT' }], total, offset, rows: Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, k) => [String(offset + k)]) })),
    );
  };
  const answerAll = async () => {
    while (pending.length) pending.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { asked, fetchPage, answerAll };
}

describe('the page cache of a kept result', () => {
  it('fetches only the pages in view, once each, and gives their rows by index', async () => {
    const s = server(1_000_000);
    let changes = 0;
    const cache = new KeptPageCache(s.fetchPage, () => (changes += 1));
    cache.want(499, 520);
    cache.want(499, 520); // still on the way: not asked twice
    expect(s.asked).toEqual([{ offset: 0, limit: KEPT_PAGE_ROWS }, { offset: 500, limit: KEPT_PAGE_ROWS }]);
    expect(cache.rowAt(510)).toBeUndefined();
    await s.answerAll();
    expect(changes).toBe(2);
    expect(cache.total).toBe(1_000_000);
    expect(cache.rowAt(510)).toEqual(['510']);
    cache.want(0, 10);
    expect(s.asked).toHaveLength(2);
  });

  it('holds a bounded number of pages however far the grid scrolls', async () => {
    const s = server(1_000_000);
    const cache = new KeptPageCache(s.fetchPage, () => undefined);
    for (let row = 0; row < 1_000_000; row += 25_000) {
      cache.want(row, row + 30);
      await s.answerAll();
      expect(cache.heldPages).toBeLessThanOrEqual(KEPT_PAGES_HELD);
    }
    // The rows in view are among those held.
    expect(cache.rowAt(975_010)).toEqual(['975010']);
    expect(cache.rowAt(0)).toBeUndefined();
  });

  it('keeps the failure to show (an expired result) and stops after dispose', async () => {
    const cache = new KeptPageCache(() => Promise.reject(new Error('This result is no longer kept on the server: it expired. Run it again to get a fresh result.')), () => undefined);
    cache.want(0, 10);
    await new Promise((resolve) => setImmediate(resolve));
    expect(cache.error?.message).toMatch(/Run it again/);
    const s = server(10);
    const disposed = new KeptPageCache(s.fetchPage, () => undefined);
    disposed.dispose();
    disposed.want(0, 5);
    expect(s.asked).toEqual([]);
  });

  it('puts the sort and filter in the query string, offset and limit only for a page', () => {
    expect(keptSearch({ sort: { column: 2, descending: true }, filter: 'order 9' }, { offset: 500, limit: 500 })).toBe('offset=500&limit=500&sort=2&desc=1&filter=order+9');
    expect(keptSearch({ sort: { column: 0, descending: false }, filter: '' })).toBe('sort=0');
  });
});
