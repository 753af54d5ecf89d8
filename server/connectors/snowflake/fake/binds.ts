/**
 * Snowflake's typed bindings, as the Node driver sends them ({"1": {type: FIXED|REAL|TEXT|BOOLEAN,
 * value: text}}), bound to a DuckDB prepared statement with the same types.
 */
import type { DuckDBPreparedStatement } from '@duckdb/node-api';
import type { QueryBody } from './engine';
import { failures } from './errors';

/** Snowflake's typed bindings ({"1": {type, value}}) as DuckDB parameters of the same types. */
export function bind(prepared: DuckDBPreparedStatement, body: QueryBody): void {
  const bindings = Object.entries(body.bindings ?? {}).sort(([a], [b]) => Number(a) - Number(b));
  if (bindings.length < prepared.parameterCount) throw failures.bindNotSet();
  for (let i = 1; i <= prepared.parameterCount; i++) {
    const { type, value } = bindings[i - 1]![1];
    if (value === null) prepared.bindNull(i);
    else if (type === 'FIXED' && /^-?\d+$/.test(value)) {
      const n = BigInt(value);
      if (n >= -(2n ** 63n) && n < 2n ** 63n) prepared.bindBigInt(i, n);
      else prepared.bindHugeInt(i, n);
    } else if (type === 'FIXED' || type === 'REAL') prepared.bindDouble(i, Number(value));
    else if (type === 'BOOLEAN') prepared.bindBoolean(i, value === 'true' || value === '1');
    else prepared.bindVarchar(i, value);
  }
}
