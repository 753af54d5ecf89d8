import { memo, type ReactNode } from 'react';
import type { RunnableBlockSpec } from '@site/plugins/remark-runbook/types';
import styles from './styles.module.css';

interface Props {
  readonly spec: RunnableBlockSpec;
  readonly snippetKey: string;
  /** The engine of the variant shown, when the block has one per engine. */
  readonly dialect: string | null;
}

export const LANG_LABEL: Record<RunnableBlockSpec['lang'], string> = { sql: 'SQL', airflow: 'Airflow', s3: 'S3', 'dbt-cloud': 'dbt Cloud', pagerduty: 'PagerDuty', tableau: 'Tableau', slack: 'Slack', databricks: 'Databricks' };

/** Title, language, mode, target and the manifest key: what runs and where. */
function Header({ spec, snippetKey, dialect }: Props): ReactNode {
  const write = spec.mode === 'write';
  return (
    <div className={styles.header}>
      <div className={styles.headerMain}>
        <span className={styles.title}>{spec.title ?? spec.id}</span>
        <span className={styles.tag}>
          {LANG_LABEL[spec.lang]}
          {dialect ? ` · ${dialect}` : ''}
        </span>
        <span className={write ? `${styles.tag} ${styles.tagWrite}` : `${styles.tag} ${styles.tagRead}`} data-mode={spec.mode}>
          {write ? (
            <>
              <svg aria-hidden="true" viewBox="0 0 16 16" width="12" height="12" className={styles.tagIcon}>
                <path fill="currentColor" d="M11.1 1.3a1.5 1.5 0 0 1 2.1 0l1.5 1.5a1.5 1.5 0 0 1 0 2.1L6 13.6l-4 1 1-4 8.1-9.3Z" />
              </svg>
              write
            </>
          ) : (
            'read'
          )}
        </span>
        <span className={styles.target} title="Connection the snippet runs on">
          <span className={styles.muted}>target</span> {spec.target}
        </span>
        {spec.expect ? (
          <span className={`${styles.target} ${styles.condition}`} title="The check applied to the result">
            <span className={styles.muted}>expect</span> {spec.expect}
          </span>
        ) : null}
        {spec.warn ? (
          <span className={`${styles.target} ${styles.condition} ${styles.condWarn}`} title="The check warns (amber) when this holds">
            <span className={styles.muted}>warn if</span> {spec.warn}
          </span>
        ) : null}
        {spec.error ? (
          <span className={`${styles.target} ${styles.condition} ${styles.condError}`} title="The check fails (red) when this holds">
            <span className={styles.muted}>error if</span> {spec.error}
          </span>
        ) : null}
        {spec.role === 'escalation' ? (
          <span className={styles.needsApproval}>needs approval{spec.approver ? ` · ${spec.approver}` : ''}</span>
        ) : null}
      </div>
      <code className={styles.key} title="Manifest key">
        {snippetKey}
      </code>
    </div>
  );
}

export default memo(Header);
