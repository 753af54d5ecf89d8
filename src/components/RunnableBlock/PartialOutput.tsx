/**
 * A run whose output stream was lost (the connection dropped and the server could not replay the rest):
 * what the block shows is partial. Says so plainly, and where the whole truth is — the audit log for how
 * the run ended, a rerun for the full result.
 */
import type { ReactNode } from 'react';
import Link from '@docusaurus/Link';
import type { DoneMessage } from '@site/server/protocol';
import styles from './styles.module.css';

export default function PartialOutput({ done }: { readonly done: DoneMessage | null }): ReactNode {
  if (done?.error?.code !== 'stream_lost') return null;
  return (
    <div role="alert" className={styles.writeWarning} data-partial-output="true">
      <strong className={styles.writeWarningTitle}>⚠ Output is partial</strong>
      <span>
        The connection dropped during this run and the rest of its output could not be recovered: the rows and lines shown are only what arrived
        before the drop. <Link to="/audit">The audit log</Link> shows how the run ended; run it again for the full result.
      </span>
    </div>
  );
}
