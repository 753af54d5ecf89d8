import type { ReactNode } from 'react';
import Layout from '@theme/Layout';
import Heading from '@theme/Heading';
import Operations from '@site/src/components/Operations';
import styles from '@site/src/components/Operations/styles.module.css';

/** /operations: incidents, nightly checks and maintenances worked in Opsbook, each with its recorded timeline (issue 12). */
export default function OperationsPage(): ReactNode {
  return (
    <Layout title="Operations" description="Operations: everything done in an incident or a night's checks, recorded, handed over and exported.">
      <main className={styles.page}>
        <Heading as="h1">Operations</Heading>
        <p className={styles.intro}>
          An operation ties together the runs, approvals, ticked steps and notes of one incident, night of checks or maintenance. Open one to see its live timeline, hand it over, or export its signed report.
        </p>
        <Operations />
      </main>
    </Layout>
  );
}
