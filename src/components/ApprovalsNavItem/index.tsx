import type { ReactNode } from 'react';
import clsx from 'clsx';
import Link from '@docusaurus/Link';
import { useLocation } from '@docusaurus/router';
import { countDecidable } from '@site/src/lib/approvals';
import { useApprovals } from '@site/src/lib/useApprovals';
import { useNow } from '@site/src/lib/useNow';
import styles from './styles.module.css';

interface Props {
  /** Set by the navbar when the item renders inside the mobile sidebar. */
  readonly mobile?: boolean;
}

function Badge({ count }: { readonly count: number }): ReactNode {
  if (count === 0) return null;
  return (
    <span className={styles.badge} data-count={count}>
      <span aria-hidden="true">{count > 99 ? '99+' : count}</span>
      <span className={styles.srOnly}>, {count} waiting for your decision</span>
    </span>
  );
}

/**
 * Navbar link to the approvals inbox, with the number of requests the signed-in user may decide now.
 * On narrow windows the link lives in the sidebar menu; the top bar keeps only a compact badge while
 * something waits, so an approver never has to open the menu to learn that.
 */
export default function ApprovalsNavItem({ mobile }: Props): ReactNode {
  const { approvals, viewer } = useApprovals();
  const now = useNow(30_000);
  const { pathname } = useLocation();
  const count = countDecidable(approvals, viewer, now);
  const active = pathname.replace(/\/$/, '') === '/approvals';

  if (mobile) {
    return (
      <li className="menu__list-item">
        <Link to="/approvals" className={clsx('menu__link', active && 'menu__link--active', styles.menuLink)}>
          Approvals
          <Badge count={count} />
        </Link>
      </li>
    );
  }
  return (
    <>
      <Link
        to="/approvals"
        className={clsx('navbar__item', 'navbar__link', active && 'navbar__link--active', styles.link)}
        aria-current={active ? 'page' : undefined}
      >
        Approvals
        <Badge count={count} />
      </Link>
      {count > 0 ? (
        <Link to="/approvals" className={styles.compact} title="Approvals waiting for your decision">
          <svg aria-hidden="true" viewBox="0 0 16 16" width="14" height="14">
            <path fill="currentColor" d="M2 3.5A1.5 1.5 0 0 1 3.5 2h9A1.5 1.5 0 0 1 14 3.5v9a1.5 1.5 0 0 1-1.5 1.5h-9A1.5 1.5 0 0 1 2 12.5v-9ZM3.5 9v3.5h9V9h-2.6a2 2 0 0 1-3.8 0H3.5Z" />
          </svg>
          <span className={styles.srOnly}>Approvals</span>
          <Badge count={count} />
        </Link>
      ) : null}
    </>
  );
}
