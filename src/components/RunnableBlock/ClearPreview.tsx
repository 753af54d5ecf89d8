import { useId, type ReactNode } from 'react';
import clsx from 'clsx';
import type { ClearGroup, ClearStage } from './airflow';
import StateChip from './StateChip';
import type { TriggerPlan } from './triggerPreview';
import styles from './styles.module.css';

interface Props {
  readonly stage: Exclude<ClearStage, 'off' | 'failed'>;
  readonly count: number;
  /** The listed task instances by DAG run (the grid below has every column). */
  readonly groups: readonly ClearGroup[];
  /** A clear lists task instances; a trigger shows the one run it would start. */
  readonly kind: 'clear' | 'trigger';
  /** For a trigger: the run it would start, read from its dry run (null while listing or when stale). */
  readonly trigger: TriggerPlan | null;
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

const TRIGGER_HEADING: Record<Props['stage'], string> = {
  listing: 'Checking what the trigger would start…',
  confirm: 'This DAG run will be started',
  nothing: 'Nothing to start',
  stale: 'The values changed since this preview',
};

/** What a trigger starts, in the operator's words, with what would make it wait or fail. */
function TriggerSummary({ plan }: { readonly plan: TriggerPlan }): ReactNode {
  return (
    <>
      <dl className={styles.triggerPlan}>
        <dt>DAG</dt>
        <dd>
          <code>{plan.dagId}</code>
        </dd>
        <dt>Logical date</dt>
        <dd>
          <code>{plan.logicalDate}</code>
        </dd>
        <dt>Conf</dt>
        <dd>
          <code>{plan.conf}</code>
        </dd>
        <dt>New run</dt>
        <dd>
          <code>{plan.runId}</code>
        </dd>
      </dl>
      {plan.paused ? <p className={styles.triggerWarn}>⚠ {plan.dagId} is paused: the run waits in “queued” until someone unpauses the DAG.</p> : null}
      {plan.existingRun ? (
        <p className={styles.triggerWarn}>⚠ Run {plan.existingRun} already has this logical date: Airflow will refuse a second one. Clear that run’s tasks instead.</p>
      ) : null}
    </>
  );
}

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

/**
 * The first step of a clear or a trigger: the dry run's list (or the run it would start), then one button
 * that does exactly that. Nothing has changed in Airflow until the operator presses it.
 */
export default function ClearPreview({ stage, count, groups, kind, trigger, blocked, children, onConfirm }: Props): ReactNode {
  const headingId = useId();
  const plural = count === 1 ? '' : 's';
  if (kind === 'trigger') {
    return (
      <section className={clsx(styles.clearPreview, stage === 'stale' && styles.clearStale)} aria-labelledby={headingId} data-trigger-preview={stage}>
        <div className={styles.clearHead}>
          <strong id={headingId} className={styles.clearTitle}>
            {TRIGGER_HEADING[stage]}
          </strong>
          {stage === 'confirm' && trigger ? (
            <>
              <span className={styles.clearNote}>A dry run: nothing has started yet. Check the DAG, the date and the conf.</span>
              <TriggerSummary plan={trigger} />
            </>
          ) : null}
          {stage === 'stale' ? <span className={styles.clearNote}>Press Run to preview what these values would start.</span> : null}
        </div>
        {stage === 'confirm' && trigger ? (
          <div className={styles.clearActions}>
            <button type="button" className={clsx(styles.button, styles.clearButton)} disabled={blocked !== null} onClick={onConfirm}>
              Trigger this run
            </button>
            <span className={styles.muted}>{blocked ?? 'Starts the run in Airflow; the page follows it until it ends.'}</span>
          </div>
        ) : null}
      </section>
    );
  }
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
