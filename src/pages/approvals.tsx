import type { ReactNode } from 'react';
import Layout from '@theme/Layout';
import Heading from '@theme/Heading';
import ApprovalsInbox from '@site/src/components/ApprovalsInbox';
import styles from '@site/src/components/ApprovalsInbox/styles.module.css';

/** /approvals: the escalation inbox (issue #5). */
export default function ApprovalsPage(): ReactNode {
  return (
    <Layout title="Approvals" description="Escalation requests waiting for a decision, and recent decisions.">
      <main className={styles.page}>
        <Heading as="h1">Approvals</Heading>
        <ApprovalsInbox />
      </main>
    </Layout>
  );
}
