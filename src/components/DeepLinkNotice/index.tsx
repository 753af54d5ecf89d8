/**
 * Above a runbook opened through a deep link: which values came from the link (the environment, and each
 * parameter with how many blocks it filled) and which were ignored and why, so nobody runs a check on a
 * date they did not choose without knowing it. Nothing shows for a plain URL.
 */
import { useState, type ReactNode } from 'react';
import clsx from 'clsx';
import { useLocation } from '@docusaurus/router';
import { summarizeLink } from '@site/src/lib/deepLink';
import { useDeepLink, usePageParams } from '@site/src/lib/useDeepLink';
import { useLinkEnvironment, type LinkEnvironment } from './useLinkEnvironment';
import styles from './styles.module.css';

function EnvLine({ env }: { readonly env: LinkEnvironment }): ReactNode {
  switch (env.state) {
    case 'none':
      return null;
    case 'waiting':
      return (
        <li>
          Environment <code>{env.requested}</code>: waiting for the server's list of environments…
        </li>
      );
    case 'selected':
      return (
        <li className={clsx(env.production && styles.production)}>
          Environment <strong>{env.production ? `⚠ ${env.label}` : env.label}</strong> (<code>{env.requested}</code>)
          {env.still ? ' selected from the link.' : ' was selected from the link; you have since chosen another in the navbar.'}
        </li>
      );
    case 'unknown':
      return (
        <li className={styles.ignored}>
          Environment <code>{env.requested}</code> ignored: it is not one you can choose here ({env.offered.join(', ') || 'none offered'}). The
          environment in the navbar is unchanged.
        </li>
      );
  }
}

export default function DeepLinkNotice(): ReactNode {
  const { search } = useLocation();
  const link = useDeepLink();
  const blocks = usePageParams();
  const env = useLinkEnvironment(link.env, search);
  const [dismissed, setDismissed] = useState<string | null>(null);
  const summary = summarizeLink(link, blocks);
  if (dismissed === search || (env.state === 'none' && summary.applied.length === 0 && summary.ignored.length === 0)) return null;

  return (
    <aside className={styles.notice} aria-label="Values from the link" data-deep-link="">
      <div className={styles.head}>
        <strong>Opened from a link</strong>
        <span className={styles.muted}>Check these values before you run anything; the server checks them again when you do.</span>
        <button type="button" className={styles.dismiss} onClick={() => setDismissed(search)}>
          Dismiss
        </button>
      </div>
      <ul className={styles.list}>
        <EnvLine env={env} />
        {summary.applied.map((a) => (
          <li key={a.name} data-link-param={a.name} data-link-applied="true">
            <code>{a.name}</code> = <strong>{a.value}</strong>, filled in {a.blocks} block{a.blocks === 1 ? '' : 's'} (marked “from link”).
          </li>
        ))}
        {summary.ignored.map((i) => (
          <li key={i.name} className={styles.ignored} data-link-param={i.name} data-link-applied="false">
            <code>{i.name}</code> = <code>{i.value === '' ? '""' : i.value}</code> ignored: {i.reason}.
          </li>
        ))}
      </ul>
    </aside>
  );
}
