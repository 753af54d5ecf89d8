import type { ReactNode } from 'react';
import OpsPage from '@site/src/components/OpsPage';
import ApprovalsInbox from '@site/src/components/ApprovalsInbox';

/** /approvals: the escalation inbox (issue #5). */
export default function ApprovalsPage(): ReactNode {
  return (
    <OpsPage title="Approvals" description="Escalation requests waiting for a decision, and recent decisions." width="narrow">
      <ApprovalsInbox />
    </OpsPage>
  );
}
