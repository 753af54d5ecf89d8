/**
 * The bar above every runbook (issue 12): start an operation here, or — while this tab works in one — its
 * title, status and owner, a quick note, and the way to its timeline. It also takes the operation deep
 * links: `?operation=ID` works in that operation, `?start-operation=1&title=…&severity=…&<param>=…` opens the
 * start form filled from an alert (the operator confirms; a link never starts anything by itself).
 */
import { useEffect, useState, type ReactNode } from 'react';
import Link from '@docusaurus/Link';
import { useLocation } from '@docusaurus/router';
import { useDoc } from '@docusaurus/plugin-content-docs/client';
import type { Operation, Severity } from '@site/server/operations/types';
import { SEVERITIES } from '@site/server/operations/types';
import { setActiveOperation } from '@site/src/lib/activeOperation';
import { useApi } from '@site/src/lib/useApi';
import { useMe } from '@site/src/lib/me';
import StartForm from './StartForm';
import { alreadyLinked, markLinked, onRecordProblem, recordInActive } from './recording';
import { useActiveOperationId, useLiveOperation } from './useOperation';
import styles from './styles.module.css';

const LINK_WORDS = new Set(['operation', 'start-operation', 'title', 'severity', 'env']);

function useRunbook(): { readonly id: string; readonly title: string } {
  const { metadata, frontMatter } = useDoc();
  const runbook = (frontMatter as { runbook?: { id?: unknown } }).runbook;
  return { id: typeof runbook?.id === 'string' ? runbook.id : metadata.id, title: metadata.title };
}

export default function OperationBar(): ReactNode {
  const me = useMe();
  const api = useApi();
  const { pathname, search } = useLocation();
  const runbook = useRunbook();
  const activeId = useActiveOperationId();
  const { live } = useLiveOperation(activeId);
  const [starting, setStarting] = useState<null | { title: string; severity: Severity; params: Record<string, string>; origin: string }>(null);
  const [note, setNote] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => onRecordProblem(setProblem), []);

  // Deep links, read once the page is live (the static HTML has no query string).
  useEffect(() => {
    const query = new URLSearchParams(search);
    const id = query.get('operation');
    if (id) setActiveOperation(id);
    if (query.get('start-operation') === '1') {
      const sev = query.get('severity');
      const params = Object.fromEntries([...query].filter(([k]) => !LINK_WORDS.has(k) && !k.startsWith('_')));
      setStarting({ title: query.get('title') ?? runbook.title, severity: SEVERITIES.includes(sev as Severity) ? (sev as Severity) : 'sev2', params, origin: 'link' });
    }
  }, [search, runbook.title]);

  // A runbook opened while working in an operation is part of its record.
  useEffect(() => {
    if (!activeId || live.state !== 'ready' || live.operation.status === 'closed' || alreadyLinked(activeId, pathname)) return;
    markLinked(activeId, pathname);
    if (live.operation.runbook === runbook.id && live.events.length <= 1) return; // the page it was started from
    void recordInActive(api, { kind: 'link', runbook: runbook.id, path: pathname, title: runbook.title });
  }, [activeId, live, pathname, runbook.id, runbook.title, api]);

  if (me.status !== 'ready' || me.me.roles.length === 0) return null;

  const started = (op: Operation) => {
    markLinked(op.id, pathname);
    setActiveOperation(op.id);
    setStarting(null);
  };

  if (activeId) {
    const op = live.state === 'ready' ? live.operation : null;
    return (
      <aside className={styles.bar} aria-label="Operation" data-operation={activeId} data-status={op?.status ?? 'loading'}>
        <span className={styles.grow}>
          <span className={styles.muted}>Working in </span>
          <Link className={styles.barTitle} to={`/operations?id=${encodeURIComponent(activeId)}`}>
            {op ? op.title : activeId}
          </Link>
          {op ? (
            <>
              {' '}
              <span className={`${styles.badge} ${styles[op.severity] ?? ''}`}>{op.severity}</span> <span className={`${styles.badge} ${styles[`status_${op.status}`] ?? ''}`}>{op.status}</span>
              <span className={styles.muted}> · owner {op.owner.displayName} · {op.eventCount} recorded</span>
            </>
          ) : live.state === 'failed' ? (
            <span className={styles.muted}> · {live.message}</span>
          ) : null}
        </span>
        {op && op.status !== 'closed' ? (
          <form
            className={styles.inline}
            onSubmit={(e) => {
              e.preventDefault();
              void recordInActive(api, { kind: 'note', text: note, runbook: runbook.id }).then((ok) => ok && setNote(''));
            }}
          >
            <input type="text" aria-label="Note for the operation" placeholder="Note for the timeline…" value={note} onChange={(e) => setNote(e.target.value)} maxLength={4000} />
            <button type="submit" className="button button--secondary button--sm" disabled={!note.trim()}>
              Add note
            </button>
          </form>
        ) : null}
        <button type="button" className={styles.linkButton} onClick={() => setActiveOperation(null)} title="Runs from this tab stop being recorded in it; the operation stays as it is.">
          Stop working in it
        </button>
        {problem ? (
          <span role="alert" className={`${styles.error} ${styles.full}`}>
            {problem}
          </span>
        ) : null}
      </aside>
    );
  }

  return (
    <aside className={styles.bar} aria-label="Operation">
      {starting ? (
        <StartForm initialTitle={starting.title} initialSeverity={starting.severity} origin={starting.origin} runbook={runbook.id} params={starting.params} onStarted={started} onCancel={() => setStarting(null)} />
      ) : (
        <>
          <span className={styles.grow}>
            <span className={styles.muted}>Runs, approvals, ticked steps and notes here are recorded only when you work in an operation.</span>
          </span>
          <button type="button" className="button button--outline button--primary button--sm" onClick={() => setStarting({ title: runbook.title, severity: 'sev3', params: {}, origin: runbook.id })}>
            Start an operation
          </button>
          <Link to="/operations?status=active">Join one</Link>
        </>
      )}
    </aside>
  );
}
