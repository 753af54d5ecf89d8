import { useId, type ReactNode } from 'react';
import clsx from 'clsx';
import Link from '@docusaurus/Link';
import { drillStage, verdictLine, type DrillInfo, type DrillVerdict } from './drills';
import { runbookLabel, type ScenarioInfo } from './scenarios';
import styles from './styles.module.css';

interface Props {
  readonly drill: DrillInfo;
  readonly scenario: ScenarioInfo | undefined;
  readonly verdict: DrillVerdict | null;
  readonly busy: boolean;
  readonly checking: boolean;
  readonly error: string | null;
  readonly hintsTaken: number;
  onStart(): void;
  onReset(): void;
  onCheck(): void;
  onHint(): void;
}

const STAGE_TEXT = { 'not-started': 'Not started', starting: 'Injecting the fault…', 'in-progress': 'In progress', solved: 'Solved' } as const;

/** One drill: start it (the fault goes in), read the symptom, work in the runbook, check the fix, reset. */
export default function DrillCard({ drill: d, scenario, verdict, busy, checking, error, hintsTaken, onStart, onReset, onCheck, onHint }: Props): ReactNode {
  const titleId = useId();
  const stage = drillStage(scenario, verdict);
  const started = stage !== 'not-started';
  // Another drill on the same fault (or a free-practice scenario) may hold it: one attempt at a time.
  return (
    <article className={clsx(styles.card, started && styles.cardActive)} aria-labelledby={titleId} data-drill={d.name} data-stage={stage} aria-busy={busy || checking || undefined}>
      <header className={styles.cardHead}>
        <h3 id={titleId} className={styles.cardTitle}>
          {d.title}
        </h3>
        <span className={clsx(styles.chip, started ? styles.chipActive : styles.chipInactive)}>{STAGE_TEXT[stage]}</span>
      </header>
      {started ? (
        <div className={styles.activeBox}>
          <p className={styles.meta}>What you see</p>
          <p className={styles.note} data-symptom>
            {d.symptom}
          </p>
        </div>
      ) : (
        <p className={styles.summary}>Start the drill to inject its fault into the demo and see what the operator sees.</p>
      )}
      <p className={styles.runbook}>
        <span className={styles.meta}>Start in </span>
        <Link to={d.runbook}>{runbookLabel(d.runbook)}</Link>
      </p>
      {started && d.hints.length ? (
        <div className={styles.hints}>
          <ol>
            {d.hints.slice(0, hintsTaken).map((h) => (
              <li key={h}>{h}</li>
            ))}
          </ol>
          {hintsTaken < d.hints.length ? (
            <button type="button" className={styles.button} onClick={onHint}>
              Show a hint ({d.hints.length - hintsTaken} left)
            </button>
          ) : null}
        </div>
      ) : null}
      <div className={styles.actions}>
        {started ? (
          <>
            <button type="button" className={clsx(styles.button, styles.primary)} disabled={checking || stage === 'starting'} onClick={onCheck}>
              {checking ? 'Checking…' : 'Check my fix'}
            </button>
            <button type="button" className={styles.button} disabled={busy} onClick={onReset}>
              Reset
            </button>
          </>
        ) : (
          <button type="button" className={clsx(styles.button, styles.primary)} disabled={busy} onClick={onStart}>
            Start drill
          </button>
        )}
      </div>
      {started && verdict ? (
        <div className={verdict.solved ? styles.solved : styles.notYet} role="status" data-verdict={verdict.solved ? 'solved' : 'not-yet'}>
          <p>{verdictLine(verdict, hintsTaken)}</p>
          {!verdict.solved ? (
            <ul>
              {verdict.checks
                .filter((c) => !c.passed)
                .map((c) => (
                  <li key={c.snippet}>
                    <code>{c.snippet}</code>: {c.detail}
                  </li>
                ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {error ? (
        <div role="alert" className={styles.error}>
          {error}
        </div>
      ) : null}
    </article>
  );
}
