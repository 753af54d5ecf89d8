import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import clsx from 'clsx';
import { useHistory, useLocation } from '@docusaurus/router';
import type { AuditPage } from '@site/server/api';
import { useApi } from '@site/src/lib/useApi';
import { useEnvironments } from '@site/src/lib/environment';
import { canReadAudit, useMe } from '@site/src/lib/me';
import AuditTable from './AuditTable';
import { apiQuery, EMPTY_FILTERS, filtersFromSearch, filtersToQuery, PAGE_SIZES, type AuditFilters } from './filters';
import styles from './styles.module.css';

type Load = { readonly state: 'loading' } | { readonly state: 'ready'; readonly page: AuditPage } | { readonly state: 'error'; readonly message: string };

const STATUSES = ['succeeded', 'failed', 'cancelled', 'rejected', 'interrupted', 'running', 'requested', 'approved', 'expired'] as const;
const KINDS = [
  ['run', 'Run'],
  ['approval_request', 'Approval request'],
  ['approval_decision', 'Approval decision'],
  ['operation', 'Operation'],
  ['page', 'Page'],
  ['result_read', 'Result read'],
] as const;

/** The audit log (admins and approvers): filters in the URL, one page of records, CSV export. */
export default function AuditLog(): ReactNode {
  const me = useMe();
  if (me.status === 'loading') return <p className={styles.muted}>Loading…</p>;
  if (me.status !== 'ready') {
    return (
      <div className={styles.notice} role="alert">
        {me.status === 'signed-out' ? 'Sign in to read the audit log.' : 'The Opsbook server did not answer, so the audit log cannot be shown.'}{' '}
        <span className={styles.muted}>{me.error}</span>
      </div>
    );
  }
  if (!canReadAudit(me.me)) {
    return (
      <div className={styles.notice} data-notice="not-allowed">
        <strong>The audit log is for admins and approvers.</strong> You are signed in as {me.me.displayName} ({me.me.roles.join(', ') || 'no roles'}).
        Every run and approval you make is recorded there; ask an approver or an admin when you need a record.
      </div>
    );
  }
  return <AuditBrowser />;
}

function AuditBrowser(): ReactNode {
  const api = useApi();
  const history = useHistory();
  const location = useLocation();
  const filters = filtersFromSearch(location.search);
  const query = apiQuery(filters);
  const [load, setLoad] = useState<Load>({ state: 'loading' });

  useEffect(() => {
    const controller = new AbortController();
    setLoad((l) => (l.state === 'ready' ? l : { state: 'loading' })); // keep the old page visible while the next loads
    api
      .get<AuditPage>(`/api/audit${query}`, controller.signal)
      .then((page) => setLoad({ state: 'ready', page }))
      .catch((e: unknown) => {
        if (!controller.signal.aborted) setLoad({ state: 'error', message: e instanceof Error ? e.message : String(e) });
      });
    return () => controller.abort();
  }, [api, query]);

  const go = (next: AuditFilters): void => history.push(`${location.pathname}${filtersToQuery(next)}`);
  const total = load.state === 'ready' ? load.page.total : null;
  const shown = load.state === 'ready' ? load.page.records.length : 0;

  return (
    <div className={styles.audit}>
      <FilterForm key={location.search} filters={filters} onApply={go} />
      <div className={styles.bar}>
        <span className={styles.range} aria-live="polite">
          {load.state === 'ready'
            ? total === 0
              ? 'No records match.'
              : `${(filters.offset + 1).toLocaleString()}–${(filters.offset + shown).toLocaleString()} of ${total?.toLocaleString()} records`
            : load.state === 'loading'
              ? 'Loading…'
              : ''}
        </span>
        <span className={styles.pager}>
          <button type="button" className={styles.button} disabled={filters.offset === 0} onClick={() => go({ ...filters, offset: Math.max(0, filters.offset - filters.limit) })}>
            ← Newer
          </button>
          <button
            type="button"
            className={styles.button}
            disabled={total === null || filters.offset + filters.limit >= total}
            onClick={() => go({ ...filters, offset: filters.offset + filters.limit })}
          >
            Older →
          </button>
        </span>
        <a className={clsx(styles.button, styles.export)} href={api.url(`/api/audit.csv${filtersToQuery(filters, false)}`)} download>
          Export CSV
        </a>
      </div>
      {load.state === 'error' ? (
        <div className={styles.error} role="alert">
          Could not load the audit log: {load.message}
        </div>
      ) : null}
      {load.state === 'ready' ? <AuditTable records={load.page.records} /> : null}
    </div>
  );
}

function FilterForm({ filters, onApply }: { readonly filters: AuditFilters; onApply(next: AuditFilters): void }): ReactNode {
  const id = useId();
  const { environments } = useEnvironments();
  const [draft, setDraft] = useState(filters);
  const set = (key: keyof AuditFilters) => (e: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [key]: key === 'limit' ? Number(e.target.value) : e.target.value }));
  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    onApply({ ...draft, runbook: draft.runbook.trim(), user: draft.user.trim(), offset: 0 });
  };
  const field = (key: keyof AuditFilters, label: string, input: ReactNode): ReactNode => (
    <div className={styles.field}>
      <label htmlFor={`${id}-${key}`}>{label}</label>
      {input}
    </div>
  );
  const text = (key: 'runbook' | 'user', placeholder: string): ReactNode => (
    <input id={`${id}-${key}`} className={styles.input} value={draft[key]} onChange={set(key)} placeholder={placeholder} spellCheck={false} autoComplete="off" />
  );
  const envKnown = draft.env === '' || environments.some((e) => e.name === draft.env);

  return (
    <form className={styles.filters} onSubmit={onSubmit} aria-label="Audit filters">
      {field('runbook', 'Runbook', text('runbook', 'runbook id'))}
      {field('user', 'User', text('user', 'user id'))}
      {field(
        'env',
        'Environment',
        <select id={`${id}-env`} className={styles.input} value={draft.env} onChange={set('env')}>
          <option value="">any</option>
          {envKnown ? null : <option value={draft.env}>{draft.env}</option>}
          {environments.map((e) => (
            <option key={e.name} value={e.name}>
              {e.label}
              {e.production ? ' (production)' : ''}
            </option>
          ))}
        </select>,
      )}
      {field(
        'status',
        'Status',
        <select id={`${id}-status`} className={styles.input} value={draft.status} onChange={set('status')}>
          <option value="">any</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>,
      )}
      {field(
        'kind',
        'Kind',
        <select id={`${id}-kind`} className={styles.input} value={draft.kind} onChange={set('kind')}>
          <option value="">any</option>
          {KINDS.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>,
      )}
      {field('from', 'From', <input id={`${id}-from`} type="date" className={styles.input} value={draft.from} max={draft.to || undefined} onChange={set('from')} />)}
      {field('to', 'To', <input id={`${id}-to`} type="date" className={styles.input} value={draft.to} min={draft.from || undefined} onChange={set('to')} />)}
      {field(
        'limit',
        'Per page',
        <select id={`${id}-limit`} className={styles.input} value={String(draft.limit)} onChange={set('limit')}>
          {[...new Set([...PAGE_SIZES, draft.limit])].map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>,
      )}
      <div className={styles.formButtons}>
        <button type="submit" className={clsx(styles.button, styles.primary)}>
          Apply filters
        </button>
        <button type="button" className={styles.button} onClick={() => onApply(EMPTY_FILTERS)}>
          Reset
        </button>
      </div>
    </form>
  );
}
