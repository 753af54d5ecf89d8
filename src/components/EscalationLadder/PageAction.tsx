import { useId, useState, type FormEvent, type ReactNode } from 'react';
import type { PageRequest, PageResult } from '@site/server/api';
import { activeOperationId } from '@site/src/lib/activeOperation';
import { useApi } from '@site/src/lib/useApi';
import styles from './styles.module.css';

interface Props {
  readonly ladder: string;
  readonly level: number;
  /** Who the level resolves to now, for the button's label. */
  readonly who: string;
  /** An operation id on the page, when the page is part of one (optional). */
  readonly operation?: string;
}

/**
 * "Page" on a ladder level: a one-line summary, then the server sends a PagerDuty trigger or a Slack message
 * to the configured paging channels with how to reach the person and a link back. The server decides whether
 * this user may page and records every attempt.
 */
export default function PageAction({ ladder, level, who, operation }: Props): ReactNode {
  const api = useApi();
  const id = useId();
  const [open, setOpen] = useState(false);
  const [summary, setSummary] = useState('');
  const [state, setState] = useState<{ kind: 'idle' | 'sending' } | { kind: 'sent'; result: PageResult } | { kind: 'error'; message: string }>({ kind: 'idle' });

  if (!open) {
    return (
      <button type="button" className={styles.pageButton} onClick={() => setOpen(true)} data-testid={`page-${level}`}>
        Page {who}
      </button>
    );
  }
  const onSubmit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    if (summary.trim().length < 5 || state.kind === 'sending') return;
    setState({ kind: 'sending' });
    // A page sent while this tab works in an operation is part of it (its timeline records the page and the answer).
    const inOperation = operation ?? activeOperationId();
    const body: PageRequest = { ladder, level, summary: summary.trim(), path: window.location.pathname, ...(inOperation ? { operation: inOperation } : {}) };
    api
      .post<PageResult>('/api/page', body)
      .then((result) => setState({ kind: 'sent', result }))
      .catch((e: unknown) => setState({ kind: 'error', message: e instanceof Error ? e.message : String(e) }));
  };
  if (state.kind === 'sent') {
    return (
      <p className={styles.pageSent} role="status" data-testid={`page-sent-${level}`}>
        Paged {state.result.who} via {state.result.channels.join(', ')}.
      </p>
    );
  }
  return (
    <form className={styles.pageForm} onSubmit={onSubmit}>
      <label htmlFor={`${id}-summary`} className={styles.label}>
        What is it about? (sent to {who} with a link to this page)
      </label>
      <input
        id={`${id}-summary`}
        className={styles.pageInput}
        value={summary}
        maxLength={500}
        required
        placeholder="e.g. Profit for yesterday missing, SLA 08:00 at risk"
        onChange={(e) => setSummary(e.target.value)}
        disabled={state.kind === 'sending'}
      />
      <div className={styles.pageButtons}>
        <button type="submit" className={styles.pageButton} disabled={state.kind === 'sending'}>
          {state.kind === 'sending' ? 'Paging…' : `Send page to ${who}`}
        </button>
        <button type="button" className={styles.pageCancel} onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
      {state.kind === 'error' ? (
        <p role="alert" className={styles.pageError}>
          Not sent: {state.message}
        </p>
      ) : null}
    </form>
  );
}
