import type { ReactNode } from 'react';
import OpsPage from '@site/src/components/OpsPage';
import Training from '@site/src/components/Training';
import styles from '@site/src/components/Training/styles.module.css';

/** /training: failure scenarios to practise the runbooks on, in demo mode only (issue #4). */
export default function TrainingPage(): ReactNode {
  return (
    <OpsPage title="Training" description="Practise the failure-handling runbooks on the demo: switch on a fault, then recover from it." width="narrow">
      {/* Instructions rather than a line about the page: full contrast, not the muted intro. */}
      <p className={styles.intro}>
        Practise the failure-handling runbooks on the demo environment. <strong>Start a drill</strong>: it injects its fault into the
        demo warehouse and the Airflow sandbox, and replays the night's run of the affected DAG, which fails the way a real night would.
        Read what the operator sees, open the runbook it names and work from the symptoms to the recovery, running the steps in the
        page. <strong>Check my fix</strong> runs the drill's checks on the server and tells you whether it is solved, how long it took,
        how many steps you ran and how many hints you took. <strong>Reset</strong> puts the healthy night back at any time.
      </p>
      <Training />
    </OpsPage>
  );
}
