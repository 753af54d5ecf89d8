/** The Health page's "Start an operation" for the checks that fail now: they are named in its first event. */
import { useState, type ReactNode } from 'react';
import { useHistory } from '@docusaurus/router';
import { setActiveOperation } from '@site/src/lib/activeOperation';
import StartForm from './StartForm';
import styles from './styles.module.css';

interface Props {
  /** Keys of the checks that are in error, failed to run, or warn. */
  readonly failing: readonly string[];
  readonly date: string | null;
}

export default function StartFromChecks({ failing, date }: Props): ReactNode {
  const history = useHistory();
  const [open, setOpen] = useState(false);
  if (failing.length === 0) return null;
  if (!open) {
    return (
      <button type="button" className="button button--outline button--danger button--sm" onClick={() => setOpen(true)}>
        Start an operation for {failing.length} failing check{failing.length === 1 ? '' : 's'}
      </button>
    );
  }
  return (
    <div className={`${styles.card} ${styles.full}`}>
      <StartForm
        initialTitle={`${failing.length} failing check${failing.length === 1 ? '' : 's'}${date ? ` on ${date}` : ''}`}
        initialSeverity="sev2"
        origin="health"
        runbook={null}
        params={date ? { business_date: date } : {}}
        checks={failing}
        onStarted={(op) => {
          setActiveOperation(op.id);
          history.push(`/operations?id=${encodeURIComponent(op.id)}`);
        }}
        onCancel={() => setOpen(false)}
      />
    </div>
  );
}
