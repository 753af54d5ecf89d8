import { describe, expect, it } from 'vitest';
import { findPlaceholders, rewritePlaceholders } from './sqlPlaceholders';
import { coerceParamValue, parseParamDeclarations, parseParamType } from './params';
import { evaluateExpect, parseExpect } from './expect';
import { parseInfoAttributes } from './infoString';
import { classifySql } from './sqlKind';

const now = new Date(2026, 10, 23, 9, 30);

describe('SQL placeholders', () => {
  it('finds :name outside strings, quoted identifiers, comments, casts and dollar quotes', () => {
    const sql = `select ':skip', "a:b", x::date, $$ :no $$, col:path -- :comment
      /* :block */ from t where d = :business_date and n > :n and d2 = :business_date`;
    expect(findPlaceholders(sql).map((p) => p.name)).toEqual(['business_date', 'n', 'business_date']);
  });

  it('rewrites to each driver style, reusing positions for repeated names where the style allows', () => {
    const sql = 'select * from t where a = :x and b = :y and c = :x';
    expect(rewritePlaceholders(sql, 'dollar-name').text).toBe('select * from t where a = $x and b = $y and c = $x');
    expect(rewritePlaceholders(sql, 'dollar-index')).toEqual({ text: 'select * from t where a = $1 and b = $2 and c = $1', order: ['x', 'y'] });
    expect(rewritePlaceholders(sql, 'question')).toEqual({ text: 'select * from t where a = ? and b = ? and c = ?', order: ['x', 'y', 'x'] });
    expect(rewritePlaceholders(sql, 'at-name').text).toBe('select * from t where a = @x and b = @y and c = @x');
  });
});

describe('parameter declarations and values', () => {
  it('parses every type and keeps defaults as written', () => {
    const { params, errors } = parseParamDeclarations('d:date=today dt:datetime n:int=5 x:number=1.5 s:string=abc id:identifier=ldz.t e:enum(ldz|rdv)=rdv');
    expect(errors).toEqual([]);
    expect(params.map((p) => `${p.name}:${p.type}=${p.default}`)).toEqual(['d:date=today', 'dt:datetime=null', 'n:int=5', 'x:number=1.5', 's:string=abc', 'id:identifier=ldz.t', 'e:enum(ldz|rdv)=rdv']);
  });

  it('rejects malformed declarations, duplicates and bad enum lists', () => {
    expect(parseParamDeclarations('nocolon').errors[0]).toMatch(/not a declaration/);
    expect(parseParamDeclarations('a:int a:int').errors[0]).toMatch(/declared twice/);
    expect(parseParamType('enum()')).toHaveProperty('error');
  });

  const cases: [string, string, string | number | null][] = [
    ['date', 'today', '2026-11-23'],
    ['date', 'yesterday', '2026-11-22'],
    ['date', '2024-02-29', '2024-02-29'],
    ['date', '2026-02-29', null],
    ['date', '23/11/2026', null],
    ['datetime', '2026-11-23T08:15', '2026-11-23 08:15:00'],
    ['datetime', '2026-11-23T25:00', null],
    ['int', '42', 42],
    ['int', '4.2', null],
    ['int', '99999999999999999999', null],
    ['number', '-1.5e3', -1500],
    ['number', 'NaN', null],
    ['identifier', 'rdv.hub_customer', 'rdv.hub_customer'],
    ['identifier', 'x; drop table t', null],
    ['enum(ldz|rdv)', 'rdv', 'rdv'],
    ['enum(ldz|rdv)', 'mart', null],
  ];
  for (const [type, raw, expected] of cases) {
    it(`${expected === null ? 'rejects' : 'accepts'} ${JSON.stringify(raw)} as ${type}`, () => {
      const t = parseParamType(type);
      if ('error' in t) throw new Error(t.error);
      const r = coerceParamValue(t, raw, now);
      if (expected === null) expect(r.ok).toBe(false);
      else expect(r).toMatchObject({ ok: true, bound: { value: expected } });
    });
  }
});

describe('expect checks', () => {
  it('parses rows and value checks with every operator', () => {
    for (const op of ['=', '!=', '>', '>=', '<', '<=']) expect(parseExpect(`rows ${op} 3`)).toEqual({ subject: 'rows', op, operand: 3 });
    expect(parseExpect('value=0')).toEqual({ subject: 'value', op: '=', operand: 0 });
    expect(parseExpect('rows == 3')).toHaveProperty('error');
  });

  it('evaluates against the row count or the first value, counting numeric strings as numbers', () => {
    expect(evaluateExpect({ subject: 'rows', op: '>', operand: 0 }, 0, undefined)).toEqual({ passed: false, detail: '0 rows; expected rows > 0' });
    expect(evaluateExpect({ subject: 'value', op: '=', operand: 0 }, 1, '0').passed).toBe(true);
    expect(evaluateExpect({ subject: 'value', op: '=', operand: 0 }, 0, undefined)).toEqual({ passed: false, detail: 'no rows returned; expected value = 0' });
    expect(evaluateExpect({ subject: 'value', op: '>', operand: 0 }, 1, 'abc').passed).toBe(false);
  });
});

describe('fence attributes', () => {
  it('reads bare, double- and single-quoted values with their offsets', () => {
    expect(parseInfoAttributes(` id=a params="x:int=1 y:date" expect='rows>0'`)).toEqual({
      ok: true,
      attributes: [
        { name: 'id', value: 'a', offset: 1 },
        { name: 'params', value: 'x:int=1 y:date', offset: 6 },
        { name: 'expect', value: 'rows>0', offset: 30 },
      ],
    });
  });
  it('rejects an attribute without a value', () => {
    expect(parseInfoAttributes('id')).toMatchObject({ ok: false, message: expect.stringMatching(/has no value/) });
  });
});

describe('SQL classification', () => {
  it('finds DDL and writes by leading keyword, ignoring comments and strings', () => {
    expect(classifySql("-- drop table x\nselect 'delete from t' from t")).toEqual({ ddl: [], writes: [] });
    expect(classifySql('create table x as select 1; insert into x values (1)')).toEqual({ ddl: ['CREATE'], writes: ['INSERT'] });
    expect(classifySql('with a as (select 1) delete from t where x in (select * from a)').writes).toEqual(['DELETE']);
  });
});
