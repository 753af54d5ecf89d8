/**
 * A snippet's `:name` placeholders are Databricks' own named parameter markers, so the text goes as
 * written and each value travels separately as {name, value, type}: values never enter the SQL. Values
 * are text typed by `type`; datetime parameters carry no zone, so they are TIMESTAMP_NTZ.
 */
import type { BoundValue } from '../../../plugins/remark-runbook/syntax/params';
import { findPlaceholders } from '../../../plugins/remark-runbook/syntax/sqlPlaceholders';
import { ConnectorError } from '../types';
import type { StatementParameter } from './wire';

const TYPES: Readonly<Record<BoundValue['type'], string>> = {
  int: 'BIGINT',
  number: 'DOUBLE',
  string: 'STRING',
  date: 'DATE',
  datetime: 'TIMESTAMP_NTZ',
};

export function toParameters(sql: string, binds: Readonly<Record<string, BoundValue>>): StatementParameter[] {
  const out = new Map<string, StatementParameter>();
  for (const p of findPlaceholders(sql)) {
    if (out.has(p.name)) continue; // a marker may appear several times; it is bound once
    const bound = binds[p.name];
    if (!bound) throw new ConnectorError('connector_error', `The snippet uses :${p.name} but no value was bound for it.`, 'Declare the parameter in the fence (params="…") so the page asks for it.');
    out.set(p.name, { name: p.name, value: String(bound.value), type: TYPES[bound.type] });
  }
  return [...out.values()];
}
