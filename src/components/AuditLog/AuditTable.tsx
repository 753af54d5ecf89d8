import type { ReactNode } from 'react';
import clsx from 'clsx';
import Link from '@docusaurus/Link';
import type { AuditRecord } from '@site/server/api';
import { useEnvironments } from '@site/src/lib/environment';
import DataTable from '@site/src/components/DataTable';
import styles from './styles.module.css';

const KIND_TEXT: Record<AuditRecord['kind'], string> = { run: 'run', approval_request: 'request', approval_decision: 'decision', operation: 'operation', page: 'page', result_read: 'result read' };

/** Word, icon and tone per status: colour is never the only carrier of the meaning. */
const STATUS_LOOK: Record<AuditRecord['status'], { readonly icon: string; readonly tone: 'ok' | 'bad' | 'warn' | 'info' }> = {
  succeeded: { icon: '✓', tone: 'ok' },
  approved: { icon: '✓', tone: 'ok' },
  failed: { icon: '✗', tone: 'bad' },
  rejected: { icon: '⊘', tone: 'bad' },
  cancelled: { icon: '■', tone: 'warn' },
  requested: { icon: '…', tone: 'info' },
  running: { icon: '▶', tone: 'info' },
  // The server stopped while it ran: whether a write landed must be checked in the target system.
  interrupted: { icon: '⚠', tone: 'warn' },
  // An approval request nobody decided in time.
  expired: { icon: '⌛', tone: 'warn' },
};

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `2026-11-23 14:05:09` local time; the full ISO instant is in the cell's title. */
function stamp(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

function paramsText(params: AuditRecord['params']): string {
  const entries = Object.entries(params);
  return entries.length === 0 ? '' : entries.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join('  ');
}

function Empty(): ReactNode {
  return <span className={styles.none}>—</span>;
}

/** One row per attempt, newest first; dense, monospace where values are identifiers. */
export default function AuditTable({ records }: { readonly records: readonly AuditRecord[] }): ReactNode {
  const { environments } = useEnvironments();
  const production = new Set(environments.filter((e) => e.production).map((e) => e.name));
  if (records.length === 0) return <p className={styles.muted}>No audit records match these filters.</p>;
  return (
    <DataTable
      columns={['Time', 'Status', 'User', 'Kind', 'Runbook / step', 'Snippet', 'Env', { label: 'Rows', className: styles.num }, 'Check', 'Error', 'Approval']}
      className={styles.table}
      label="Audit records, newest first"
      scroll={{ label: 'Audit records, scrollable', className: styles.tableScroll }}
    >
      {records.map((r) => {
        const look = STATUS_LOOK[r.status] ?? { icon: '', tone: 'info' as const };
        const params = paramsText(r.params);
        return (
          <tr key={r.id} data-status={r.status} data-kind={r.kind}>
            <td className={styles.mono} title={r.at}>
              <span className={styles.line}>{stamp(r.at).slice(11)}</span>
              <span className={clsx(styles.line, styles.sub)}>{stamp(r.at).slice(0, 10)}</span>
            </td>
            <td title={r.detail ?? undefined}>
              <span className={clsx(styles.line, styles.status, styles[`tone_${look.tone}`])}>
                <span aria-hidden="true">{look.icon} </span>
                {r.status}
              </span>
              {/* The reason, comment or error message: enough to scan, the whole text in the title. */}
              {r.detail ? <span className={clsx(styles.line, styles.sub, styles.detail)}>{r.detail}</span> : null}
            </td>
            <td title={r.roles.join(', ')}>{r.user}</td>
            <td>
              <span className={styles.line}>{KIND_TEXT[r.kind] ?? r.kind}</span>
              {/* Each record of an operation leads to its timeline (issue 12). */}
              {r.operation ? (
                <Link className={clsx(styles.line, styles.sub)} to={`/operations?id=${encodeURIComponent(r.operation)}`} data-operation={r.operation}>
                  in operation
                </Link>
              ) : null}
            </td>
            <td title={[r.runbook, r.step].filter(Boolean).join(' / ') || undefined}>
              <span className={styles.line}>{r.runbook ?? <Empty />}</span>
              {r.step ? <span className={clsx(styles.line, styles.sub)}>{r.step}</span> : null}
            </td>
            <td className={styles.mono} title={[r.snippet, r.sha256 ? `sha256 ${r.sha256}` : '', params].filter(Boolean).join('\n') || undefined}>
              <span className={styles.line}>{r.snippet ? r.snippet.slice(r.snippet.indexOf('/') + 1) : <Empty />}</span>
              {params ? <span className={clsx(styles.line, styles.sub)}>{params}</span> : null}
            </td>
            <td className={clsx(r.env && production.has(r.env) && styles.prod)}>{r.env ?? <Empty />}</td>
            <td className={clsx(styles.num, styles.mono)}>{r.rowCount === null ? <Empty /> : r.rowCount.toLocaleString()}</td>
            <td>
              {r.check === null ? (
                <Empty />
              ) : r.check ? (
                <span className={styles.tone_ok}>✓ pass</span>
              ) : (
                <span className={styles.tone_bad}>✗ fail</span>
              )}
            </td>
            <td className={styles.mono}>{r.errorCode ? <span className={styles.tone_bad}>{r.errorCode}</span> : <Empty />}</td>
            <td className={clsx(styles.mono, styles.approvalId)} title={r.approval ?? undefined}>
              {r.approval ?? <Empty />}
            </td>
          </tr>
        );
      })}
    </DataTable>
  );
}
