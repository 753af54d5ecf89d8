import { useCallback, useEffect, type ReactNode } from 'react';
import type { Approval } from '@site/server/api';
import { useApi } from '@site/src/lib/useApi';
import { decidableBy, effectiveStatus, inboxOrder, isApprover } from '@site/src/lib/approvals';
import { useApprovals } from '@site/src/lib/useApprovals';
import { useEnvironments } from '@site/src/lib/environment';
import { useMe } from '@site/src/lib/me';
import { useNow } from '@site/src/lib/useNow';
import ApprovalCard, { type EnvLook } from './ApprovalCard';
import styles from './styles.module.css';

/** How many decided requests the inbox keeps below the pending ones. */
const RECENT = 20;

/** The approvals inbox: pending escalation requests first, then recent decisions; live by push. */
export default function ApprovalsInbox(): ReactNode {
  const api = useApi();
  const me = useMe();
  const { status, approvals, error, viewer, store } = useApprovals();
  const { environments } = useEnvironments();
  const now = useNow(15_000);
  const onDecided = useCallback((approval: Approval) => store.upsert(approval), [store]);
  // A notification's link (/approvals?id=…) opens on that request: scrolled to and outlined.
  const loaded = status === 'ready';
  useEffect(() => {
    const id = new URLSearchParams(window.location.search).get('id');
    if (!loaded || !id) return;
    const card = document.querySelector<HTMLElement>(`[data-approval-id="${CSS.escape(id)}"]`);
    if (!card) return;
    card.dataset.linked = 'true';
    card.scrollIntoView({ block: 'start' });
  }, [loaded]);

  if (me.status === 'loading' || (me.status === 'ready' && (status === 'idle' || status === 'loading'))) {
    return <p className={styles.muted} aria-busy="true">Loading approvals…</p>;
  }
  if (me.status !== 'ready' || !viewer) {
    return (
      <div className={styles.notice} role="alert">
        {me.status === 'signed-out' ? 'Sign in to see approvals.' : 'The Opsbook server did not answer, so approvals cannot be shown.'}{' '}
        <span className={styles.muted}>{me.error}</span>
      </div>
    );
  }

  const approver = isApprover(viewer);
  const visible = approver ? approvals : approvals.filter((a) => a.requestedBy.user === viewer.user);
  const { pending, decided } = inboxOrder(visible, now);
  // Requests this user can act on come before their own, which only wait.
  pending.sort((a, b) => Number(decidableBy(b, viewer, now)) - Number(decidableBy(a, viewer, now)));
  const waiting = pending.filter((a) => decidableBy(a, viewer, now)).length;
  const envLook = (name: string): EnvLook => {
    const env = environments.find((e) => e.name === name);
    return { label: env?.label ?? name, production: env?.production ?? /prod/i.test(name) };
  };
  const card = (a: Approval): ReactNode => (
    <li key={a.id}>
      <ApprovalCard
        approval={a}
        status={effectiveStatus(a, now)}
        env={envLook(a.env)}
        now={now}
        own={a.requestedBy.user === viewer.user}
        decidable={decidableBy(a, viewer, now)}
        api={api}
        onDecided={onDecided}
      />
    </li>
  );

  return (
    <div className={styles.inbox}>
      {approver ? (
        <p className={styles.lead}>
          {waiting > 0 ? (
            <>
              <strong>{waiting}</strong> request{waiting === 1 ? '' : 's'} waiting for your decision.
            </>
          ) : (
            'Nothing is waiting for your decision.'
          )}{' '}
          Check the SQL, the parameters, the environment and the preview; an approval covers exactly these, once.
        </p>
      ) : (
        <div className={styles.notice} data-notice="not-approver">
          <strong>Only approvers decide on escalation requests.</strong> You are signed in as {me.me.displayName} (
          {viewer.roles.join(', ') || 'no roles'}). Your own requests are listed below; their decisions also appear in the
          runbook step you requested from.
        </div>
      )}
      {error ? (
        <div className={styles.error} role="alert">
          Could not refresh the approvals: {error}
        </div>
      ) : null}

      <section aria-labelledby="pending-heading">
        <h2 id="pending-heading" className={styles.sectionHeading}>
          Pending <span className={styles.count}>{pending.length}</span>
        </h2>
        {pending.length > 0 ? (
          <ul className={styles.list}>{pending.map(card)}</ul>
        ) : (
          <p className={styles.empty}>{approver ? 'No pending requests.' : 'You have no pending requests.'}</p>
        )}
      </section>

      <section aria-labelledby="decided-heading">
        <h2 id="decided-heading" className={styles.sectionHeading}>
          Recently decided <span className={styles.count}>{Math.min(decided.length, RECENT)}</span>
        </h2>
        {decided.length > 0 ? <ul className={styles.list}>{decided.slice(0, RECENT).map(card)}</ul> : <p className={styles.empty}>None yet.</p>}
      </section>
    </div>
  );
}
