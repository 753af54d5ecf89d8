import type { ReactNode } from 'react';
import Heading from '@theme/Heading';
import DrillCard from './DrillCard';
import ScenarioCard from './ScenarioCard';
import { byFamily, FAMILY_LABEL } from './drills';
import { useDrills } from './useDrills';
import { useScenarios } from './useScenarios';
import styles from './styles.module.css';

/** The Training page's body: the drills (a fault, the runbook, a result), then every scenario for free practice. */
export default function Training(): ReactNode {
  const scenarios = useScenarios();
  const drills = useDrills(scenarios);
  const { availability, busy, errors, apply } = scenarios;

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
  const active = scenarios.scenarios.filter((s) => s.active).length;
  return (
    <>
      <p className={styles.lead} aria-live="polite">
        {active === 0 ? 'No fault is injected: the demo is healthy.' : `${active} fault${active === 1 ? ' is' : 's are'} injected.`}
      </p>
      <Heading as="h2">Drills</Heading>
      {/* A heading with nothing under it reads as "no drills" while the list is still on its way. */}
      {!drills.loaded && !drills.error ? <p className={styles.note}>Loading the drills…</p> : null}
      {drills.error ? (
        <div className={styles.error} role="alert">
          {drills.error}
        </div>
      ) : null}
      {byFamily(drills.drills).map(({ family, drills: list }) => (
        <section key={family} aria-label={`${FAMILY_LABEL[family] ?? family} drills`}>
          <Heading as="h3" className={styles.familyHeading}>
            {FAMILY_LABEL[family] ?? family}
          </Heading>
          <ul className={styles.cards}>
            {list.map((d) => (
              <li key={d.name}>
                <DrillCard
                  drill={d}
                  scenario={scenarios.scenarios.find((s) => s.id === d.scenario)}
                  verdict={drills.verdicts[d.name] ?? null}
                  busy={!!busy[d.scenario]}
                  checking={!!drills.checking[d.name]}
                  error={drills.checkErrors[d.name] ?? errors[d.scenario] ?? null}
                  hintsTaken={drills.hintsTaken(d)}
                  onStart={() => void drills.start(d)}
                  onReset={() => void drills.reset(d)}
                  onCheck={() => void drills.check(d)}
                  onHint={() => drills.takeHint(d)}
                />
              </li>
            ))}
          </ul>
        </section>
      ))}
      <Heading as="h2">Scenarios</Heading>
      <p className={styles.meta}>Every fault on its own, for free practice: switch it on, find it, switch it off.</p>
      <ul className={styles.cards}>
        {scenarios.scenarios.map((s) => (
          <li key={s.id}>
            <ScenarioCard scenario={s} busy={busy[s.id] ?? null} error={errors[s.id] ?? null} onAction={(id, action) => void apply(id, action)} />
          </li>
        ))}
      </ul>
    </>
  );
}
