import { useId, useState, type ReactNode } from 'react';
import clsx from 'clsx';
import type { MeResponse } from '@site/server/api';
import { useApi } from '@site/src/lib/useApi';
import { switchDemoUser, useMe } from '@site/src/lib/me';
import styles from './styles.module.css';

interface Props {
  /** Set by the navbar when the item renders inside the mobile sidebar. */
  readonly mobile?: boolean;
}

/** Who is signed in, and with which roles (GET /api/me); in demo mode, a switch to another demo identity. */
export default function WhoAmI({ mobile }: Props): ReactNode {
  const content = <WhoAmIContent mobile={mobile === true} />;
  // The mobile sidebar renders items inside a <ul>.
  return mobile ? <li className="menu__list-item">{content}</li> : content;
}

function Roles({ roles }: { readonly roles: readonly string[] }): ReactNode {
  return (
    <span className={styles.roles}>
      <span className={styles.srOnly}>roles: </span>
      {roles.length > 0 ? (
        roles.map((role) => (
          <span key={role} className={styles.role}>
            {role}
          </span>
        ))
      ) : (
        <span className={styles.role}>no roles</span>
      )}
    </span>
  );
}

function UserIcon(): ReactNode {
  return (
    <svg aria-hidden="true" viewBox="0 0 16 16" width="14" height="14" className={styles.icon}>
      <path fill="currentColor" d="M8 8a3 3 0 1 0 0-6 3 3 0 0 0 0 6Zm0 1.5c-3 0-5.5 1.5-5.5 3.5v1h11v-1c0-2-2.5-3.5-5.5-3.5Z" />
    </svg>
  );
}

function WhoAmIContent({ mobile }: { readonly mobile: boolean }): ReactNode {
  const { status, me, error } = useMe();
  const className = clsx(styles.who, mobile ? styles.mobile : styles.desktop);
  if (status === 'loading') return <div className={className} aria-hidden="true" />;
  if (!me) {
    return (
      // The picker beside it already says "server offline"; saying it twice is noise.
      <div className={className} title={error}>
        <span className={styles.offline}>not signed in</span>
      </div>
    );
  }
  if (me.authMode === 'demo' && me.demoUsers && me.demoUsers.length > 0) return <DemoSwitcher me={me} className={className} />;
  return (
    <div className={className} title={`Signed in as ${me.user} (${me.authMode})`} data-user={me.user}>
      <UserIcon />
      <span className={styles.name}>{me.displayName}</span>
      <Roles roles={me.roles} />
    </div>
  );
}

/** Demo mode: pick a demo identity; the server sets a cookie and the page reloads as that user. */
function DemoSwitcher({ me, className }: { readonly me: MeResponse; readonly className: string }): ReactNode {
  const id = useId();
  const api = useApi();
  const [switching, setSwitching] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const users = me.demoUsers ?? [];
  const known = users.some((u) => u.user === me.user);

  const onChange = (user: string): void => {
    if (user === me.user) return;
    setSwitching(true);
    setError(null);
    switchDemoUser(api, user)
      // Everything on the page (approvals, the socket's identity, what may run) belongs to the old user.
      .then(() => window.location.reload())
      .catch((e: unknown) => {
        setSwitching(false);
        setError(e instanceof Error ? e.message : String(e));
      });
  };

  return (
    <div className={clsx(className, styles.demo)} data-user={me.user}>
      <UserIcon />
      <label htmlFor={id} className={styles.switchLabel}>
        Signed in as
      </label>
      <select
        id={id}
        className={styles.select}
        value={me.user}
        disabled={switching}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(e) => onChange(e.target.value)}
        title="Demo identities: switch to act as another user"
      >
        {known ? null : <option value={me.user}>{me.displayName}</option>}
        {users.map((u) => (
          <option key={u.user} value={u.user}>
            {u.displayName} · {u.roles.join(', ') || 'no roles'}
          </option>
        ))}
      </select>
      {error ? (
        <span id={`${id}-error`} role="alert" className={styles.error}>
          {error}
        </span>
      ) : null}
    </div>
  );
}
