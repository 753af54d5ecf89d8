import type { ReactNode } from 'react';
import Link from '@docusaurus/Link';
import clsx from 'clsx';
import type { Owner } from '../opsData';
import { useOpsData } from '../useOpsData';
import styles from './styles.module.css';

interface Props {
  /** One pipeline id of docs/investor/_data/ownership.yaml; omitted: the table of every pipeline. */
  readonly pipeline?: string;
}

function Audience({ owner }: { readonly owner: Owner }): ReactNode {
  return (
    <span className={clsx(styles.audience, owner.audience === 'investors' ? styles.investors : styles.experiments)}>
      {owner.audience === 'investors' ? 'Investor-facing' : 'Experiments'}
    </span>
  );
}

/** Pipeline ownership (primary and secondary) from the ownership data: one pipeline's owners, or all of them. */
export default function PipelineOwners({ pipeline }: Props): ReactNode {
  const { ownership } = useOpsData();
  if (!ownership) {
    return (
      <div className={styles.notice} role="note">
        Pipeline ownership: data not loaded — the site was built without <code>docs/investor/_data/ownership.yaml</code>.
      </div>
    );
  }
  if (pipeline !== undefined) {
    const owner = ownership[pipeline];
    if (!owner) {
      return (
        <div className={styles.notice} role="note">
          No pipeline <code>{pipeline}</code> in <code>docs/investor/_data/ownership.yaml</code>.
        </div>
      );
    }
    return (
      <dl className={styles.card} data-pipeline={pipeline}>
        <div className={styles.pair}>
          <dt>Pipeline</dt>
          <dd>
            {owner.name} <Audience owner={owner} />
          </dd>
        </div>
        <div className={styles.pair}>
          <dt>Primary owner</dt>
          <dd className={styles.person}>{owner.primary}</dd>
        </div>
        <div className={styles.pair}>
          <dt>Secondary owner</dt>
          <dd className={styles.person}>{owner.secondary}</dd>
        </div>
        {owner.dag_id ? (
          <div className={styles.pair}>
            <dt>Airflow DAG</dt>
            <dd>
              <code>{owner.dag_id}</code>
            </dd>
          </div>
        ) : null}
      </dl>
    );
  }
  const rows = Object.entries(ownership);
  return (
    <table className={styles.table} data-ownership="all">
      <thead>
        <tr>
          <th scope="col">Pipeline</th>
          <th scope="col">Audience</th>
          <th scope="col">Primary owner</th>
          <th scope="col">Secondary owner</th>
          <th scope="col">Runbook</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([id, owner]) => (
          <tr key={id}>
            <th scope="row">
              {owner.name}
              {owner.dag_id ? (
                <div className={styles.dag}>
                  <code>{owner.dag_id}</code>
                </div>
              ) : null}
            </th>
            <td>
              <Audience owner={owner} />
            </td>
            <td className={styles.person}>{owner.primary}</td>
            <td>{owner.secondary}</td>
            <td>{owner.page ? <Link to={owner.page}>Runbook</Link> : <span className={styles.muted}>—</span>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
