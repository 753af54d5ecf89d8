import type { ReactNode } from 'react';
import clsx from 'clsx';
import { useLadder } from './useLadder';
import PageAction from './PageAction';
import { contactLine } from './resolveLevel';
import styles from './styles.module.css';

interface Props {
  /** A ladder id of docs/_data/escalation.yaml, e.g. "profit". */
  readonly id: string;
  /** An operation id, when the page works one: pages sent from the ladder name it. */
  readonly operation?: string;
}

/** An escalation ladder as a vertical timeline: who to involve, how to reach them, and after how long. */
export default function EscalationLadder({ id, operation }: Props): ReactNode {
  const view = useLadder(id);
  if (view.kind === 'not-loaded') {
    return (
      <div className={styles.notice} role="note" data-ladder={id}>
        Escalation ladder <code>{id}</code>: data not loaded — the site was built without the escalation data
        (<code>docs/_data/escalation.yaml</code>).
      </div>
    );
  }
  if (view.kind === 'unknown') {
    return (
      <div className={styles.notice} role="note" data-ladder={id}>
        No escalation ladder <code>{id}</code> in <code>docs/_data/escalation.yaml</code>
        {view.known.length ? ` (known: ${view.known.join(', ')})` : ''}.
      </div>
    );
  }
  const { ladder, rungs, priorities } = view;
  const titleId = `escalation-ladder-${id}`;
  return (
    <section className={styles.ladder} aria-labelledby={titleId} data-ladder={id}>
      <header className={styles.header}>
        <h4 id={titleId} className={styles.title}>
          <svg aria-hidden="true" viewBox="0 0 16 16" width="14" height="14" className={styles.icon}>
            <path fill="currentColor" d="M3 1h2v2h6V1h2v14h-2v-2H5v2H3V1Zm2 4v2h6V5H5Zm0 4v2h6V9H5Z" />
          </svg>
          Escalation ladder — {ladder.title}
        </h4>
        {ladder.trigger ? <p className={styles.trigger}>Clock starts: {ladder.trigger}</p> : null}
      </header>
      <ol className={styles.timeline}>
        {rungs.map((rung, i) => (
          <li key={`${i}-${rung.name}`} className={styles.rung}>
            <div className={clsx(styles.at, !rung.timed && styles.untimed)}>{rung.at}</div>
            <div className={styles.marker} aria-hidden="true">
              <span className={styles.dot}>{i + 1}</span>
            </div>
            <div className={styles.body}>
              <div className={styles.name}>
                {rung.name}
                {rung.who && rung.who !== rung.name ? <span className={styles.who} data-testid={`ladder-who-${i}`}> · {rung.who}</span> : null}
              </div>
              {rung.when ? <div className={styles.when}>{rung.when}</div> : null}
              {rung.because ? <div className={styles.because} data-testid={`ladder-because-${i}`}>{rung.because}</div> : null}
              {rung.reach ? (
                <div className={styles.reach}>
                  <span className={styles.label}>Reach: </span>
                  {rung.reach}
                </div>
              ) : null}
              {rung.contact ? (
                <div className={styles.reach} data-testid={`ladder-contact-${i}`}>
                  <span className={styles.label}>Contact: </span>
                  {contactLine(rung.contact)}
                </div>
              ) : null}
              {rung.who && !rung.pending ? <PageAction ladder={id} level={i} who={rung.who} {...(operation ? { operation } : {})} /> : null}
              {rung.next ? (
                <div className={styles.next}>
                  <span className={styles.label}>Next: </span>
                  {rung.next}
                </div>
              ) : null}
            </div>
          </li>
        ))}
      </ol>
      {priorities.length > 0 ? (
        <table className={styles.priorities}>
          <caption className={styles.caption}>Priorities</caption>
          <thead>
            <tr>
              <th scope="col">Priority</th>
              <th scope="col">When</th>
              <th scope="col">Response</th>
            </tr>
          </thead>
          <tbody>
            {priorities.map((p) => (
              <tr key={p.id}>
                <th scope="row">
                  <span className={clsx(styles.priority, styles[`priority${p.id}`])}>{p.id}</span>
                </th>
                <td>{p.name}</td>
                <td>
                  <ul className={styles.response}>
                    {p.response.map((r) => (
                      <li key={r}>{r}</li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
