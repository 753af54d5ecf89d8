import type { ReactNode } from 'react';
import clsx from 'clsx';
import { stateLook } from './airflow';
import styles from './TaskGrid.module.css';

/** An Airflow state as a chip: its tone's colour, an icon and the words, so it reads without colour too. */
export default function StateChip({ state, className }: { readonly state: string | null; readonly className?: string }): ReactNode {
  const look = stateLook(state);
  return (
    <span className={clsx(styles.chip, styles[`tone_${look.tone}`], className)}>
      <span aria-hidden="true" className={styles.icon}>
        {look.icon}
      </span>
      {look.label}
    </span>
  );
}
