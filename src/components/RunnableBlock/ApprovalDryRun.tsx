import type { ReactNode } from 'react';
import type { ApprovalPreview } from '@site/server/api';
import { stateLook } from './airflow';
import styles from './styles.module.css';

type AirflowPreview = Extract<ApprovalPreview, { kind: 'airflow' }>;

/**
 * An escalated clear's dry run, made when the approval was requested: on an escalation step it stands in
 * for the page's own dry run, since any run there (a dry run too) would spend the approval.
 */
export default function ApprovalDryRun({ preview }: { readonly preview: ApprovalPreview }): ReactNode {
  if (preview.kind !== 'airflow' || preview.command !== 'tasks clear') return null;
  const list: AirflowPreview['taskInstances'] = preview.taskInstances;
  return (
    <div className={styles.approvalDryRun} data-clear-preview="approval">
      <strong>{list.length > 0 ? 'These task instances will be cleared' : 'Nothing to clear'}</strong>
      {list.length > 0 ? (
        <div className={styles.dryRunScroll}>
          <table className={styles.dryRunTable} aria-label="Task instances to clear">
            <thead>
              <tr>
                <th scope="col">dag_id</th>
                <th scope="col">run_id</th>
                <th scope="col">task_id</th>
                <th scope="col">state</th>
              </tr>
            </thead>
            <tbody>
              {list.map((t) => (
                <tr key={`${t.dagId}/${t.runId}/${t.taskId}`}>
                  <td>{t.dagId}</td>
                  <td>{t.runId}</td>
                  <td>{t.taskId}</td>
                  <td>{stateLook(t.state).label}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {preview.note ? <span className={styles.muted}>{preview.note}</span> : null}
    </div>
  );
}
