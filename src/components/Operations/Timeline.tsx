/** An operation's timeline, newest last, in the same words as its exported report. */
import type { ReactNode } from 'react';
import { describeEvent } from '@site/server/operations/export/describe';
import type { OperationEvent } from '@site/server/operations/types';
import styles from './styles.module.css';

const TONE_ICON = { ok: '✓', bad: '✗', warn: '!', info: '•' } as const;
const MONO = new Set(['sha256', 'snippet', 'run id', 'approval']);

function time(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export default function Timeline({ events }: { readonly events: readonly OperationEvent[] }): ReactNode {
  if (events.length === 0) return <p className={styles.muted}>Nothing recorded yet.</p>;
  return (
    <ol className={styles.timeline} aria-label="Timeline" data-events={events.length}>
      {events.map((e) => {
        const d = describeEvent(e);
        return (
          <li key={e.seq} className={styles.event} data-tone={d.tone} data-kind={e.data.kind} data-seq={e.seq}>
            <div className={styles.when} title={e.at}>
              {e.seq}. {time(e.at)}
            </div>
            <p className={styles.summary}>
              <span aria-hidden="true">{TONE_ICON[d.tone]} </span>
              {d.summary}
            </p>
            {d.facts.length ? (
              <ul className={styles.facts}>
                {d.facts.map(([k, v]) => (
                  <li key={k}>
                    <b>{k}:</b> {MONO.has(k) ? <span className={styles.mono}>{v}</span> : v}
                  </li>
                ))}
              </ul>
            ) : null}
            {d.text ? <blockquote className={styles.quote}>{d.text}</blockquote> : null}
            {d.table ? (
              <div className={styles.sample} tabIndex={0} role="region" aria-label="First rows of the result">
                <table>
                  <thead>
                    <tr>
                      {d.table.columns.map((c) => (
                        <th key={c}>{c}</th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {d.table.rows.map((row, i) => (
                      <tr key={i}>
                        {row.map((c, j) => (
                          <td key={j}>{c}</td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
                {d.table.more ? <p className={styles.muted}>…and {d.table.more} more row(s).</p> : null}
              </div>
            ) : null}
          </li>
        );
      })}
    </ol>
  );
}
