import { useId, type ReactNode } from 'react';
import clsx from 'clsx';
import type { EnvironmentInfo } from '@site/server/protocol';
import { reloadEnvironments, selectEnvironment, useEnvironments } from '@site/src/lib/environment';
import { useServerBase } from '@site/src/lib/serverUrl';
import styles from './styles.module.css';

function optionText(env: EnvironmentInfo): string {
  if (!env.production) return env.label;
  return /prod/i.test(env.label) ? `⚠ ${env.label}` : `⚠ ${env.label} (production)`;
}

interface Props {
  /** Set by the navbar when the item renders inside the mobile sidebar. */
  readonly mobile?: boolean;
}

/**
 * The navbar's environment picker. It stays in the top bar on narrow windows too (it does not use
 * the `navbar__item` class that Infima hides there): which environment runs is never behind a menu.
 */
export default function EnvironmentPicker({ mobile }: Props): ReactNode {
  const id = useId();
  const base = useServerBase();
  const { status, environments, selected } = useEnvironments();
  if (mobile) return null; // already visible in the top bar

  if (status === 'offline') {
    return (
      <div className={styles.picker}>
        <button
          type="button"
          className={styles.offline}
          onClick={() => reloadEnvironments(base)}
          title="The Opsbook server did not answer. Click to retry."
        >
          <span aria-hidden="true" className={styles.dot} />
          server offline
        </button>
      </div>
    );
  }

  const current = environments.find((e) => e.name === selected) ?? null;
  const production = current?.production === true;
  return (
    <div className={clsx(styles.picker, production && styles.production)} data-production={production ? 'true' : 'false'}>
      <label htmlFor={id} className={styles.label}>
        Environment
      </label>
      <select
        id={id}
        className={styles.select}
        value={selected ?? ''}
        disabled={status !== 'ready'}
        onChange={(e) => selectEnvironment(e.target.value)}
      >
        {status === 'loading' ? <option value="">Loading…</option> : null}
        {environments.map((env) => (
          <option key={env.name} value={env.name} className={env.production ? styles.prodOption : undefined}>
            {optionText(env)}
          </option>
        ))}
      </select>
      {production ? (
        <span className={styles.prodTag} aria-hidden="true">
          PROD
        </span>
      ) : null}
    </div>
  );
}
