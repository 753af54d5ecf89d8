/**
 * One operation: what it is, who owns it, its live timeline, and what can be done with it — work in it from
 * this tab, add a note, hand it over with a note, resume it, close it, export the signed report.
 */
import { useId, useState, type ReactNode } from 'react';
import Link from '@docusaurus/Link';
import type { Operation } from '@site/server/operations/types';
import { setActiveOperation } from '@site/src/lib/activeOperation';
import { useApi } from '@site/src/lib/useApi';
import { useMe } from '@site/src/lib/me';
import { SEVERITY_TEXT } from './StartForm';
import Timeline from './Timeline';
import { useActiveOperationId, useLiveOperation } from './useOperation';
import styles from './styles.module.css';

function stamp(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export default function OperationView({ id }: { readonly id: string }): ReactNode {
  const api = useApi();
  const me = useMe();
  const formId = useId();
  const { live, apply } = useLiveOperation(id);
  const activeId = useActiveOperationId();
  const [note, setNote] = useState('');
  const [handoverTo, setHandoverTo] = useState('');
  const [handoverNote, setHandoverNote] = useState('');
  const [closeNote, setCloseNote] = useState('');
  const [panel, setPanel] = useState<'none' | 'handover' | 'close'>('none');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (live.state === 'loading') return <p className={styles.muted}>Loading the operation…</p>;
  if (live.state === 'failed') return <p role="alert" className={styles.error}>{live.message}</p>;
  const op = live.operation;
  const user = me.status === 'ready' ? me.me : null;
  const isOwner = user?.user === op.owner.user;
  const isAdmin = user?.roles.includes('admin') ?? false;
  const closed = op.status === 'closed';
  const exportUrl = (format: string, inline = false) => api.url(`/api/operations/${encodeURIComponent(op.id)}/export?format=${format}${inline ? '&inline=1' : ''}`);

  const act = async (path: string, body: unknown, after?: () => void) => {
    setBusy(true);
    setError(null);
    try {
      const result = await api.post<Operation | { seq: number }>(`/api/operations/${encodeURIComponent(op.id)}/${path}`, body);
      if ('id' in result && 'status' in result) apply(result);
      after?.();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const others = me.status === 'ready' && me.me.demoUsers ? me.me.demoUsers.filter((u) => u.user !== op.owner.user) : [];

  return (
    <article data-operation={op.id} data-status={op.status} data-owner={op.owner.user}>
      <p>
        <Link to="/operations">← All operations</Link>
      </p>
      <div className={styles.head}>
        <h2>{op.title}</h2>
        <span className={`${styles.badge} ${styles[op.severity] ?? ''}`}>{SEVERITY_TEXT[op.severity]}</span>
        <span className={`${styles.badge} ${styles[`status_${op.status}`] ?? ''}`} data-testid="operation-status">
          {op.status}
        </span>
      </div>
      <dl className={styles.meta}>
        <dt>Owner</dt>
        <dd data-testid="operation-owner">{op.owner.displayName}</dd>
        <dt>Environment</dt>
        <dd>{op.env}</dd>
        <dt>Participants</dt>
        <dd>{op.participants.map((p) => p.displayName).join(', ')}</dd>
        <dt>Started</dt>
        <dd>
          {stamp(op.createdAt)} by {op.createdBy.displayName}
          {op.runbook ? (
            <>
              {' '}
              from <span className={styles.mono}>{op.runbook}</span>
            </>
          ) : null}
        </dd>
        {op.closedAt ? (
          <>
            <dt>Closed</dt>
            <dd>{stamp(op.closedAt)}</dd>
          </>
        ) : null}
        <dt>Operation</dt>
        <dd className={styles.mono}>{op.id}</dd>
      </dl>

      <div className={styles.actions}>
        {!closed ? (
          activeId === op.id ? (
            <button type="button" className="button button--secondary button--sm" onClick={() => setActiveOperation(null)}>
              Stop working in it in this tab
            </button>
          ) : (
            <button type="button" className="button button--primary button--sm" onClick={() => setActiveOperation(op.id)} title="Runs, approvals, ticked steps and notes from this tab are recorded in it.">
              Work in it in this tab
            </button>
          )
        ) : null}
        {op.status === 'handed-over' && (isOwner || isAdmin) ? (
          <button type="button" className="button button--primary button--sm" disabled={busy} onClick={() => void act('resume', { note: '' }, () => setActiveOperation(op.id))}>
            Resume it
          </button>
        ) : null}
        {!closed && (isOwner || isAdmin) ? (
          <>
            <button type="button" className="button button--secondary button--sm" onClick={() => setPanel(panel === 'handover' ? 'none' : 'handover')} aria-expanded={panel === 'handover'}>
              Hand over…
            </button>
            <button type="button" className="button button--secondary button--sm" onClick={() => setPanel(panel === 'close' ? 'none' : 'close')} aria-expanded={panel === 'close'}>
              Close…
            </button>
          </>
        ) : null}
        <span className={styles.inline}>
          Export:{' '}
          <a href={exportUrl('html', true)} target="_blank" rel="noopener">
            HTML report
          </a>
          <a href={exportUrl('md')}>Markdown</a>
          <a href={exportUrl('json')}>JSON</a>
        </span>
      </div>

      {panel === 'handover' ? (
        <form
          className={`${styles.card} ${styles.form}`}
          aria-label="Hand over"
          onSubmit={(e) => {
            e.preventDefault();
            void act('handover', { to: handoverTo, note: handoverNote }, () => {
              setPanel('none');
              setHandoverNote('');
            });
          }}
        >
          <div className={styles.field}>
            <label htmlFor={`${formId}-to`}>Hand over to</label>
            <input id={`${formId}-to`} list={`${formId}-people`} value={handoverTo} onChange={(e) => setHandoverTo(e.target.value)} required placeholder="user name" />
            <datalist id={`${formId}-people`}>
              {others.map((u) => (
                <option key={u.user} value={u.user}>
                  {u.displayName}
                </option>
              ))}
            </datalist>
          </div>
          <div className={`${styles.field} ${styles.full}`}>
            <label htmlFor={`${formId}-hnote`}>Handover note: what is done, what is left, what to watch</label>
            <textarea id={`${formId}-hnote`} value={handoverNote} onChange={(e) => setHandoverNote(e.target.value)} required maxLength={4000} />
          </div>
          <button type="submit" className="button button--primary button--sm" disabled={busy || !handoverTo.trim() || !handoverNote.trim()}>
            Hand over
          </button>
        </form>
      ) : null}
      {panel === 'close' ? (
        <form
          className={`${styles.card} ${styles.form}`}
          aria-label="Close the operation"
          onSubmit={(e) => {
            e.preventDefault();
            void act('close', { note: closeNote }, () => {
              setPanel('none');
              if (activeId === op.id) setActiveOperation(null);
            });
          }}
        >
          <div className={`${styles.field} ${styles.full}`}>
            <label htmlFor={`${formId}-cnote`}>Closing note (the outcome)</label>
            <textarea id={`${formId}-cnote`} value={closeNote} onChange={(e) => setCloseNote(e.target.value)} maxLength={4000} />
          </div>
          <button type="submit" className="button button--primary button--sm" disabled={busy}>
            Close the operation
          </button>
        </form>
      ) : null}
      {error ? (
        <p role="alert" className={styles.error}>
          {error}
        </p>
      ) : null}

      <section className={styles.section} aria-labelledby={`${formId}-timeline`}>
        <h3 id={`${formId}-timeline`}>Timeline</h3>
        <Timeline events={live.events} />
        {!closed ? (
          <form
            className={styles.inline}
            onSubmit={(e) => {
              e.preventDefault();
              void act('events', { kind: 'note', text: note }, () => setNote(''));
            }}
          >
            <input type="text" className={styles.grow} aria-label="Note for the timeline" placeholder="Add a note to the timeline…" value={note} onChange={(e) => setNote(e.target.value)} maxLength={4000} />
            <button type="submit" className="button button--secondary button--sm" disabled={busy || !note.trim()}>
              Add note
            </button>
          </form>
        ) : null}
      </section>
    </article>
  );
}
