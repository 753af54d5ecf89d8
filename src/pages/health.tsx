import type { ReactNode } from 'react';
import OpsPage from '@site/src/components/OpsPage';
import Health from '@site/src/components/Health';

/** /health: every check of every runbook, for one environment and business date (issue 11). */
export default function HealthPage(): ReactNode {
  return (
    <OpsPage
      title="Health"
      description="Every check of every runbook: status, value, threshold, history and last run."
      width="medium"
      intro="Every check of every runbook for one environment and business date. A row opens its runbook at the check, with the date filled in."
    >
      <Health />
    </OpsPage>
  );
}
