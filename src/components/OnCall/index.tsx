import type { ReactNode } from 'react';
import clsx from 'clsx';
import { useRotation } from './useRotation';
import type { RotationWeekView } from './rotation';
import styles from './styles.module.css';

interface Props {
  /** A rotation id of docs/investor/_data/oncall.yaml, e.g. "investor". */
  readonly rotation: string;
  /** How many weeks to list, the current one included. Default 6. */
  readonly weeks?: number;
}

const dayMonth = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });

function range(week: RotationWeekView): string {
  const d = (iso: string) => dayMonth.format(new Date(`${iso}T00:00:00Z`));
  return `${d(week.start)} – ${d(week.end)}`;
}

/** Who is on call this week and who is backup, then the coming weeks with holiday swaps marked. */
export default function OnCall({ rotation, weeks = 6 }: Props): ReactNode {
  const view = useRotation(rotation, weeks);
  if (view.kind === 'not-loaded') {
    return (
      <div className={styles.notice} role="note" data-rotation={rotation}>
        On-call rotation <code>{rotation}</code>: data not loaded — the site was built without the on-call data
        (<code>docs/investor/_data/oncall.yaml</code>).
      </div>
    );
  }
  if (view.kind === 'unknown') {
    return (
      <div className={styles.notice} role="note" data-rotation={rotation}>
        No on-call rotation <code>{rotation}</code> in <code>docs/investor/_data/oncall.yaml</code>
        {view.known.length ? ` (known: ${view.known.join(', ')})` : ''}.
      </div>
    );
  }
  const titleId = `oncall-${rotation}`;
  const zone = view.rotation.timezone ?? 'UTC';
  return (
    <section className={styles.oncall} aria-labelledby={titleId} data-rotation={rotation} data-state={view.kind}>
      <header className={styles.header}>
        <h4 id={titleId} className={styles.title}>
          On call — {view.rotation.name}
        </h4>
        <span className={styles.zone}>Weeks start Monday 00:00 {zone}</span>
      </header>
      {view.kind === 'pending' ? (
        <div className={styles.placeholder} aria-busy="true">
          Working out who is on call this week…
        </div>
      ) : (
        <>
          <div className={styles.now} aria-live="polite">
            <div className={styles.person}>
              <span className={styles.role}>On call now</span>
              <span className={styles.name} data-testid="oncall-primary">{view.weeks[0]!.primary}</span>
            </div>
            <div className={styles.person}>
              <span className={styles.role}>Backup</span>
              <span className={styles.name} data-testid="oncall-backup">{view.weeks[0]!.backup}</span>
            </div>
            <div className={styles.week}>
              Week {view.weeks[0]!.cycleWeek} of {view.rotation.cycle.length} · {range(view.weeks[0]!)}
              {view.weeks[0]!.swapReason ? <span className={styles.swap}>Swap: {view.weeks[0]!.swapReason}</span> : null}
            </div>
          </div>
          <table className={styles.table}>
            <caption className={styles.caption}>This week and the next {view.weeks.length - 1}</caption>
            <thead>
              <tr>
                <th scope="col">Week</th>
                <th scope="col">On call</th>
                <th scope="col">Backup</th>
                <th scope="col">Note</th>
              </tr>
            </thead>
            <tbody>
              {view.weeks.map((w, i) => (
                <tr key={w.start} className={clsx(i === 0 && styles.current)}>
                  <th scope="row">
                    {range(w)}
                    {i === 0 ? <span className={styles.badge}>now</span> : null}
                  </th>
                  <td className={clsx(w.primarySwapped && styles.changed)}>{w.primary}</td>
                  <td className={clsx(w.backupSwapped && styles.changed)}>{w.backup}</td>
                  <td>{w.swapReason ? <span className={styles.swap}>Swap: {w.swapReason}</span> : <span className={styles.muted}>cycle week {w.cycleWeek}</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {view.rotation.escalate_to ? (
        <p className={styles.footer}>
          Backup covers when the on-call engineer is offline; when both are out, escalate to the {view.rotation.escalate_to}.
        </p>
      ) : null}
    </section>
  );
}
