/**
 * A failed check's rows from "Run all checks", shown in the block the check came from: which report, for
 * which business date, what the check said, and the rows — the same grid a run of the block shows. It goes
 * away once the block is run again by hand (that run's result replaces it).
 */
import { useEffect, useState, type ReactNode } from 'react';
import { checkResultOf, subscribeCheckResult, type ReportedResult } from '@site/src/lib/checkResults';
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
  const time = new Date(result.at).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
  return (
    <section className={styles.reported} data-reported-check={result.done.check?.passed ? 'passed' : 'failed'} aria-label="Result from Run all checks">
      <div className={styles.reportedHead}>
        <strong className={styles.reportedTitle}>✗ Failed in Run all checks</strong>
        <span className={styles.muted}>
          at {time}
          {result.businessDate ? ` · business date ${result.businessDate}` : ' · default dates'}
        </span>
        {result.done.check ? <span className={styles.checkDetail}>{result.done.check.detail}</span> : null}
      </div>
      {result.columns.length > 0 ? (
        <ResultGrid columns={result.columns} rows={result.rows} rowCount={result.rows.length} streaming={false} />
      ) : (
        <p className={styles.reportedEmpty}>The check returned no rows.</p>
      )}
    </section>
  );
}
