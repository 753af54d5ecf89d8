/**
 * "Run all checks": every read-only check of the runbook, in page order, on the chosen environment, with
 * a summary (passed, failed, errors, time) and a row per check linking to its step.
 */
import React, { useCallback, useEffect, useId, useMemo, useState } from 'react';
import clsx from 'clsx';
import type { RunAllChecksItem } from '@site/plugins/remark-runbook/types';
import { useEnvironments, useSelectedEnvironment } from '@site/src/lib/environment';
import { useServerBase, wsUrl } from '@site/src/lib/serverUrl';
import { useZoneDates } from '@site/src/lib/zoneDates';
import { businessDateParams, useRunAllChecks, type CheckOutcome } from './useRunAllChecks';
import { useLinkedBusinessDate } from './useLinkedBusinessDate';
import styles from './styles.module.css';

interface Props {
  readonly runbook: string;
  readonly checks: string;
}

const LABEL: Record<CheckOutcome['state'], string> = {
  pending: '—',
  running: 'running…',
  passed: '✓ passed',
  warned: '⚠ warning',
  failed: '✗ failed',
  error: '⚠ error',
  skipped: 'skipped',
};

export default function RunAllChecks({ runbook, checks: json }: Props): React.JSX.Element {
  const checks = useMemo(() => JSON.parse(json) as RunAllChecksItem[], [json]);
  const { status } = useEnvironments();
  const env = useSelectedEnvironment();
  const base = useServerBase();
  const socketUrl = useCallback(() => wsUrl(base), [base]);
  const { outcomes, phase, summary, runAll, stop } = useRunAllChecks(checks, env, status, socketUrl);
  const dateId = useId();
  // Empty: each check keeps its own default (today / yesterday in the runbook's zone, resolved by the server).
  const [businessDate, setBusinessDate] = useState('');
  const takesDate = checks.some((c) => businessDateParams(c).length > 0);
  // A deep link's business date is the report's too: the operator who followed it checks that day.
  const linkDate = useLinkedBusinessDate(checks);
  useEffect(() => {
    if (linkDate) setBusinessDate(linkDate);
  }, [linkDate]);
  const timezone = checks[0]?.timezone ?? 'UTC';
  const zoneDates = useZoneDates(timezone);

  return (
    <section className={styles.panel} data-run-all={phase} aria-label="Runbook checks" data-runbook={runbook}>
      <div className={styles.bar}>
        <div className={styles.title}>
          <strong>Health checks</strong>
          <span className={styles.muted}>
            {checks.length} read-only check{checks.length === 1 ? '' : 's'} on {env ? env.label : '…'}
          </span>
        </div>
        {takesDate ? (
          <div className={styles.dateField}>
            <label htmlFor={dateId}>Business date</label>
            <input
              id={dateId}
              type="date"
              className={styles.dateInput}
              value={businessDate}
              onChange={(e) => setBusinessDate(e.target.value)}
              disabled={phase === 'running'}
              aria-describedby={`${dateId}-hint`}
            />
            <span id={`${dateId}-hint`} className={styles.muted}>
              {businessDate && businessDate === linkDate
                ? 'for every check (from the link)'
                : businessDate
                ? 'for every check'
                : `each check's default${zoneDates ? ` (today in ${timezone}: ${zoneDates.today})` : ` (in ${timezone})`}`}
            </span>
          </div>
        ) : null}
        {phase === 'running' ? (
          <button type="button" className="button button--secondary button--sm" onClick={stop}>
            Stop
          </button>
        ) : (
          <button type="button" className="button button--primary button--sm" onClick={() => void runAll(businessDate || null)} disabled={!env}>
            Run all checks
          </button>
        )}
      </div>
      {summary && (
        <p
          className={clsx(styles.summary, summary.failed + summary.errors > 0 ? styles.bad : summary.warned > 0 ? styles.warn : styles.good)}
          role="status"
          data-passed={summary.passed}
          data-warned={summary.warned}
          data-failed={summary.failed}
          data-errors={summary.errors}
        >
          {summary.failed + summary.errors > 0 ? '✗ Attention needed' : summary.warned > 0 ? '⚠ Passed with warnings' : '✓ All checks passed'} — {summary.passed} passed ·{' '}
          {summary.warned ? `${summary.warned} warning${summary.warned === 1 ? '' : 's'} · ` : ''}
          {summary.failed} failed ·{' '}
          {summary.errors} error{summary.errors === 1 ? '' : 's'}
          {summary.skipped ? ` · ${summary.skipped} skipped` : ''} · {(summary.elapsedMs / 1000).toFixed(1)} s
        </p>
      )}
      {phase !== 'idle' && (
        <table className={styles.table}>
          <thead>
            <tr>
              <th scope="col">Check</th>
              <th scope="col">Result</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {checks.map((c, i) => {
              const o = outcomes[i] ?? { state: 'pending' as const };
              return (
                <tr key={c.id} data-check-id={c.id} data-state={o.state}>
                  <td>
                    <a href={`#${c.step}`}>{c.title}</a>
                    <div className={styles.muted}>{c.stepTitle}</div>
                  </td>
                  <td className={clsx(styles.state, styles[o.state])}>{LABEL[o.state]}</td>
                  <td className={styles.detail}>
                    {'detail' in o ? o.detail : ''}
                    {'threshold' in o && o.threshold ? (
                      <div className={styles.muted}>
                        decided by <code>{o.threshold}</code>
                      </div>
                    ) : null}
                    {'elapsedMs' in o ? <span className={styles.muted}> · {o.elapsedMs} ms</span> : null}
                    {o.state === 'failed' || o.state === 'warned' ? (
                      <div>
                        <a href={`#${c.step}`}>See the rows it found, under its SQL ↓</a>
                      </div>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
