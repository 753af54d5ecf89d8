/**
 * The check line under a block's controls: the verdict in words (ok green, warn amber, error red), the
 * measured value, the condition that decided, and the server's sentence — and, for a check that found
 * rows, where they are and whether the sample cap cut them.
 */
import type { ReactNode } from 'react';
import clsx from 'clsx';
import { formatValue, VERDICT_ICON, VERDICT_WORD, verdictOf, type CheckReport } from '@site/src/lib/verdict';
import styles from './styles.module.css';

interface Props {
  readonly check: CheckReport;
  /** Rows the run returned (the failing rows, for a check written to return them). */
  readonly rowCount: number;
  /** The row cap stopped the result: more rows exist than are shown. */
  readonly truncated: boolean;
  /** The check's own `sample=N` cap, when it declares one. */
  readonly sample: number | null;
}

const TONE = { ok: styles.checkPassed, warn: styles.checkWarn, error: styles.checkFailed } as const;

export default function CheckBadge({ check, rowCount, truncated, sample }: Props): ReactNode {
  const verdict = verdictOf(check);
  const capped = truncated || (sample !== null && rowCount >= sample);
  // An old `expect` says its threshold and value in its sentence already; a monitor's sentence may not.
  const showThreshold = Boolean(check.threshold) && !check.detail.includes(check.threshold ?? '');
  return (
    <div className={clsx(styles.check, TONE[verdict])} data-check={check.passed ? 'passed' : 'failed'} data-verdict={verdict}>
      <span className={styles.checkTitle}>
        <span aria-hidden="true">{VERDICT_ICON[verdict]} </span>
        {VERDICT_WORD[verdict]}
      </span>
      {showThreshold && check.value !== undefined && check.value !== null ? (
        <span className={styles.checkValue}>
          value <strong>{check.valueText ?? formatValue(check.value)}</strong>
        </span>
      ) : null}
      {showThreshold ? (
        <span className={styles.checkDetail} title="The condition that decided">
          decided by <code>{check.threshold}</code>
        </span>
      ) : null}
      <span className={styles.checkDetail}>{check.detail}</span>
      {verdict !== 'ok' && rowCount > 0 ? (
        <span className={styles.checkRows}>
          {capped
            ? `The rows it found are below: the first ${rowCount.toLocaleString()}${sample !== null && !truncated ? ` (sample=${sample})` : ''}, not all of them.`
            : `The ${rowCount.toLocaleString()} row${rowCount === 1 ? '' : 's'} it found ${rowCount === 1 ? 'is' : 'are'} below.`}
        </span>
      ) : null}
    </div>
  );
}
