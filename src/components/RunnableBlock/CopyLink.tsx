/**
 * "Copy link": a URL that opens this runbook on the current environment with this block's current values
 * filled in and the block in view — for a ticket, a chat message or a handover.
 */
import { useState, type ReactNode } from 'react';
import { buildDeepLink, type LinkTarget } from '@site/src/lib/deepLink';
import styles from './styles.module.css';

export default function CopyLink({ target }: { readonly target: LinkTarget }): ReactNode {
  const url = typeof window === 'undefined' ? buildDeepLink(target) : `${window.location.origin}${buildDeepLink(target)}`;
  // Which URL was copied (or must be copied by hand): the note goes away once the values change.
  const [copied, setCopied] = useState<{ readonly url: string; readonly by: 'clipboard' | 'hand' } | null>(null);
  const shown = copied?.url === url ? copied : null;

  const copy = (): void => {
    const clipboard = typeof navigator !== 'undefined' ? navigator.clipboard : undefined;
    if (!clipboard) {
      setCopied({ url, by: 'hand' });
      return;
    }
    clipboard.writeText(url).then(
      () => setCopied({ url, by: 'clipboard' }),
      () => setCopied({ url, by: 'hand' }),
    );
  };

  return (
    <span className={styles.copyLink}>
      <button type="button" className={styles.button} onClick={copy} title="A link that opens this block with the environment and values above">
        <svg aria-hidden="true" viewBox="0 0 16 16" width="12" height="12">
          <path
            fill="currentColor"
            d="M6.6 9.4a.75.75 0 0 1 0-1.06l1.75-1.75a.75.75 0 1 1 1.06 1.06L7.66 9.4a.75.75 0 0 1-1.06 0Zm-1.9 3.7a2.6 2.6 0 0 1-1.84-4.44l1.6-1.6a.75.75 0 1 1 1.06 1.06l-1.6 1.6a1.1 1.1 0 0 0 1.56 1.56l1.6-1.6a.75.75 0 1 1 1.06 1.06l-1.6 1.6a2.6 2.6 0 0 1-1.84.76Zm5.8-3.9a.75.75 0 0 1-.53-1.28l1.6-1.6a1.1 1.1 0 0 0-1.56-1.56l-1.6 1.6A.75.75 0 1 1 7.35 5.3l1.6-1.6a2.6 2.6 0 0 1 3.68 3.68l-1.6 1.6a.75.75 0 0 1-.53.22Z"
          />
        </svg>
        Copy link
      </button>
      {shown?.by === 'clipboard' ? (
        // Not role="status": the block's status line is its one status region.
        <span aria-live="polite" className={styles.copied}>
          Link copied
        </span>
      ) : null}
      {shown?.by === 'hand' ? (
        <input
          className={styles.copyField}
          readOnly
          value={url}
          aria-label="Link to this block: copy it"
          ref={(el) => el?.select()}
          onFocus={(e) => e.target.select()}
        />
      ) : null}
    </span>
  );
}
