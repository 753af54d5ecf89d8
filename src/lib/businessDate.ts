/**
 * Which parameters of a check name its data day, so one date picked for a report — Run all checks on a
 * runbook, the Health page, a deep link from the Health page — fills them, and every other parameter keeps
 * its default.
 */

/** Date parameters that name the data day (business_date, batch_date, report_date…): the report's date fills them. */
const BUSINESS_DATE = /^(business|batch|report|data|load)_?(date|day)$/;

interface HasParams {
  readonly params?: readonly { readonly name: string; readonly type: string }[];
}

export function businessDateParams(check: HasParams): string[] {
  return (check.params ?? []).filter((p) => p.type === 'date' && BUSINESS_DATE.test(p.name)).map((p) => p.name);
}

/** What one check is sent: the picked date for its business-date parameters; nothing else (defaults apply). */
export function reportParams(check: HasParams, businessDate: string | null): Record<string, string> {
  if (!businessDate) return {};
  return Object.fromEntries(businessDateParams(check).map((name) => [name, businessDate]));
}
