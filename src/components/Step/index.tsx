import type { ReactNode } from 'react';
import clsx from 'clsx';
import { useLocation } from '@docusaurus/router';
import useBrokenLinks from '@docusaurus/useBrokenLinks';
import RoleBadge from '@site/src/components/RoleBadge';
import { useDeepLink } from '@site/src/lib/useDeepLink';
import { useStepDone } from './useStepDone';
import { useRecordStep } from '@site/src/components/Operations/useRecordStep';
import styles from './styles.module.css';

interface Props {
  readonly id: string;
  readonly title: string;
  /** `service-team` or `escalation`. */
  readonly role: string;
  /** Only on escalation steps: the role that approves. */
  readonly approver?: string;
  /** As written, e.g. `10m`. */
  readonly duration?: string;
  readonly children?: ReactNode;
}

/** One runbook step: a numbered card with who may do it, how long it takes, and a done tick. */
export default function Step({ id, title, role, approver, duration, children }: Props): ReactNode {
  const { pathname } = useLocation();
  // Register the step's id as an anchor, so links to #step-id pass Docusaurus' broken-anchor check.
  useBrokenLinks().collectAnchor(id);
  const [done, setDone] = useStepDone(`${pathname}#${id}`);
  // While the tab works in an operation, a tick is recorded in it (issue 12).
  const recordStep = useRecordStep();
  const titleId = `${id}-title`;
  // A link to #step-id (from an alert, a ticket, the Health page) marks the step it lands on.
  const linked = useDeepLink().anchor === id;
  return (
    <section
      id={id}
      className={clsx(styles.step, role === 'escalation' && styles.escalation, done && styles.done, linked && styles.linked)}
      aria-labelledby={titleId}
      data-step={id}
      data-role={role}
      data-done={done ? 'true' : 'false'}
      data-linked={linked ? 'true' : undefined}
    >
      <header className={styles.header}>
        <h3 id={titleId} className={styles.title}>
          {title}
          <a className="hash-link" href={`#${id}`} aria-label={`Direct link to ${title}`} title={`Direct link to ${title}`}>
            &#8203;
          </a>
        </h3>
        <div className={styles.meta}>
          <RoleBadge role={role} approver={approver ?? null} />
          {duration ? (
            <span className={styles.duration} title="Expected duration">
              <svg aria-hidden="true" viewBox="0 0 16 16" width="12" height="12">
                <path fill="currentColor" d="M8 1a7 7 0 1 0 0 14A7 7 0 0 0 8 1Zm0 1.5a5.5 5.5 0 1 1 0 11 5.5 5.5 0 0 1 0-11ZM7.2 4v4.4l3.3 2 .8-1.3-2.5-1.5V4H7.2Z" />
              </svg>
              <span className={styles.srOnly}>Duration </span>
              {duration}
            </span>
          ) : null}
          <label className={styles.doneLabel}>
            <input type="checkbox" checked={done} onChange={(e) => {
                setDone(e.target.checked);
                recordStep(pathname, id, title, e.target.checked);
              }} className={styles.checkbox} />
            Done
          </label>
        </div>
      </header>
      <div className={styles.body}>{children}</div>
    </section>
  );
}
