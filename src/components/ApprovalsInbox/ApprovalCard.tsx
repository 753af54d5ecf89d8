import { memo, useId, useState, type FormEvent, type ReactNode } from 'react';
import clsx from 'clsx';
import CodeBlock from '@theme/CodeBlock';
import type { Approval, ApprovalPreview, ApprovalStatus, DecisionRequest } from '@site/server/api';
import type { ApiClient } from '@site/src/lib/api';
import { formatDateTime, formatRelative } from '@site/src/lib/format';
import ApprovalRouting, { decidersText } from './ApprovalRouting';
import styles from './styles.module.css';

export interface EnvLook {
  readonly label: string;
  readonly production: boolean;
}

interface Props {
  readonly approval: Approval;
  readonly status: ApprovalStatus;
  readonly env: EnvLook;
  readonly now: number;
  /** The viewer made this request: someone else must decide. */
  readonly own: boolean;
  /** The viewer may approve or reject it now. */
  readonly decidable: boolean;
  readonly api: ApiClient;
  onDecided(approval: Approval): void;
}

const STATUS_TEXT: Record<ApprovalStatus, string> = {
  pending: 'Pending',
  approved: 'Approved',
  rejected: 'Rejected',
  used: 'Used',
  expired: 'Expired',
};

function looksLikeAirflow(approval: Approval): boolean {
  return approval.preview.kind === 'airflow' || /^\s*(dags|tasks|variables)\s/.test(approval.text);
}

/** Highlighting is costly: the card re-renders on every clock tick, the code never changes. */
const Code = memo(function Code({ language, code }: { readonly language: string; readonly code: string }): ReactNode {
  return <CodeBlock language={language}>{code}</CodeBlock>;
});

function Params({ params }: { readonly params: Approval['params'] }): ReactNode {
  const entries = Object.entries(params);
  if (entries.length === 0) return <p className={styles.muted}>No parameters.</p>;
  return (
    <table className={styles.kvTable}>
      <caption className={styles.srOnly}>Parameters</caption>
      <thead>
        <tr>
          <th scope="col">Parameter</th>
          <th scope="col">Value</th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([name, value]) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            <td>{String(value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Preview({ preview }: { readonly preview: ApprovalPreview }): ReactNode {
  if (preview.kind === 'none') return <p className={styles.note}>{preview.note}</p>;
  if (preview.kind === 'sql') {
    return (
      <>
        <p className={styles.affected}>
          Rows affected:{' '}
          <strong>{preview.affectedRows === null ? 'unknown (the engine cannot count them beforehand)' : preview.affectedRows.toLocaleString()}</strong>
        </p>
        {preview.plan ? (
          <pre className={styles.plan} aria-label="Query plan">
            {preview.plan}
          </pre>
        ) : (
          <p className={styles.muted}>No plan: the engine cannot explain this statement.</p>
        )}
        {preview.note ? <p className={styles.note}>{preview.note}</p> : null}
      </>
    );
  }
  return (
    <>
      <p className={styles.affected}>
        <code>{preview.command}</code> — <strong>{preview.taskInstances.length.toLocaleString()}</strong> task instance
        {preview.taskInstances.length === 1 ? '' : 's'} affected
      </p>
      {preview.taskInstances.length > 0 ? (
        <div className={styles.scroll}>
          <table className={styles.kvTable}>
            <caption className={styles.srOnly}>Task instances the dry run lists</caption>
            <thead>
              <tr>
                <th scope="col">DAG</th>
                <th scope="col">Run</th>
                <th scope="col">Task</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {preview.taskInstances.map((t) => (
                <tr key={`${t.dagId}/${t.runId}/${t.taskId}`}>
                  <td>{t.dagId}</td>
                  <td>{t.runId}</td>
                  <td>{t.taskId}</td>
                  <td>{t.state ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {preview.note ? <p className={styles.note}>{preview.note}</p> : null}
    </>
  );
}

/** What would run, with which values, and what the engine says it would touch. */
function Details({ approval }: { readonly approval: Approval }): ReactNode {
  return (
    <>
      <div className={styles.section}>
        <span className={styles.sectionLabel}>{looksLikeAirflow(approval) ? 'Command' : 'SQL'} — exactly what will run</span>
        <div className={styles.code}>
          <Code language={looksLikeAirflow(approval) ? 'bash' : 'sql'} code={approval.text} />
        </div>
      </div>

      <div className={styles.columns}>
        <div className={styles.section}>
          <span className={styles.sectionLabel}>Parameters</span>
          <Params params={approval.params} />
        </div>
        <div className={clsx(styles.section, styles.previewSection)}>
          <span className={styles.sectionLabel}>Preview</span>
          <Preview preview={approval.preview} />
        </div>
      </div>
    </>
  );
}

/** One escalation request: what would run, where, why, the preview, and the decision (or the form for it). */
export default function ApprovalCard({ approval, status, env, now, own, decidable, api, onDecided }: Props): ReactNode {
  const headingId = useId();
  return (
    <article
      className={clsx(styles.card, env.production && styles.cardProd, styles[`card_${status}`])}
      aria-labelledby={headingId}
      data-approval-id={approval.id}
      data-status={status}
    >
      <header className={styles.cardHead}>
        <span className={clsx(styles.chip, styles[`chip_${status}`])}>{STATUS_TEXT[status]}</span>
        <h3 id={headingId} className={styles.cardTitle}>
          {approval.title ?? approval.step ?? approval.snippet}
        </h3>
        <span className={clsx(styles.env, env.production && styles.envProd)} data-production={env.production ? 'true' : 'false'}>
          {env.production ? '⚠ ' : ''}
          {env.label}
          {env.production && !/prod/i.test(env.label) ? ' (production)' : ''}
        </span>
      </header>
      <div className={styles.where}>
        <span>
          <span className={styles.muted}>runbook</span> {approval.runbook}
        </span>
        {approval.step ? (
          <span>
            <span className={styles.muted}>step</span> {approval.step}
          </span>
        ) : null}
        <code className={styles.key}>{approval.snippet}</code>
      </div>

      <dl className={styles.facts}>
        <div>
          <dt>Requested by</dt>
          <dd>
            {approval.requestedBy.displayName}
            {own ? <span className={styles.you}> (you)</span> : null}
          </dd>
        </div>
        <div>
          <dt>Requested</dt>
          <dd>
            {formatDateTime(approval.requestedAt)} <span className={styles.muted}>({formatRelative(approval.requestedAt, now)})</span>
          </dd>
        </div>
        {status === 'pending' || status === 'approved' || status === 'expired' ? (
          <div>
            <dt>{status === 'expired' ? 'Expired' : status === 'approved' ? 'Valid until' : 'Expires'}</dt>
            <dd className={status === 'pending' && Date.parse(approval.expiresAt) - now < 10 * 60_000 ? styles.soon : undefined}>
              {formatDateTime(approval.expiresAt)} <span className={styles.muted}>({formatRelative(approval.expiresAt, now)})</span>
            </dd>
          </div>
        ) : null}
        <div>
          <dt>Approver role</dt>
          <dd>{approval.deciders?.label ?? approval.approverRole}</dd>
        </div>
      </dl>

      <ApprovalRouting approval={approval} />

      <div className={styles.reason}>
        <span className={styles.sectionLabel}>Reason</span>
        <p>{approval.reason}</p>
      </div>

      {status === 'pending' ? (
        <Details approval={approval} />
      ) : (
        // Decided requests are history: keep them short for scanning, the details one click away.
        <details className={styles.details}>
          <summary>{looksLikeAirflow(approval) ? 'Command' : 'SQL'}, parameters and preview</summary>
          <Details approval={approval} />
        </details>
      )}

      <Decision approval={approval} status={status} own={own} decidable={decidable} production={env.production} api={api} onDecided={onDecided} />
    </article>
  );
}

function Decision({
  approval,
  status,
  own,
  decidable,
  production,
  api,
  onDecided,
}: Pick<Props, 'approval' | 'status' | 'own' | 'decidable' | 'api' | 'onDecided'> & { readonly production: boolean }): ReactNode {
  const id = useId();
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState<DecisionRequest['decision'] | null>(null);
  const [error, setError] = useState<string | null>(null);

  if (approval.decidedBy) {
    const approved = approval.status !== 'rejected';
    return (
      <div className={clsx(styles.outcome, approved ? styles.outcomeApproved : styles.outcomeRejected)}>
        <p>
          <span aria-hidden="true">{approved ? '✓ ' : '✗ '}</span>
          {approved ? 'Approved' : 'Rejected'} by <strong>{approval.decidedBy.displayName}</strong>
          {approval.decidedAt ? <> at {formatDateTime(approval.decidedAt)}</> : null}
          {approval.comment ? (
            <>
              : <span className={styles.outcomeComment}>{approval.comment}</span>
            </>
          ) : null}
        </p>
        {approval.usedAt ? <p className={styles.muted}>Used at {formatDateTime(approval.usedAt)} — an approval runs once.</p> : null}
        {approval.run?.status === 'interrupted' ? (
          <p className={styles.muted} data-run-status="interrupted">
            The run it approved was interrupted (the server stopped while it ran): check what changed before asking to run it again.
          </p>
        ) : null}
        {approved && status === 'expired' ? <p className={styles.muted}>Expired without being used.</p> : null}
      </div>
    );
  }
  if (status !== 'pending') return <p className={clsx(styles.outcome, styles.muted)}>Expired before anyone decided.</p>;
  if (own) return <p className={clsx(styles.outcome, styles.ownNotice)}>Your request — someone else must decide.</p>;
  if (!decidable) {
    return (
      <p className={clsx(styles.outcome, styles.muted)} data-testid="not-decidable">
        {approval.deciders ? `Waiting for ${approval.deciders.label} to decide: ${decidersText(approval.deciders)}. You are not a member of that role, or you have already approved.` : 'Waiting for an approver to decide.'}
      </p>
    );
  }

  const onSubmit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    const decision = submitter?.value === 'reject' ? 'reject' : 'approve';
    if (comment.trim() === '' || busy) return;
    setBusy(decision);
    setError(null);
    const body: DecisionRequest = { decision, comment: comment.trim() };
    api
      .post<Approval>(`/api/approvals/${encodeURIComponent(approval.id)}/decision`, body)
      .then((decided) => onDecided(decided))
      .catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)))
      .finally(() => setBusy(null));
  };

  return (
    <form className={styles.decide} onSubmit={onSubmit}>
      <label htmlFor={`${id}-comment`} className={styles.sectionLabel}>
        Comment
      </label>
      <textarea
        id={`${id}-comment`}
        className={styles.comment}
        required
        rows={2}
        maxLength={2000}
        placeholder="What you checked, or what must change before this runs"
        value={comment}
        onChange={(e) => setComment(e.target.value)}
        disabled={busy !== null}
      />
      <div className={styles.buttons}>
        <button type="submit" name="decision" value="approve" className={clsx(styles.button, styles.approve, production && styles.approveProd)} disabled={busy !== null}>
          Approve
        </button>
        <button type="submit" name="decision" value="reject" className={clsx(styles.button, styles.reject)} disabled={busy !== null}>
          Reject
        </button>
        {busy ? <span className={styles.muted}>{busy === 'approve' ? 'Approving…' : 'Rejecting…'}</span> : null}
        {production ? <span className={styles.prodWarn}>Runs on production once approved.</span> : null}
      </div>
      {error ? (
        <div role="alert" className={styles.error}>
          <strong>Not recorded:</strong> {error}
        </div>
      ) : null}
    </form>
  );
}
