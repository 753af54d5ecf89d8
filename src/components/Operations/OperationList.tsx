/** Open and closed operations with filters (in the URL, so a filtered list can be shared). */
import { useEffect, useState, type ReactNode } from 'react';
import Link from '@docusaurus/Link';
import { useHistory, useLocation } from '@docusaurus/router';
import type { Operation, OperationList as List } from '@site/server/operations/types';
import { SEVERITIES } from '@site/server/operations/types';
import { queryString } from '@site/src/lib/api';
import { useApi } from '@site/src/lib/useApi';
import { useEnvironments } from '@site/src/lib/environment';
import { getRunClient } from '@site/src/lib/runClient';
import { useServerBase, wsUrl } from '@site/src/lib/serverUrl';
import DataTable from '@site/src/components/DataTable';
import StartForm from './StartForm';
import { setActiveOperation } from '@site/src/lib/activeOperation';
import styles from './styles.module.css';

const FILTERS = ['status', 'env', 'severity', 'owner', 'q'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

export default function OperationList(): ReactNode {
  const api = useApi();
  const base = useServerBase();
  const { search, pathname } = useLocation();
  const history = useHistory();
  const { environments } = useEnvironments();
  const query = new URLSearchParams(search);
  const filters: Filters = Object.fromEntries(FILTERS.map((f) => [f, query.get(f) ?? '']).filter(([, v]) => v));
  const key = queryString(filters);
  const [ops, setOps] = useState<readonly Operation[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let live = true;
    api.get<List>(`/api/operations${key}`).then(
      (r) => live && (setOps(r.operations), setError(null)),
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
    };
  }, [api, key, tick]);
  // Someone else starts or changes an operation: the list follows.
  useEffect(() => {
    const sub = getRunClient(wsUrl(base)).onOperation(() => setTick((t) => t + 1));
    return () => sub.dispose();
  }, [base]);

  const set = (name: keyof Filters, value: string) => {
    const next = new URLSearchParams(search);
    if (value) next.set(name, value);
    else next.delete(name);
    history.replace(`${pathname}${next.toString() ? `?${next}` : ''}`);
  };

  return (
    <div>
      <div className={styles.actions}>
        {starting ? (
          <div className={styles.card}>
            <StartForm
              initialTitle=""
              origin="operations"
              runbook={null}
              onStarted={(op) => {
                setActiveOperation(op.id);
                history.push(`/operations?id=${encodeURIComponent(op.id)}`);
              }}
              onCancel={() => setStarting(false)}
            />
          </div>
        ) : (
          <button type="button" className="button button--primary button--sm" onClick={() => setStarting(true)}>
            Start an operation
          </button>
        )}
      </div>
      <form className={`${styles.card} ${styles.form}`} aria-label="Filter operations" onSubmit={(e) => e.preventDefault()}>
        <div className={styles.field}>
          <label htmlFor="op-status">Status</label>
          <select id="op-status" value={filters.status ?? ''} onChange={(e) => set('status', e.target.value)}>
            <option value="">any</option>
            <option value="active">open or handed over</option>
            <option value="open">open</option>
            <option value="handed-over">handed over</option>
            <option value="closed">closed</option>
          </select>
        </div>
        <div className={styles.field}>
          <label htmlFor="op-env">Environment</label>
          <select id="op-env" value={filters.env ?? ''} onChange={(e) => set('env', e.target.value)}>
            <option value="">any</option>
            {environments.map((e) => (
              <option key={e.name} value={e.name}>
                {e.label}
              </option>
            ))}
          </select>
        </div>
        <div className={styles.field}>
          <label htmlFor="op-severity">Severity</label>
          <select id="op-severity" value={filters.severity ?? ''} onChange={(e) => set('severity', e.target.value)}>
            <option value="">any</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div className={styles.field}>
          <label htmlFor="op-owner">Owner</label>
          <input id="op-owner" defaultValue={filters.owner ?? ''} onBlur={(e) => set('owner', e.target.value.trim())} placeholder="user name" />
        </div>
        <div className={`${styles.field} ${styles.wide}`}>
          <label htmlFor="op-q">Title contains</label>
          <input id="op-q" defaultValue={filters.q ?? ''} onBlur={(e) => set('q', e.target.value.trim())} />
        </div>
      </form>
      {error ? (
        <p role="alert" className={styles.error}>
          {error}
        </p>
      ) : ops === null ? (
        <p className={styles.muted}>Loading…</p>
      ) : ops.length === 0 ? (
        <p className={styles.muted}>No operation matches these filters.</p>
      ) : (
        <DataTable columns={['Operation', 'Status', 'Severity', 'Env', 'Owner', 'Last change']} className={styles.table} scroll={{ label: 'Operations, scrollable' }}>
          {ops.map((o) => (
            <tr key={o.id} data-operation={o.id} data-status={o.status}>
              <td>
                <Link to={`/operations?id=${encodeURIComponent(o.id)}`}>{o.title}</Link>
                <div className={`${styles.muted} ${styles.mono}`}>{o.id}</div>
              </td>
              <td>
                <span className={`${styles.badge} ${styles[`status_${o.status}`] ?? ''}`}>{o.status}</span>
              </td>
              <td>
                <span className={`${styles.badge} ${styles[o.severity] ?? ''}`}>{o.severity}</span>
              </td>
              <td>{o.env}</td>
              <td>{o.owner.displayName}</td>
              <td title={o.updatedAt}>
                {new Date(o.updatedAt).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })} · {o.eventCount} recorded
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </div>
  );
}
