import type { ReactNode } from 'react';
import type { Approval, Deciders } from '@site/server/api';
import { formatDateTime } from '@site/src/lib/format';
import styles from './routing.module.css';

/** "Oskar On-call, Pia On-call, group de-oncall", or why nobody can decide. */
export function decidersText(d: Deciders): string {
  if (d.unconfigured) return `nobody yet — the server configuration lists no members for ${d.label}`;
  const names = [...d.users.map((u) => u.displayName), ...d.groups.map((g) => `members of group ${g}`)];
  return names.length ? names.join(', ') : `members of ${d.label}`;
}

const KIND_ICON: Record<NonNullable<Approval['steps']>[number]['kind'], string> = { notified: '✉', escalated: '↑', expired: '⌛', paged: '☎' };

/**
 * Who can decide a request, how many approvals it needs and has, and what has happened to it while it waited
 * (sent to the role, escalated along the ladder, paged, expired) — for the approver and the requester alike.
 */
export default function ApprovalRouting({ approval }: { readonly approval: Approval }): ReactNode {
  const d = approval.deciders;
  const required = approval.required ?? 1;
  const votes = approval.votes ?? [];
  const steps = approval.steps ?? [];
  if (!d && steps.length === 0) return null;
  return (
    <div className={styles.routing} data-testid="approval-routing">
      {d ? (
        <p className={styles.deciders} data-testid="approval-deciders">
          <span className={styles.label}>Who can decide ({d.label}):</span> {decidersText(d)}
        </p>
      ) : null}
      {required > 1 ? (
        <p className={styles.votes} data-testid="approval-votes">
          <span className={styles.label}>Approvals:</span> {Math.min(votes.length, required)} of {required}
          {votes.length ? ` — ${votes.map((v) => v.by.displayName).join(', ')}` : ''}
          {approval.status === 'pending' && votes.length < required ? ` · ${required - votes.length} more from other members needed` : ''}
        </p>
      ) : null}
      {steps.length ? (
        <ol className={styles.steps} aria-label="What happened to this request" data-testid="approval-steps">
          {steps.map((s, i) => (
            <li key={`${s.at}-${i}`} className={styles.step} data-kind={s.kind}>
              <span className={styles.icon} aria-hidden="true">{KIND_ICON[s.kind]}</span>
              <span className={styles.when}>{formatDateTime(s.at)}</span>
              <span className={styles.title}>{s.title}</span>
              {s.detail ? <span className={styles.detail}>{s.detail}</span> : null}
            </li>
          ))}
        </ol>
      ) : null}
    </div>
  );
}
