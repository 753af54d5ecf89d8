/**
 * Airflow 3.1+ human-in-the-loop tasks of the followed runs ("required actions"): what each asks, its
 * options, and once answered, the answer. Answering goes through the server as a governed decision of this
 * step (POST /api/airflow/required-actions): the server checks the snippet, the environment and, on an
 * escalation step, that whoever answers is an approver who did not start the run; the page only asks.
 */
import { useState, type ReactNode } from 'react';
import type { AirflowRequiredAction, AirflowRunState } from '@site/server/protocol';
import { useApi } from '@site/src/lib/useApi';
import styles from './RequiredActions.module.css';

export interface AnswerTarget {
  readonly snippet: string;
  readonly sha256: string;
  readonly env: string;
}

interface Props {
  readonly runs: readonly AirflowRunState[];
  /** The block's snippet and environment, through which answers are governed; null: shown, not answerable. */
  readonly target: AnswerTarget | null;
  /** The typed production name, when the environment needs one. */
  readonly confirm?: string;
  readonly escalation: boolean;
}

function Action({ run, action, target, confirm, escalation }: { readonly run: AirflowRunState; readonly action: AirflowRequiredAction } & Omit<Props, 'runs'>): ReactNode {
  const api = useApi();
  const [picked, setPicked] = useState<readonly string[]>([]);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState<readonly string[] | null>(null);
  const chosen = action.chosen ?? sent;
  const name = action.mapIndex >= 0 ? `${action.taskId} [${action.mapIndex}]` : action.taskId;

  const send = async (options: readonly string[]) => {
    if (!target || sending) return;
    setSending(true);
    setError(null);
    try {
      await api.post('/api/airflow/required-actions', { snippet: target.snippet, sha256: target.sha256, env: target.env, ...(confirm ? { confirm } : {}), dagId: run.dagId, runId: run.runId, taskId: action.taskId, mapIndex: action.mapIndex, chosen: options });
      setSent(options);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setSending(false);
    }
  };

  return (
    <div className={styles.action} data-required-action={name} data-answered={chosen ? 'true' : 'false'}>
      <div className={styles.head}>
        <span className={styles.task}>{name}</span>
        <span className={styles.subject}>{action.subject}</span>
      </div>
      {action.body ? <p className={styles.body}>{action.body}</p> : null}
      {chosen ? (
        <p className={styles.answer}>
          Answered: <strong>{chosen.join(', ')}</strong>
          {action.answeredBy ? ` (Airflow user ${action.answeredBy})` : ''}
        </p>
      ) : target ? (
        <>
          <div className={styles.options} role="group" aria-label={`Answer ${name}`}>
            {action.multiple
              ? action.options.map((o) => (
                  <label key={o} className={styles.check}>
                    <input type="checkbox" checked={picked.includes(o)} disabled={sending} onChange={(e) => setPicked(e.target.checked ? [...picked, o] : picked.filter((p) => p !== o))} /> {o}
                  </label>
                ))
              : action.options.map((o) => (
                  <button key={o} type="button" className="button button--sm button--outline button--primary" disabled={sending} onClick={() => void send([o])}>
                    {o}
                  </button>
                ))}
            {action.multiple ? (
              <button type="button" className="button button--sm button--primary" disabled={sending || picked.length === 0} onClick={() => void send(picked)}>
                Answer
              </button>
            ) : null}
          </div>
          {escalation ? <p className={styles.note}>An escalation step: an approver other than the person who started the run answers.</p> : null}
        </>
      ) : (
        <p className={styles.note}>Waiting for an answer in Airflow.</p>
      )}
      {error ? (
        <p role="alert" className={styles.error}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

export default function RequiredActions({ runs, target, confirm, escalation }: Props): ReactNode {
  const items = runs.flatMap((run) => (run.requiredActions ?? []).map((action) => ({ run, action })));
  if (items.length === 0) return null;
  return (
    <section className={styles.panel} aria-label="Required actions">
      <h4 className={styles.title}>Required actions</h4>
      {items.map(({ run, action }) => (
        <Action key={`${run.runId}/${action.taskId}/${action.mapIndex}`} run={run} action={action} target={target} escalation={escalation} {...(confirm ? { confirm } : {})} />
      ))}
    </section>
  );
}
