/**
 * The block's status line: the status word (what an Airflow block is doing, amber for a write that changed
 * nothing), the environment, elapsed time, rows, rows changed, and why Run is blocked while idle.
 */
import type { ReactNode } from 'react';
import clsx from 'clsx';
import { rowsText } from './airflow';
import type { AirflowBlock } from './useAirflowBlock';
import { formatElapsed, type RunView, type UiStatus } from './useRun';
import type { WriteOutcome } from './writeOutcome';
import styles from './styles.module.css';

export const STATUS_TEXT: Record<UiStatus, string> = {
  idle: 'Ready',
  running: 'Running…',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  rejected: 'Rejected',
};

export interface EnvSummary {
  readonly name: string;
  readonly label: string;
  readonly production: boolean;
}

/** The status word: Airflow blocks say what they are doing (listing, following) rather than just running. */
export function statusWord(view: RunView, airflow: AirflowBlock): string {
  // "Still running" and "link lost" must never look alike to an operator under pressure.
  if (view.status === 'running' && view.link === 'reconnecting') return 'Reconnecting…';
  if (view.preview && view.status === 'running') return 'Listing…';
  if (view.preview && view.status === 'succeeded') return 'Dry run: nothing changed';
  if (airflow.follows && view.status === 'running') return 'Following…';
  if (airflow.follows && view.status === 'cancelled') return 'Stopped following';
  return STATUS_TEXT[view.status];
}

interface StatusLineProps {
  readonly view: RunView;
  readonly word: string;
  /** The block's Airflow command (null for SQL): a dry run's count says what it counts. */
  readonly command: string | null;
  readonly write: WriteOutcome | null;
  readonly env: EnvSummary | null;
  readonly blocked: string | null;
  /** Said while idle when nothing blocks the run. */
  readonly hint: string | null;
}

export default function StatusLine({ view, word, command, write, env, blocked, hint }: StatusLineProps): ReactNode {
  const running = view.status === 'running';
  // A write that changed nothing "succeeded" only technically: the word turns amber, like a warning.
  const reconnecting = running && view.link === 'reconnecting';
  const wordClass = write?.tone === 'nothing' || reconnecting ? styles.status_warning : styles[`status_${view.status}`];
  const showEnv = view.target ? { name: view.target.env, label: view.target.envLabel, production: view.target.production } : env;
  return (
    <div role="status" className={styles.status} data-state={view.status} data-link={view.status === 'running' || view.link === 'resumed' ? view.link : undefined}>
      <span className={clsx(styles.statusWord, wordClass, reconnecting && styles.status_reconnecting)}>{word}</span>
      <LinkChip view={view} />
      {showEnv ? (
        <span className={clsx(styles.statusEnv, showEnv.production && styles.prodEnv)}>
          {showEnv.production ? '⚠ ' : ''}
          {showEnv.label}
          {showEnv.production && !/prod/i.test(showEnv.label) ? ' (production)' : ''}
        </span>
      ) : null}
      {view.status !== 'idle' ? (
        // The ticking value is hidden from screen readers while running: a live region would announce every tick.
        <span className={styles.statusNum} aria-hidden={running || undefined}>
          {formatElapsed(view.elapsedMs)}
        </span>
      ) : null}
      {view.status !== 'idle' && view.columns.length > 0 ? (
        <span className={styles.statusNum}>
          {/* A kept result counts every row the server has, not the window the page was streamed. */}
          {rowsText(command, view.preview, view.kept && view.done ? view.done.rowCount : view.rowCount)}
        </span>
      ) : null}
      {write ? <span className={clsx(styles.statusNum, write.tone !== 'changed' && styles.statusWarnNum)}>{write.count}</span> : null}
      {view.done?.truncated ? <span className={styles.truncated}>truncated</span> : null}
      {view.status === 'idle' && (blocked ?? hint) ? <span className={styles.blocked}>{blocked ?? hint}</span> : null}
    </div>
  );
}

/** The run's link to the server, once it has dropped: lost (and being got back), or back with the output continuing. */
function LinkChip({ view }: { readonly view: RunView }): ReactNode {
  if (view.status === 'running' && view.link === 'reconnecting') {
    return <span className={clsx(styles.linkChip, styles.linkLost)}>Connection lost · the run goes on at the server; output resumes when the link is back</span>;
  }
  if (view.link === 'resumed' && view.done?.error?.code !== 'stream_lost') {
    return <span className={clsx(styles.linkChip, styles.linkBack)}>Reconnected · output continued</span>;
  }
  return null;
}
