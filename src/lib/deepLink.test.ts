import { describe, expect, it } from 'vitest';
import type { ParamSpec } from '@site/plugins/remark-runbook/types';
import { anchorNamesBlock, blockAnchor, buildDeepLink, checkValue, linkValuesFor, parseDeepLink, summarizeLink } from './deepLink';

const p = (name: string, type: string, def: string | null = null): ParamSpec => ({ name, type, default: def });

describe('reading a deep link', () => {
  it('takes the environment, every other value by name, and the decoded fragment', () => {
    expect(parseDeepLink('?env=prod&business_date=2026-11-30&source=ldz.orders', '#snippet-ldz-rows')).toEqual({
      env: 'prod',
      values: { business_date: '2026-11-30', source: 'ldz.orders' },
      anchor: 'snippet-ldz-rows',
    });
    expect(parseDeepLink('', '#investor-profit%2Fprofit-vs-average').anchor).toBe('investor-profit/profit-vs-average');
  });
  it('keeps the first of a repeated name and leaves out the site search highlight', () => {
    expect(parseDeepLink('business_date=2026-11-30&business_date=2026-11-29&_highlight=rows', '').values).toEqual({ business_date: '2026-11-30' });
  });
  it('reads no environment, values or fragment from a plain URL, and survives a malformed escape', () => {
    expect(parseDeepLink('', '')).toEqual({ env: null, values: {}, anchor: null });
    expect(parseDeepLink('?env=', '#%E0%A4%A').anchor).toBe('%E0%A4%A');
    expect(parseDeepLink('?env=', '').env).toBeNull();
  });
});

describe('checking a value from a link against the parameter it would fill', () => {
  it('accepts real dates only', () => {
    expect(checkValue(p('d', 'date'), '2026-11-30')).toEqual({ ok: true, value: '2026-11-30' });
    expect(checkValue(p('d', 'date'), '2026-02-30')).toEqual({ ok: false, reason: 'not a date (YYYY-MM-DD)' });
    expect(checkValue(p('d', 'date'), 'today')).toMatchObject({ ok: false });
  });
  it('gives a datetime written with a space the T the form needs', () => {
    expect(checkValue(p('t', 'datetime'), '2026-11-30 06:15')).toEqual({ ok: true, value: '2026-11-30T06:15' });
    expect(checkValue(p('t', 'datetime'), '2026-11-30T06:15:09')).toEqual({ ok: true, value: '2026-11-30T06:15:09' });
    expect(checkValue(p('t', 'datetime'), '2026-11-30')).toMatchObject({ ok: false });
  });
  it('checks numbers, names and choices, and says which choices exist', () => {
    expect(checkValue(p('n', 'int'), '42')).toMatchObject({ ok: true });
    expect(checkValue(p('n', 'int'), '4.2')).toEqual({ ok: false, reason: 'not a whole number' });
    expect(checkValue(p('x', 'number'), '-0.25')).toMatchObject({ ok: true });
    expect(checkValue(p('x', 'number'), '1e3')).toMatchObject({ ok: true });
    expect(checkValue(p('x', 'number'), 'NaN')).toMatchObject({ ok: false });
    expect(checkValue(p('t', 'identifier'), 'ldz.orders')).toMatchObject({ ok: true });
    expect(checkValue(p('t', 'identifier'), 'ldz.orders; drop table x')).toMatchObject({ ok: false });
    expect(checkValue(p('m', 'enum(full|delta)'), 'delta')).toMatchObject({ ok: true });
    expect(checkValue(p('m', 'enum(full|delta)'), 'all')).toEqual({ ok: false, reason: 'not one of full, delta' });
  });
  it('refuses an empty value, so the form keeps its default', () => {
    expect(checkValue(p('s', 'string'), '  ')).toEqual({ ok: false, reason: 'empty' });
  });
});

describe('what a link fills on a page', () => {
  const link = parseDeepLink('?env=demo&business_date=2026-11-30&mode=weekly&nonsense=1&limit=ten', '');
  const blocks = [
    [p('business_date', 'date', 'today'), p('mode', 'enum(daily|weekly)', null)],
    [p('business_date', 'date', 'yesterday'), p('limit', 'int', '10')],
    [],
  ];
  it('gives each block only its own valid parameters', () => {
    expect(linkValuesFor(blocks[0]!, link)).toEqual({ business_date: '2026-11-30', mode: 'weekly' });
    expect(linkValuesFor(blocks[1]!, link)).toEqual({ business_date: '2026-11-30' });
    expect(linkValuesFor(blocks[2]!, link)).toEqual({});
  });
  it('says which values filled how many blocks, and why the others were ignored', () => {
    expect(summarizeLink(link, blocks)).toEqual({
      applied: [
        { name: 'business_date', value: '2026-11-30', blocks: 2 },
        { name: 'mode', value: 'weekly', blocks: 1 },
      ],
      ignored: [
        { name: 'nonsense', value: '1', reason: 'not a parameter on this page' },
        { name: 'limit', value: 'ten', reason: 'not a whole number' },
      ],
    });
  });
});

describe('anchors and writing links', () => {
  const block = { runbook: 'investor-profit', id: 'profit-vs-average' };
  it('finds a block by its element id, its snippet id or its manifest key with or without a dialect', () => {
    for (const a of [blockAnchor('profit-vs-average'), 'profit-vs-average', 'investor-profit/profit-vs-average', 'investor-profit/profit-vs-average:duckdb']) {
      expect(anchorNamesBlock(a, block)).toBe(true);
    }
    expect(anchorNamesBlock('profit-vs-average-2', block)).toBe(false);
    expect(anchorNamesBlock(null, block)).toBe(false);
  });
  it('writes the environment first, leaves out empty values, and round-trips through the reader', () => {
    const url = buildDeepLink({ path: '/investor/profit-aggregate', env: 'prod', params: { business_date: '2026-11-30', note: 'a b&c', empty: '' }, anchor: 'snippet-profit' });
    expect(url).toBe('/investor/profit-aggregate?env=prod&business_date=2026-11-30&note=a+b%26c#snippet-profit');
    const back = parseDeepLink(url.slice(url.indexOf('?'), url.indexOf('#')), url.slice(url.indexOf('#')));
    expect(back).toEqual({ env: 'prod', values: { business_date: '2026-11-30', note: 'a b&c' }, anchor: 'snippet-profit' });
  });
  it('writes a bare path when there is nothing to carry', () => {
    expect(buildDeepLink({ path: '/retail/overview', env: null, params: {}, anchor: null })).toBe('/retail/overview');
  });
});
