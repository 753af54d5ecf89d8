/**
 * `expect` checks (DESIGN.md §3): `rows OP N` (the number of rows returned), `value OP N` (the first
 * column of the first row), or — for writes — `affected OP N` (the rows the write changed, checked inside
 * its transaction so a write that misses its target rolls back). Parsed at build time, evaluated by the server.
 */
export const EXPECT_OPERATORS = ['=', '!=', '>=', '<=', '>', '<'] as const;
export type ExpectOperator = (typeof EXPECT_OPERATORS)[number];

export interface ExpectCheck {
  readonly subject: 'rows' | 'value' | 'affected';
  readonly op: ExpectOperator;
  readonly operand: number;
}

const EXPECT = /^\s*(rows|value|affected)\s*(!=|>=|<=|=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$/;

export function parseExpect(text: string): ExpectCheck | { readonly error: string } {
  const m = EXPECT.exec(text);
  if (!m) {
    return {
      error: `expect="${text}" is not a check. Write "rows OP N", "value OP N" or, for a write, "affected OP N", with OP one of = != > >= < <=, e.g. expect="rows>0", expect="value = 0" or expect="affected > 0".`,
    };
  }
  return { subject: m[1] as ExpectCheck['subject'], op: m[2] as ExpectOperator, operand: Number(m[3]) };
}

function compare(actual: number, op: ExpectOperator, operand: number): boolean {
  switch (op) {
    case '=':
      return actual === operand;
    case '!=':
      return actual !== operand;
    case '>':
      return actual > operand;
    case '>=':
      return actual >= operand;
    case '<':
      return actual < operand;
    case '<=':
      return actual <= operand;
  }
}

/**
 * Evaluates a check. `firstValue` is the first cell of the first row (undefined when there is no row);
 * numeric strings count as numbers because bigint and decimal travel as strings.
 */
export function evaluateExpect(
  check: ExpectCheck,
  rowCount: number,
  firstValue: unknown,
  rowsAffected: number | null = null,
): { readonly passed: boolean; readonly detail: string } {
  const wanted = `${check.subject} ${check.op} ${check.operand}`;
  if (check.subject === 'affected') {
    if (rowsAffected === null) return { passed: false, detail: `the engine did not report rows changed; expected ${wanted}` };
    const passed = compare(rowsAffected, check.op, check.operand);
    return { passed, detail: `${rowsAffected} row${rowsAffected === 1 ? '' : 's'} changed; expected ${wanted}` };
  }
  if (check.subject === 'rows') {
    const passed = compare(rowCount, check.op, check.operand);
    return { passed, detail: `${rowCount} row${rowCount === 1 ? '' : 's'}; expected ${wanted}` };
  }
  if (firstValue === undefined) return { passed: false, detail: `no rows returned; expected ${wanted}` };
  const numeric =
    typeof firstValue === 'number'
      ? firstValue
      : typeof firstValue === 'string' && firstValue.trim() !== '' && Number.isFinite(Number(firstValue))
        ? Number(firstValue)
        : typeof firstValue === 'boolean'
          ? Number(firstValue)
          : NaN;
  if (Number.isNaN(numeric)) {
    return { passed: false, detail: `first value ${JSON.stringify(firstValue)} is not a number; expected ${wanted}` };
  }
  return { passed: compare(numeric, check.op, check.operand), detail: `value ${numeric}; expected ${wanted}` };
}
