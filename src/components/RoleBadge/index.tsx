import type { ReactNode } from 'react';
import clsx from 'clsx';
import styles from './styles.module.css';

interface Props {
  /** `service-team` or `escalation` (DESIGN.md §3). */
  readonly role: string;
  /** The approver role of an escalation step. */
  readonly approver?: string | null;
  readonly className?: string;
}

/** Who may perform a step. Icon and words carry the meaning; colour only reinforces it. */
export default function RoleBadge({ role, approver, className }: Props): ReactNode {
  if (role === 'escalation') {
    return (
      <span className={clsx(styles.badge, styles.escalation, className)} data-role="escalation">
        <svg aria-hidden="true" viewBox="0 0 16 16" width="13" height="13" className={styles.icon}>
          <path fill="currentColor" d="M8 1.2 15.2 14H.8L8 1.2Zm-.8 4.3v4.3h1.6V5.5H7.2Zm0 5.6v1.6h1.6v-1.6H7.2Z" />
        </svg>
        Escalation{approver ? ` · ${approver}` : ''}
      </span>
    );
  }
  if (role === 'service-team') {
    return (
      <span className={clsx(styles.badge, styles.service, className)} data-role="service-team">
        <svg aria-hidden="true" viewBox="0 0 16 16" width="13" height="13" className={styles.icon}>
          <path fill="currentColor" d="M6.2 11.2 2.8 7.8 1.6 9l4.6 4.6 8.2-8.2-1.2-1.2-7 7Z" />
        </svg>
        Service team
      </span>
    );
  }
  return <span className={clsx(styles.badge, className)}>{role}</span>;
}
