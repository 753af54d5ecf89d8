import type { ReactNode } from 'react';
import Layout from '@theme/Layout';
import Heading from '@theme/Heading';
import Health from '@site/src/components/Health';
import styles from '@site/src/components/Health/styles.module.css';

/** /health: every check of every runbook, for one environment and business date (issue 11). */
export default function HealthPage(): ReactNode {
  return (
    <Layout title="Health" description="Every check of every runbook: status, value, threshold, history and last run.">
      <main className={styles.page}>
        <Heading as="h1">Health</Heading>
        <p className={styles.intro}>
          Every check of every runbook for one environment and business date. A row opens its runbook at the check, with the date filled in.
        </p>
        <Health />
      </main>
    </Layout>
  );
}
