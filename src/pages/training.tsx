import type { ReactNode } from 'react';
import Layout from '@theme/Layout';
import Heading from '@theme/Heading';
import Training from '@site/src/components/Training';
import styles from '@site/src/components/Training/styles.module.css';

/** /training: failure scenarios to practise the runbooks on, in demo mode only (issue #4). */
export default function TrainingPage(): ReactNode {
  return (
    <Layout title="Training" description="Practise the failure-handling runbooks on the demo: switch on a fault, then recover from it.">
      <main className={styles.page}>
        <Heading as="h1">Training</Heading>
        <p className={styles.intro}>
          Practise the failure-handling runbooks on the demo environment. <strong>Activate</strong> a scenario: it injects its fault into the
          demo warehouse and the Airflow sandbox, and replays the night's run of the affected DAG, which fails the way a real night would.
          Then follow the runbook it names, from the symptoms to the recovery. <strong>Deactivate</strong> it to put the healthy data
          back; the failed run stays in the history, as it would.
        </p>
        <Training />
      </main>
    </Layout>
  );
}
