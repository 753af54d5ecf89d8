/** One runbook's checks on the Health page: a table that turns into cards on a narrow screen. */
import type { ReactNode } from 'react';
import clsx from 'clsx';
import Link from '@docusaurus/Link';
import { formatDuration } from '@site/plugins/remark-runbook/syntax/duration';
import { formatValue } from '@site/src/lib/verdict';
import { STATUS_ICON, STATUS_TEXT, type HealthGroup, type HealthRow, type RowStatus } from './model';
import DataTable from '@site/src/components/DataTable';
import Sparkline from './Sparkline';
import styles from './styles.module.css';

const ORIGIN_TEXT: Record<string, string> = {
  page: 'from its runbook',
  'run-all': 'Run all checks',
  health: 'Health page',
  schedule: 'schedule',
  drill: 'drill',
  seed: 'demo history, replayed at start',
  'this page': 'just now',
};

function when(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  // UTC, like the SLAs and the business dates; a reader in Bangkok reads the same time as one in London.
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
}

export function StatusBadge({ status, hint }: { readonly status: RowStatus; readonly hint?: string | null }): ReactNode {
  return (
    <span className={clsx(styles.status, styles[`s_${status.replace(/-/g, '_')}`])} data-status={status} title={hint ?? undefined}>
      <span aria-hidden="true" className={styles.icon}>
        {STATUS_ICON[status]}
      </span>
      {STATUS_TEXT[status]}
    </span>
  );
}

function Row({ row }: { readonly row: HealthRow }): ReactNode {
  return (
    <tr data-check-key={row.key} data-status={row.status}>
      <td className={styles.cStatus}>
        <StatusBadge status={row.status} hint={row.statusHint} />
      </td>
      <td className={styles.cCheck}>
        <Link to={row.link} className={styles.checkLink}>
          {row.title}
        </Link>
        {row.stepTitle || row.businessDate ? (
          <div className={styles.muted}>
            {row.stepTitle}
            {row.stepTitle && row.businessDate ? ' · ' : ''}
            {row.businessDate ? <span data-business-date={row.businessDate}>for {row.businessDate}</span> : null}
          </div>
        ) : null}
        {row.detail && (row.status === 'warn' || row.status === 'error' || row.status === 'failed-to-run') ? <div className={styles.detail}>{row.detail}</div> : null}
        {row.statusHint ? <div className={styles.muted}>{row.statusHint}</div> : null}
      </td>
      <td className={styles.cValue}>
        <span className={styles.label}>Value </span>
        <strong className={clsx(row.valueFor && styles.oldValue)}>{row.valueIsAge && row.value !== null ? formatDuration(row.value) : formatValue(row.value)}</strong>
        {row.valueFor ? <div className={clsx(styles.muted, styles.valueFor)}>for {row.valueFor}</div> : null}
      </td>
      <td className={styles.cThreshold}>
        <span className={styles.label}>Threshold </span>
        {row.threshold ? <code>{row.threshold}</code> : <span className={styles.muted}>—</span>}
      </td>
      <td className={styles.cHistory}>
        <Sparkline points={row.history} format={row.valueIsAge ? formatDuration : formatValue} />
      </td>
      <td className={styles.cLast}>
        {row.lastAt ? (
          <>
            <span className={styles.label}>Last run </span>
            {row.lastOrigin === 'this page' ? 'just now' : when(row.lastAt)}
            <div className={styles.muted}>
              {row.lastBy ?? 'someone'}
              {row.lastOrigin && row.lastOrigin !== 'this page' ? ` · ${ORIGIN_TEXT[row.lastOrigin] ?? row.lastOrigin}` : ''}
            </div>
          </>
        ) : (
          <span className={styles.muted}>never run</span>
        )}
      </td>
    </tr>
  );
}

export default function HealthGroupTable({ group }: { readonly group: HealthGroup }): ReactNode {
  const problems = group.counts.error + group.counts['failed-to-run'] + group.counts.warn;
  // The counts are the runbook's, also when the page shows only the checks that are not OK.
  const total = Object.values(group.counts).reduce((a, b) => a + b, 0);
  const headingId = `health-${group.runbook}`;
  return (
    <section className={styles.group} aria-labelledby={headingId} data-runbook={group.runbook}>
      <header className={styles.groupHead}>
        <h3 id={headingId} className={styles.groupTitle}>
          <Link to={group.docPath}>{group.title}</Link>
        </h3>
        <span className={styles.muted}>
          {group.system}
          {group.owner ? ` · owner ${group.owner}` : ''}
        </span>
        <span className={clsx(styles.groupCount, problems > 0 && styles.groupCountBad)}>
          {total} check{total === 1 ? '' : 's'}
          {problems > 0 ? ` · ${problems} need${problems === 1 ? 's' : ''} attention` : ''}
        </span>
      </header>
      <DataTable columns={['Status', 'Check', 'Value', 'Threshold', 'History', 'Last run']} className={styles.table}>
        {group.rows.map((row) => (
          <Row key={row.key} row={row} />
        ))}
      </DataTable>
    </section>
  );
}
