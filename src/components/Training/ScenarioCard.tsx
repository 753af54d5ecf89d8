import { useId, type ReactNode } from 'react';
import clsx from 'clsx';
import Link from '@docusaurus/Link';
import { formatDateTime } from '@site/src/lib/format';
import { runbookLabel, type ScenarioInfo } from './scenarios';
import styles from './styles.module.css';

interface Props {
  readonly scenario: ScenarioInfo;
  /** The action in flight for this scenario, if any. */
  readonly busy: string | null;
  readonly error: string | null;
  onAction(id: string, action: string): void;
}

const BUSY_TEXT: Record<string, string> = { activate: 'Activating…', deactivate: 'Deactivating…' };

/** One training scenario: what breaks, where to recover it, whether it is on, and its switches. */
export default function ScenarioCard({ scenario: s, busy, error, onAction }: Props): ReactNode {
  const titleId = useId();
  const disabled = busy !== null;
  return (
    <article className={clsx(styles.card, s.active && styles.cardActive)} aria-labelledby={titleId} data-scenario={s.id} data-active={s.active ? 'true' : 'false'} aria-busy={disabled || undefined}>
      <header className={styles.cardHead}>
        <h2 id={titleId} className={styles.cardTitle}>
          {s.title}
        </h2>
        <span className={clsx(styles.chip, s.active ? styles.chipActive : styles.chipInactive)}>
          <span aria-hidden="true">{s.active ? '● ' : '○ '}</span>
          {s.active ? 'Active' : 'Inactive'}
        </span>
      </header>
      <p className={styles.summary}>{s.summary}</p>
      {s.active ? (
        <div className={styles.activeBox}>
          {s.activatedAt ? <p className={styles.meta}>Active since {formatDateTime(s.activatedAt)}</p> : null}
          {s.note ? <p className={styles.note}>{s.note}</p> : null}
          {s.dagRun ? (
            <p className={styles.dagRun} data-dag-run={`${s.dagRun.dagId}/${s.dagRun.runId}`}>
              <span className={styles.meta}>DAG run it started:</span> <code>{s.dagRun.dagId}</code> <code>{s.dagRun.runId}</code>
            </p>
          ) : null}
        </div>
      ) : null}
      <p className={styles.runbook}>
        <span className={styles.meta}>Recover it with </span>
        <Link to={s.runbook}>{runbookLabel(s.runbook)}</Link>
      </p>
      <div className={styles.actions}>
        {s.active ? (
          <button type="button" className={styles.button} disabled={disabled} onClick={() => onAction(s.id, 'deactivate')}>
            Deactivate
          </button>
        ) : (
          <button type="button" className={clsx(styles.button, styles.primary)} disabled={disabled} onClick={() => onAction(s.id, 'activate')}>
            Activate
          </button>
        )}
        {s.actions.map((a) => (
          <button key={a.id} type="button" className={styles.button} disabled={disabled} onClick={() => onAction(s.id, a.id)}>
            {a.label}
          </button>
        ))}
        {busy ? (
          <span className={styles.meta} aria-live="polite">
            {BUSY_TEXT[busy] ?? 'Working…'}
          </span>
        ) : null}
      </div>
      {error ? (
        <div role="alert" className={styles.error}>
          {error}
        </div>
      ) : null}
    </article>
  );
}
