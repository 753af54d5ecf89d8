/**
 * The page's link to the Opsbook server, in the top bar — shown only when it matters: "Reconnecting…" while
 * the socket dropped with runs going (the blocks say which), then "Reconnected" for a moment once they are
 * back. Silent otherwise: a link that works needs no badge.
 */
import { useEffect, useState, type ReactNode } from 'react';
import clsx from 'clsx';
import useIsBrowser from '@docusaurus/useIsBrowser';
import { getRunClient } from '@site/src/lib/runClient';
import { useServerBase, wsUrl } from '@site/src/lib/serverUrl';
import styles from './styles.module.css';

type Shown = 'hidden' | 'reconnecting' | 'back';
/** How long "Reconnected" stays: long enough to be read, not a permanent badge. */
const BACK_MS = 6_000;

interface Props {
  /** Set by the navbar when the item renders inside the mobile sidebar: there the blocks say it. */
  readonly mobile?: boolean;
}

export default function LinkIndicator({ mobile }: Props): ReactNode {
  const base = useServerBase();
  const isBrowser = useIsBrowser();
  const [shown, setShown] = useState<Shown>('hidden');
  useEffect(() => {
    if (!isBrowser) return undefined;
    let lost = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const subscription = getRunClient(wsUrl(base)).onConnectionChange((state) => {
      if (state === 'reconnecting') {
        lost = true;
        clearTimeout(timer);
        setShown('reconnecting');
      } else if (lost && state === 'open') {
        lost = false;
        setShown('back');
        timer = setTimeout(() => setShown('hidden'), BACK_MS);
      } else if (lost && (state === 'closed' || state === 'idle')) {
        // The link did not come back: each block says what it lost and where to look.
        lost = false;
        setShown('hidden');
      }
    });
    return () => {
      subscription.dispose();
      clearTimeout(timer);
    };
  }, [base, isBrowser]);
  if (mobile) return null;
  // The live region is always there, so a screen reader announces the change into it.
  return (
    <span role="status" aria-label="Connection to the Opsbook server" className={clsx(styles.link, shown !== 'hidden' && styles[shown])} data-link={shown}>
      {shown === 'reconnecting' ? 'Reconnecting…' : shown === 'back' ? 'Reconnected' : null}
    </span>
  );
}
