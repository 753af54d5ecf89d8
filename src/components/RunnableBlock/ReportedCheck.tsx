/**
 * A failed check's rows from "Run all checks", shown in the block the check came from: which report, for
 * which business date, what the check said, and the rows — the same grid a run of the block shows. It goes
 * away once the block is run again by hand (that run's result replaces it).
 */
import { useEffect, useState, type ReactNode } from 'react';
import clsx from 'clsx';
import { checkResultOf, subscribeCheckResult, type ReportedResult } from '@site/src/lib/checkResults';
import { VERDICT_ICON, verdictOf, type CheckReport } from '@site/src/lib/verdict';
import ResultGrid from './ResultGrid';
import styles from './styles.module.css';

/** The latest failed-check result for any of the block's variant keys. */
export function useReportedCheck(keys: readonly string[]): ReportedResult | null {
  const joined = keys.join('\n');
  const [result, setResult] = useState<ReportedResult | null>(null);
  useEffect(() => {
    const list = joined.split('\n');
    setResult(list.map(checkResultOf).find((r) => r !== null) ?? null);
    const offs = list.map((key) => subscribeCheckResult(key, (r) => setResult(r)));
    return () => offs.forEach((off) => off());
  }, [joined]);
  return result;
}

export default function ReportedCheck({ result }: { readonly result: ReportedResult }): ReactNode {
  const check = result.done.check as CheckReport | undefined;
  const verdict = check ? verdictOf(check) : 'error';
  const time = new Date(result.at).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
  return (
    <section
      className={clsx(styles.reported, verdict === 'warn' && styles.reportedWarn)}
      data-reported-check={result.done.check?.passed ? 'passed' : 'failed'}
      data-verdict={verdict}
      aria-label="Result from Run all checks"
    >
      <div className={styles.reportedHead}>
        <strong className={styles.reportedTitle}>
          <span aria-hidden="true">{VERDICT_ICON[verdict]} </span>
          {verdict === 'warn' ? 'Warning in Run all checks' : 'Failed in Run all checks'}
        </strong>
        <span className={styles.muted}>
          at {time}
          {result.businessDate ? ` · business date ${result.businessDate}` : ' · default dates'}
        </span>
        {check ? <span className={styles.checkDetail}>{check.detail}</span> : null}
        {check?.threshold ? (
          <span className={styles.checkDetail}>
            decided by <code>{check.threshold}</code>
          </span>
        ) : null}
      </div>
      {result.columns.length > 0 ? (
        <>
          {result.done.rowCount > result.rows.length || result.done.truncated ? (
            <p className={styles.reportedEmpty}>
              The first {result.rows.length.toLocaleString()} of {result.done.rowCount.toLocaleString()}
              {result.done.truncated ? '+' : ''} rows it found; run the block for the rest.
            </p>
          ) : null}
          <ResultGrid columns={result.columns} rows={result.rows} rowCount={result.rows.length} streaming={false} />
        </>
      ) : (
        <p className={styles.reportedEmpty}>The check returned no rows.</p>
      )}
    </section>
  );
}
