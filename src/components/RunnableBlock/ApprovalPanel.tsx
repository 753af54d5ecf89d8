import { useState, type FormEvent, type ReactNode } from 'react';
import clsx from 'clsx';
import Link from '@docusaurus/Link';
import { formatDateTime, formatRelative, formatTime } from '@site/src/lib/format';
import ApprovalDryRun from './ApprovalDryRun';
import { describeMismatch } from './approvalMatch';
import type { Escalation } from './useEscalation';
import ApprovalRouting from '../ApprovalsInbox/ApprovalRouting';
import styles from './styles.module.css';

interface Props {
  readonly idPrefix: string;
  readonly escalation: Escalation;
  /** The approver role the runbook names for this step. */
  readonly approverRole: string | null;
  /** Why a request cannot be made now (no environment, not signed in…); null when it can. */
  readonly cannotRequest: string | null;
  /** Checks the parameter form and sends the request; resolves true when the server accepted it. */
  onRequest(reason: string): Promise<boolean>;
}

const CHIP: Record<Escalation['state'], string> = {
  loading: 'Needs approval',
  none: 'Needs approval',
  pending: 'Waiting for approval',
  approved: 'Approved',
  rejected: 'Rejected',
  used: 'Approval used',
  expired: 'Approval expired',
};

/** The escalation part of a block: request, wait, then the decision that arrived by push. */
export default function ApprovalPanel({ idPrefix, escalation, approverRole, cannotRequest, onRequest }: Props): ReactNode {
  const { state, approval, mismatches, now } = escalation;
  const mismatch = mismatches.length > 0 && (state === 'approved' || state === 'pending');
  const showForm = state === 'loading' ? false : state !== 'pending' && state !== 'approved' ? true : mismatch;
  const who = approverRole ?? approval?.approverRole ?? 'an approver';

  return (
    <section className={clsx(styles.approval, styles[`approval_${state}`], mismatch && styles.approval_mismatch)} aria-label="Approval">
      <div className={styles.approvalHead}>
        <span className={clsx(styles.approvalChip, styles[`chip_${state}`])}>{CHIP[state]}</span>
        {mismatch ? <span className={clsx(styles.approvalChip, styles.chip_mismatch)}>does not match</span> : null}
        {approval ? (
          <span className={styles.approvalMeta}>
            requested {formatTime(approval.requestedAt)} for <strong>{approval.env}</strong>
            {state === 'pending' || state === 'approved' ? (
              <>
                {' '}
                · expires {formatTime(approval.expiresAt)} ({formatRelative(approval.expiresAt, now)})
              </>
            ) : null}
          </span>
        ) : (
          <span className={styles.approvalMeta}>decided by {who}</span>
        )}
      </div>

      {/* The decision arrives by push: announce it without moving focus. */}
      <div aria-live="polite" className={styles.approvalBody}>
        {state === 'loading' ? <p className={styles.approvalText}>Checking for an approval you already have…</p> : null}
        {escalation.loadError ? (
          <p className={styles.approvalText}>
            Could not read your approvals ({escalation.loadError}); a request still works.
          </p>
        ) : null}
        {state === 'none' ? (
          <p className={styles.approvalText}>
            This step runs only with an approval from <strong>{who}</strong> (someone other than you). Ask for one with
            the parameters and environment chosen above; the approval covers exactly those values, once.
          </p>
        ) : null}
        {state === 'pending' && approval ? (
          <p className={styles.approvalText}>
            Waiting for <strong>{approval.deciders?.label ?? approval.approverRole}</strong> to decide. The decision appears here by itself.{' '}
            <Link to={`/approvals?id=${encodeURIComponent(approval.id)}`}>Open the approvals inbox</Link>
          </p>
        ) : null}
        {/* Who can decide, and each step the request has gone through (sent, escalated, paged, expired). */}
        {approval && state !== 'none' && state !== 'loading' ? <ApprovalRouting approval={approval} /> : null}
        {approval && state !== 'none' && state !== 'loading' && state !== 'pending' && approval.decidedBy ? (
          <p className={clsx(styles.decision, state === 'rejected' ? styles.decisionRejected : styles.decisionApproved)}>
            <span aria-hidden="true">{approval.status === 'rejected' ? '✗ ' : '✓ '}</span>
            {approval.status === 'rejected' ? 'Rejected' : 'Approved'} by <strong>{approval.decidedBy.displayName}</strong>
            {approval.comment ? (
              <>
                : <span className={styles.decisionComment}>{approval.comment}</span>
              </>
            ) : null}
          </p>
        ) : null}
        {state === 'approved' && !mismatch ? (
          <p className={styles.approvalText}>
            Press <strong>Run</strong> to run it once, before {formatDateTime(approval?.expiresAt)}.
          </p>
        ) : null}
        {state === 'used' && approval ? (
          <p className={styles.approvalText}>
            This approval was used{approval.usedAt ? ` at ${formatTime(approval.usedAt)}` : ''}: an approval runs once. Request a new one to run
            again.
          </p>
        ) : null}
        {state === 'expired' && approval ? (
          <p className={styles.approvalText}>
            This request expired at {formatTime(approval.expiresAt)}
            {approval.decidedBy ? '' : ' before anyone decided'}. Request a new one to run.
          </p>
        ) : null}
        {state === 'rejected' ? <p className={styles.approvalText}>Change what the approver asked for, then request again.</p> : null}
        {approval && state !== 'none' && state !== 'loading' ? (
          <p className={styles.approvalReason}>
            <span className={styles.muted}>Your reason:</span> {approval.reason}
          </p>
        ) : null}
        {approval && (state === 'pending' || state === 'approved') ? <ApprovalDryRun preview={approval.preview} /> : null}
        {mismatch ? (
          <div className={styles.mismatch} data-approval-mismatch="true">
            <strong>
              {state === 'approved' ? 'The approval no longer matches what would run' : 'The request does not match what would run'}:
            </strong>
            <ul>
              {mismatches.map((m) => (
                <li key={`${m.field}:${m.name}`}>{describeMismatch(m)}</li>
              ))}
            </ul>
            Set them back to run with it, or request a new approval for the new values.
          </div>
        ) : null}
      </div>

      {showForm ? <RequestForm idPrefix={idPrefix} escalation={escalation} cannotRequest={cannotRequest} onRequest={onRequest} /> : null}
    </section>
  );
}

function RequestForm({ idPrefix, escalation, cannotRequest, onRequest }: Omit<Props, 'approverRole'>): ReactNode {
  const [reason, setReason] = useState('');
  const id = `${idPrefix}-reason`;
  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    if (cannotRequest || escalation.requesting || reason.trim() === '') return;
    void onRequest(reason.trim()).then((ok) => {
      if (ok) setReason('');
    });
  };
  return (
    <form className={styles.requestForm} onSubmit={onSubmit}>
      <label htmlFor={id} className={styles.reasonLabel}>
        Reason
      </label>
      <textarea
        id={id}
        className={styles.reason}
        required
        rows={2}
        maxLength={2000}
        placeholder="Why this must run now, e.g. the ticket and what the result will fix"
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        disabled={escalation.requesting}
      />
      <div className={styles.requestRow}>
        <button type="submit" className={clsx(styles.button, styles.requestButton)} disabled={cannotRequest !== null || escalation.requesting} aria-busy={escalation.requesting || undefined}>
          Request approval
        </button>
        {cannotRequest ? <span className={styles.blocked}>{cannotRequest}</span> : null}
        {escalation.requesting ? <span className={styles.muted}>Sending the request…</span> : null}
      </div>
      {escalation.requestError ? (
        <div role="alert" className={clsx(styles.alert, styles.requestError)}>
          <strong>Request not sent</strong> {escalation.requestError}
        </div>
      ) : null}
    </form>
  );
}
