import type { ReactNode } from 'react';
import clsx from 'clsx';
import { useMe } from './useMe';
import styles from './styles.module.css';

interface Props {
  /** Set by the navbar when the item renders inside the mobile sidebar. */
  readonly mobile?: boolean;
}

/** Who is signed in, and with which roles (GET /api/me). */
export default function WhoAmI({ mobile }: Props): ReactNode {
  const content = <WhoAmIContent mobile={mobile === true} />;
  // The mobile sidebar renders items inside a <ul>.
  return mobile ? <li className="menu__list-item">{content}</li> : content;
}

function WhoAmIContent({ mobile }: { readonly mobile: boolean }): ReactNode {
  const { status, me } = useMe();
  const className = clsx(styles.who, mobile ? styles.mobile : styles.desktop);
  if (status === 'loading') return <div className={className} aria-hidden="true" />;
  if (!me) {
    return (
      // The picker beside it already says "server offline"; saying it twice is noise.
      <div className={className} title="The Opsbook server did not answer /api/me: server offline.">
        <span className={styles.offline}>not signed in</span>
      </div>
    );
  }
  return (
    <div className={className} title={`Signed in as ${me.user} (${me.authMode})`} data-user={me.user}>
      <svg aria-hidden="true" viewBox="0 0 16 16" width="14" height="14" className={styles.icon}>
        <path fill="currentColor" d="M8 8a3 3 0 1 0 0-6 3 3 0 0 0 0 6Zm0 1.5c-3 0-5.5 1.5-5.5 3.5v1h11v-1c0-2-2.5-3.5-5.5-3.5Z" />
      </svg>
      <span className={styles.name}>{me.displayName}</span>
      <span className={styles.roles}>
        <span className={styles.srOnly}>roles: </span>
        {me.roles.length > 0
          ? me.roles.map((role) => (
              <span key={role} className={styles.role}>
                {role}
              </span>
            ))
          : <span className={styles.role}>no roles</span>}
      </span>
    </div>
  );
}
