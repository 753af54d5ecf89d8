/** Audit records as CSV (RFC 4180), with cells that could start a spreadsheet formula defused. */
import type { AuditRecord } from '../api';

const COLUMNS: readonly (keyof AuditRecord)[] = ['at', 'kind', 'user', 'roles', 'runbook', 'step', 'snippet', 'sha256', 'env', 'params', 'approval', 'runId', 'startedAt', 'endedAt', 'status', 'rowCount', 'check', 'errorCode', 'detail', 'id'];

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(records: readonly AuditRecord[]): string {
  return [COLUMNS.join(','), ...records.map((r) => COLUMNS.map((c) => cell(r[c])).join(','))].join('\r\n') + '\r\n';
}
