import { useId, type ReactNode } from 'react';
import clsx from 'clsx';
import type { ClearStage } from './airflow';
import styles from './styles.module.css';

interface Props {
  readonly stage: Exclude<ClearStage, 'off' | 'failed'>;
  /** The system's name as operators say it, e.g. dbt Cloud. */
  readonly system: string;
  readonly blocked: string | null;
  /** The dry run's table (what would run), in the block's grid. */
  readonly children: ReactNode;
  onConfirm(): void;
}

const HEADING: Record<Props['stage'], (system: string) => string> = {
  listing: (s) => `Checking what this would do in ${s}…`,
  confirm: (s) => `This will run in ${s}`,
  nothing: () => 'Nothing to run',
  stale: () => 'The values changed since this preview',
};

/**
 * The first step of a system's write (a dbt Cloud job run, a page): what it would do, from the server's dry
 * run, then one button that does exactly that. Nothing has happened in the system until it is pressed.
 */
export default function SystemPreview({ stage, system, blocked, children, onConfirm }: Props): ReactNode {
  const headingId = useId();
  return (
    <section className={clsx(styles.clearPreview, stage === 'stale' && styles.clearStale)} aria-labelledby={headingId} data-system-preview={stage}>
      <div className={styles.clearHead}>
        <strong id={headingId} className={styles.clearTitle}>
          {HEADING[stage](system)}
        </strong>
        {stage === 'confirm' ? <span className={styles.clearNote}>A dry run: nothing has started yet. Check what it will do below.</span> : null}
        {stage === 'stale' ? <span className={styles.clearNote}>Press Run to preview what these values would do.</span> : null}
      </div>
      {children}
      {stage === 'confirm' ? (
        <div className={styles.clearActions}>
          <button type="button" className={clsx(styles.button, styles.clearButton)} disabled={blocked !== null} onClick={onConfirm}>
            Run it in {system}
          </button>
          <span className={styles.muted}>{blocked ?? `Starts it in ${system}; the page follows it until it ends.`}</span>
        </div>
      ) : null}
    </section>
  );
}
