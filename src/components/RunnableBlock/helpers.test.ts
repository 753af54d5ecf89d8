import { describe, expect, it } from 'vitest';
import type { RunnableBlockSpec } from '@site/plugins/remark-runbook/types';
import type { EnvironmentInfo } from '@site/server/protocol';
import { cellText, isNumericColumn, toCsv } from './csv';
import { defaultValue, inputKind, wireValue } from './params';
import { chooseVariant } from './variant';

describe('params', () => {
  // What the server answered for the runbook's zone (GET /api/dates): the page never uses its own calendar.
  const now = { today: '2026-11-01', yesterday: '2026-10-31' };

  it('reads enum values from the declared type', () => {
    expect(inputKind('enum(a|b|c)')).toEqual({ kind: 'enum', values: ['a', 'b', 'c'] });
    expect(inputKind('int')).toEqual({ kind: 'int' });
  });

  it('shows today and yesterday as the server resolved them in the runbook zone, and nothing before it answered', () => {
    expect(defaultValue({ name: 'd', type: 'date', default: 'today' }, now)).toBe('2026-11-01');
    expect(defaultValue({ name: 'd', type: 'date', default: 'yesterday' }, now)).toBe('2026-10-31');
    expect(defaultValue({ name: 'd', type: 'datetime', default: 'today' }, now)).toBe('2026-11-01T00:00');
    expect(defaultValue({ name: 'd', type: 'date', default: 'today' }, null)).toBe('');
  });

  it('keeps literals and fits datetimes to datetime-local', () => {
    expect(defaultValue({ name: 'n', type: 'int', default: '7' }, now)).toBe('7');
    expect(defaultValue({ name: 't', type: 'datetime', default: '2026-11-01 06:00' }, now)).toBe('2026-11-01T06:00');
    expect(wireValue({ name: 't', type: 'datetime', default: null }, '2026-11-01T06:00')).toBe('2026-11-01T06:00:00');
  });

  it('preselects the first enum value when there is no default', () => {
    expect(defaultValue({ name: 'l', type: 'enum(ldz|rdv)', default: null }, now)).toBe('ldz');
  });
});

describe('csv', () => {
  it('quotes what needs quoting, leaves NULL empty and writes nested values as JSON', () => {
    const csv = toCsv(
      [
        { name: 'a', type: 'VARCHAR' },
        { name: 'b', type: 'STRUCT' },
      ],
      [
        ['x,"y"', { k: [1, null] }],
        [null, 'plain'],
      ],
    );
    expect(csv).toBe('a,b\r\n"x,""y""","{""k"":[1,null]}"\r\n,plain\r\n');
  });

  it('right-aligns numeric column types', () => {
    expect(isNumericColumn({ name: 'n', type: 'DECIMAL(18,2)' })).toBe(true);
    expect(isNumericColumn({ name: 'n', type: 'BIGINT' })).toBe(true);
    expect(isNumericColumn({ name: 's', type: 'VARCHAR' })).toBe(false);
    expect(cellText(true)).toBe('true');
  });
});

describe('chooseVariant', () => {
  const variant = (dialect: RunnableBlockSpec['variants'][number]['dialect']) => ({
    dialect,
    key: dialect ? `rb/q:${dialect}` : 'rb/q',
    sha256: 'f'.repeat(64),
    code: 'select 1',
  });
  const spec = (variants: RunnableBlockSpec['variants'], envs: string[] = ['*']): RunnableBlockSpec => ({
    runbook: 'rb',
    id: 'q',
    step: 's',
    lang: 'sql',
    title: null,
    role: 'service-team',
    approver: null,
    target: 'warehouse',
    envs,
    mode: 'read',
    params: [],
    expect: null,
    timezone: 'UTC',
    variants,
  });
  const env = (dialect: string | null): EnvironmentInfo => ({
    name: 'qa',
    label: 'QA',
    production: false,
    connections: [{ name: 'warehouse', kind: dialect ?? 'x', dialect }],
  });

  it('picks the variant of the environment’s engine, else the fallback', () => {
    const s = spec([variant('postgres'), variant(null)]);
    expect(chooseVariant(s, env('postgres'), 'ready')).toMatchObject({ variant: { key: 'rb/q:postgres' }, blocked: null });
    expect(chooseVariant(s, env('duckdb'), 'ready')).toMatchObject({ variant: { key: 'rb/q' }, blocked: null });
  });

  it('says plainly when no variant fits the engine', () => {
    const choice = chooseVariant(spec([variant('oracle')]), env('duckdb'), 'ready');
    expect(choice.variant).toBeNull();
    expect(choice.blocked).toMatch(/no SQL for duckdb/);
  });

  it('blocks environments the snippet is not allowed in, and offline pages', () => {
    expect(chooseVariant(spec([variant(null)], ['prod']), env('duckdb'), 'ready').blocked).toMatch(/only in: prod/);
    expect(chooseVariant(spec([variant(null)]), null, 'offline').blocked).toMatch(/offline/);
  });
});
