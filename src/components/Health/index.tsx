/**
 * The Health page: every check of every runbook for the chosen environment and business date — status,
 * value and threshold, history, last run — grouped by runbook and owner, with "Run every check".
 */
import { useCallback, useEffect, useId, useMemo, useState, type ReactNode } from 'react';
import clsx from 'clsx';
import { useHistory, useLocation } from '@docusaurus/router';
import { useEnvironments, useSelectedEnvironment } from '@site/src/lib/environment';
import { useServerBase, wsUrl } from '@site/src/lib/serverUrl';
import { useZoneDates } from '@site/src/lib/zoneDates';
import { formatElapsed } from '@site/src/components/RunnableBlock/useRun';
import { countStatuses, groupRows, STATUS_ICON, STATUS_TEXT, type RowStatus } from './model';
import HealthGroupTable from './HealthGroupTable';
import { useHealth } from './useHealth';
import StartFromChecks from '@site/src/components/Operations/StartFromChecks';
import styles from './styles.module.css';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const SUMMARY: readonly RowStatus[] = ['error', 'failed-to-run', 'warn', 'stale', 'not-run', 'ok'];

/**
 * The business date from `?date=` (so a Health view can be shared). None means each check's own date —
 * its `today`/`yesterday` default in its runbook's zone, as the runbook page and Run all checks resolve it.
 * `undefined` until the page has hydrated and read its URL.
 */
function useBusinessDate(): [string | null | undefined, (date: string | null) => void] {
  const location = useLocation();
  const history = useHistory();
  // Read after hydration only: the static page was built without a query string.
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  const fromUrl = new URLSearchParams(location.search).get('date');
  const date = !mounted ? undefined : fromUrl && DATE.test(fromUrl) ? fromUrl : null;
  const set = useCallback(
    (next: string | null) => {
      const query = new URLSearchParams(location.search);
      if (next) query.set('date', next);
      else query.delete('date');
      const text = query.toString();
      history.replace(`${location.pathname}${text ? `?${text}` : ''}`);
    },
    [history, location.pathname, location.search],
  );
  return [date, set];
}

export default function Health(): ReactNode {
  const base = useServerBase();
  const { status: envStatus } = useEnvironments();
  const env = useSelectedEnvironment();
  const [date, setDate] = useBusinessDate();
  const dates = useZoneDates('UTC');
  const socketUrl = useCallback(() => wsUrl(base), [base]);
  const health = useHealth(base, date === undefined ? null : env, date ?? null, socketUrl);
  const [problemsOnly, setProblemsOnly] = useState(false);
  const dateId = useId();

  const groups = useMemo(() => {
    if (health.load.state !== 'ready' || !env) return [];
    return groupRows(health.load.checks, health.live, env.name, date ?? null);
  }, [health.load, health.live, env, date]);
  const counts = countStatuses(groups.flatMap((g) => g.rows));
  const shown = problemsOnly
    ? groups
        .map((g) => ({ ...g, rows: g.rows.filter((r) => r.status !== 'ok') }))
        .filter((g) => g.rows.length > 0)
    : groups;
  const running = health.phase === 'running';
  const total = health.load.state === 'ready' ? health.load.checks.length : 0;
  const p = health.progress;
  const failing = groups.flatMap((g) => g.rows).filter((r) => r.status === 'error' || r.status === 'failed-to-run' || r.status === 'warn').map((r) => r.key);

  return (
    <div className={styles.health} data-phase={health.phase}>
      <div className={styles.bar}>
        <div className={styles.field}>
          <span className={styles.fieldLabel}>Environment</span>
          <strong className={clsx(env?.production && styles.prod)}>{env ? `${env.production ? '⚠ ' : ''}${env.label}` : envStatus === 'offline' ? 'server offline' : '…'}</strong>
          <span className={styles.muted}>(change it in the navbar)</span>
        </div>
        <div className={styles.field}>
          <label htmlFor={dateId} className={styles.fieldLabel}>
            Business date
          </label>
          <input
            id={dateId}
            type="date"
            className={styles.dateInput}
            value={date ?? ''}
            onChange={(e) => setDate(DATE.test(e.target.value) ? e.target.value : null)}
            disabled={running}
            aria-describedby={`${dateId}-hint`}
          />
          <span className={styles.quick} id={`${dateId}-hint`}>
            {date ? (
              <button type="button" className={styles.linkButton} onClick={() => setDate(null)} disabled={running}>
                each check's own date
              </button>
            ) : (
              <span className={styles.muted}>each check's own date (today or yesterday in its runbook's zone)</span>
            )}
            {dates ? (
              <>
                <button type="button" className={styles.linkButton} onClick={() => setDate(dates.today)} disabled={running || date === dates.today}>
                  today
                </button>
                <button type="button" className={styles.linkButton} onClick={() => setDate(dates.yesterday)} disabled={running || date === dates.yesterday}>
                  yesterday
                </button>
                <span className={styles.muted}>(UTC)</span>
              </>
            ) : null}
          </span>
        </div>
        <div className={styles.actions}>
          {running ? (
            <button type="button" className="button button--secondary button--sm" onClick={health.stop}>
              Stop
            </button>
          ) : (
            <button type="button" className="button button--primary button--sm" onClick={() => void health.runEvery()} disabled={health.load.state !== 'ready' || total === 0}>
              Run every check
            </button>
          )}
          {!running ? <StartFromChecks failing={failing} date={date ?? null} /> : null}
        </div>
      </div>

      {p ? (
        <div className={styles.progress} role="status" data-done={p.done} data-total={p.total} data-problems={p.problems}>
          <progress max={p.total} value={p.done} aria-label="Checks run" />
          <span>
            {running ? 'Running' : 'Ran'} {p.done} of {p.total} check{p.total === 1 ? '' : 's'}
            {' · '}
            <span className={p.problems > 0 ? styles.bad : undefined}>
              {p.problems} need{p.problems === 1 ? 's' : ''} attention
            </span>
            {' · '}
            {formatElapsed(p.elapsedMs)}
          </span>
        </div>
      ) : null}

      {health.load.state === 'failed' ? (
        <div role="alert" className={styles.alert}>
          The checks could not be loaded: {health.load.message}{' '}
          <button type="button" className={styles.linkButton} onClick={health.reload}>
            Try again
          </button>
        </div>
      ) : null}
      {health.load.state === 'loading' || (health.load.state === 'idle' && envStatus !== 'offline') ? <p className={styles.muted}>Loading the checks…</p> : null}

      {groups.length > 0 ? (
        <>
          <div className={styles.summary} aria-label="Checks by status">
            {SUMMARY.filter((s) => counts[s] > 0).map((s) => (
              <span key={s} className={clsx(styles.status, styles[`s_${s.replace(/-/g, '_')}`])} data-summary={s}>
                <span aria-hidden="true" className={styles.icon}>
                  {STATUS_ICON[s]}
                </span>
                {counts[s]} {STATUS_TEXT[s].toLowerCase()}
              </span>
            ))}
            <label className={styles.filter}>
              <input type="checkbox" checked={problemsOnly} onChange={(e) => setProblemsOnly(e.target.checked)} /> Only checks that are not OK
            </label>
          </div>
          {shown.map((g) => (
            <HealthGroupTable key={g.runbook} group={g} />
          ))}
          {shown.length === 0 ? <p className={styles.muted}>Every check is OK.</p> : null}
        </>
      ) : health.load.state === 'ready' ? (
        <p className={styles.muted}>No runbook has a check for this environment.</p>
      ) : null}
    </div>
  );
}
