import type { ReactNode } from 'react';
import OpsPage from '@site/src/components/OpsPage';
import Operations from '@site/src/components/Operations';

/** /operations: incidents, nightly checks and maintenances worked in Opsbook, each with its recorded timeline (issue 12). */
export default function OperationsPage(): ReactNode {
  return (
    <OpsPage
      title="Operations"
      description="Operations: everything done in an incident or a night's checks, recorded, handed over and exported."
      width="medium"
      intro="An operation ties together the runs, approvals, ticked steps and notes of one incident, night of checks or maintenance. Open one to see its live timeline, hand it over, or export its signed report."
    >
      <Operations />
    </OpsPage>
  );
}
