/**
 * Start an operation: a title, a severity, the environment. Used from a runbook page (prefilled with the
 * runbook), from a deep link in an alert (prefilled from the link) and from the Health page.
 */
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import type { Operation, Severity, StartOperationRequest } from '@site/server/operations/types';
import { SEVERITIES } from '@site/server/operations/types';
import { useApi } from '@site/src/lib/useApi';
import { useEnvironments, useSelectedEnvironment } from '@site/src/lib/environment';
import styles from './styles.module.css';

export const SEVERITY_TEXT: Readonly<Record<Severity, string>> = { sev1: 'SEV 1 — critical', sev2: 'SEV 2 — major', sev3: 'SEV 3 — minor', sev4: 'SEV 4 — low', routine: 'Routine (checks, maintenance)' };

interface Props {
  readonly initialTitle: string;
  readonly initialSeverity?: Severity;
  readonly origin: string;
  readonly runbook: string | null;
  readonly params?: Readonly<Record<string, string>>;
  readonly checks?: readonly string[];
  readonly onStarted: (operation: Operation) => void;
  readonly onCancel?: () => void;
}

export default function StartForm(props: Props): ReactNode {
  const api = useApi();
  const id = useId();
  const selected = useSelectedEnvironment();
  const { environments } = useEnvironments();
  const [title, setTitle] = useState(props.initialTitle);
  const [severity, setSeverity] = useState<Severity>(props.initialSeverity ?? 'sev3');
  const [env, setEnv] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const chosenEnv = env ?? selected?.name ?? '';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body: StartOperationRequest = { title, severity, env: chosenEnv, origin: props.origin, runbook: props.runbook, ...(props.params ? { params: props.params } : {}), ...(props.checks ? { checks: props.checks } : {}) };
      props.onStarted(await api.post<Operation>('/api/operations', body));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className={styles.form} onSubmit={(e) => void submit(e)} aria-label="Start an operation">
      <div className={`${styles.field} ${styles.wide}`}>
        <label htmlFor={`${id}-title`}>Title</label>
        <input id={`${id}-title`} value={title} onChange={(e) => setTitle(e.target.value)} required maxLength={200} />
      </div>
      <div className={styles.field}>
        <label htmlFor={`${id}-severity`}>Severity</label>
        <select id={`${id}-severity`} value={severity} onChange={(e) => setSeverity(e.target.value as Severity)}>
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {SEVERITY_TEXT[s]}
            </option>
          ))}
        </select>
      </div>
      <div className={styles.field}>
        <label htmlFor={`${id}-env`}>Environment</label>
        <select id={`${id}-env`} value={chosenEnv} onChange={(e) => setEnv(e.target.value)}>
          {environments.map((e) => (
            <option key={e.name} value={e.name}>
              {e.label}
              {e.production ? ' (production)' : ''}
            </option>
          ))}
        </select>
      </div>
      {props.params && Object.keys(props.params).length ? (
        <p className={`${styles.muted} ${styles.full}`}>
          With {Object.entries(props.params).map(([k, v]) => `${k}=${v}`).join(', ')}
        </p>
      ) : null}
      <div className={styles.inline}>
        <button type="submit" className="button button--primary button--sm" disabled={busy || !title.trim() || !chosenEnv}>
          Start operation
        </button>
        {props.onCancel ? (
          <button type="button" className="button button--secondary button--sm" onClick={props.onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
      {error ? (
        <p role="alert" className={`${styles.error} ${styles.full}`}>
          {error}
        </p>
      ) : null}
    </form>
  );
}
