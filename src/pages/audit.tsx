import type { ReactNode } from 'react';
import OpsPage from '@site/src/components/OpsPage';
import AuditLog from '@site/src/components/AuditLog';

/** /audit: every run and approval attempt (issue #5), for admins and approvers. */
export default function AuditPage(): ReactNode {
  return (
    <OpsPage
      title="Audit log"
      description="Every run and approval attempt: who, what, where, and how it ended."
      width="wide"
      intro="Every attempt — accepted, refused, failed or cancelled — newest first. Append-only."
    >
      <AuditLog />
    </OpsPage>
  );
}
