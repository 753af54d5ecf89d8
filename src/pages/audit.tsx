import type { ReactNode } from 'react';
import Layout from '@theme/Layout';
import Heading from '@theme/Heading';
import AuditLog from '@site/src/components/AuditLog';
import styles from '@site/src/components/AuditLog/styles.module.css';

/** /audit: every run and approval attempt (issue #5), for admins and approvers. */
export default function AuditPage(): ReactNode {
  return (
    <Layout title="Audit log" description="Every run and approval attempt: who, what, where, and how it ended.">
      <main className={styles.page}>
        <Heading as="h1">Audit log</Heading>
        <p className={styles.intro}>Every attempt — accepted, refused, failed or cancelled — newest first. Append-only.</p>
        <AuditLog />
      </main>
    </Layout>
  );
}
