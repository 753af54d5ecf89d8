import type { ReactNode } from 'react';
import ScenarioCard from './ScenarioCard';
import { useScenarios } from './useScenarios';
import styles from './styles.module.css';

/** The Training page's body: the demo's failure scenarios, one card each, switched on and off here. */
export default function Training(): ReactNode {
  const { availability, scenarios, busy, errors, apply } = useScenarios();

  if (availability.status === 'loading') {
    return (
      <p className={styles.meta} aria-busy="true">
        Loading the training scenarios…
      </p>
    );
  }
  if (availability.status === 'unavailable') {
    return (
      <div className={styles.notice} data-notice="training-unavailable">
        <strong>Training is available on the demo only.</strong> {availability.reason}
      </div>
    );
  }
  if (availability.status === 'error') {
    return (
      <div className={styles.error} role="alert">
        {availability.message}
      </div>
    );
  }
  const active = scenarios.filter((s) => s.active).length;
  return (
    <>
      <p className={styles.lead} aria-live="polite">
        {active === 0 ? 'No scenario is active: the demo is healthy.' : `${active} scenario${active === 1 ? ' is' : 's are'} active.`}
      </p>
      <ul className={styles.cards}>
        {scenarios.map((s) => (
          <li key={s.id}>
            <ScenarioCard scenario={s} busy={busy[s.id] ?? null} error={errors[s.id] ?? null} onAction={(id, action) => void apply(id, action)} />
          </li>
        ))}
      </ul>
    </>
  );
}
