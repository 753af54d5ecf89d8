import { useId, type ReactNode } from 'react';
import clsx from 'clsx';
import type { ClearGroup, ClearStage } from './airflow';
import StateChip from './StateChip';
import styles from './styles.module.css';

interface Props {
  readonly stage: Exclude<ClearStage, 'off' | 'failed'>;
  readonly count: number;
  /** The listed task instances by DAG run (the grid below has every column). */
  readonly groups: readonly ClearGroup[];
  /** Why the clear cannot be sent now (a production confirm, the environment…); null when it can. */
  readonly blocked: string | null;
  /** The dry run's rows, in the block's result grid. */
  readonly children: ReactNode;
  onConfirm(): void;
}

const HEADING: Record<Props['stage'], string> = {
  listing: 'Listing the task instances the clear would reset…',
  confirm: 'These task instances will be cleared',
  nothing: 'Nothing to clear',
  stale: 'The values changed since this list',
};

/**
 * The first step of a clear: the dry run's list, then one button that clears exactly that. Nothing has
 * changed in Airflow until the operator presses it.
 */
/** More than this and the list says how many more; the grid below has them all. */
const LISTED = 30;

function TargetList({ groups }: { readonly groups: readonly ClearGroup[] }): ReactNode {
  let left = LISTED;
  const hidden = groups.reduce((n, g) => n + g.tasks.length, 0) - LISTED;
  return (
    <ul className={styles.clearList}>
      {groups.map((g) => {
        const shown = g.tasks.slice(0, Math.max(0, left));
        left -= shown.length;
        if (shown.length === 0) return null;
        return (
          <li key={`${g.dagId}/${g.runId}`}>
            <span className={styles.clearRun}>
              <code>{g.dagId}</code> <span className={styles.muted}>run</span> <code>{g.runId}</code>
            </span>
            <ul className={styles.clearTasks}>
              {shown.map((t) => (
                <li key={t.taskId}>
                  <StateChip state={t.state} /> <code>{t.taskId}</code>
                </li>
              ))}
            </ul>
          </li>
        );
      })}
      {hidden > 0 ? <li className={styles.muted}>and {hidden} more, in the table below</li> : null}
    </ul>
  );
}

export default function ClearPreview({ stage, count, groups, blocked, children, onConfirm }: Props): ReactNode {
  const headingId = useId();
  const plural = count === 1 ? '' : 's';
  return (
    <section className={clsx(styles.clearPreview, stage === 'stale' && styles.clearStale)} aria-labelledby={headingId} data-clear-preview={stage}>
      <div className={styles.clearHead}>
        <strong id={headingId} className={styles.clearTitle}>
          {HEADING[stage]}
        </strong>
        {stage === 'confirm' ? (
          <span className={styles.clearNote}>
            {count} task instance{plural} · a dry run: nothing has changed yet. Check the DAG, the run and the tasks.
          </span>
        ) : null}
        {stage === 'confirm' && groups.length > 0 ? <TargetList groups={groups} /> : null}
        {stage === 'nothing' ? <span className={styles.clearNote}>No task instance matches these values: there is nothing to rerun.</span> : null}
        {stage === 'stale' ? <span className={styles.clearNote}>Press Run to list what these values would clear.</span> : null}
      </div>
      {children}
      {stage === 'confirm' ? (
        <div className={styles.clearActions}>
          <button type="button" className={clsx(styles.button, styles.clearButton)} disabled={blocked !== null} onClick={onConfirm}>
            Clear these tasks
          </button>
          <span className={styles.muted}>{blocked ?? `Resets the ${count} task instance${plural}; Airflow runs them again and the page follows the new attempts.`}</span>
        </div>
      ) : null}
    </section>
  );
}
