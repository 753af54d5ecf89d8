/**
 * The frame of Opsbook's own pages (Health, Operations, Approvals, Audit, Training): the site's layout, one
 * centred column with the page's heading and a line saying what the page is for. Each page wrote this out with a
 * copy of the same CSS; the column's width is the one thing that differs (a dense table wants more room).
 */
import type { ReactNode } from 'react';
import clsx from 'clsx';
import Layout from '@theme/Layout';
import Heading from '@theme/Heading';
import styles from './styles.module.css';

interface Props {
  readonly title: string;
  /** The page's description for search engines and link previews. */
  readonly description: string;
  /** What the page is for, in a sentence or two under the heading. */
  readonly intro?: ReactNode;
  /** narrow: cards and forms; medium: a table of a few columns; wide: the audit log's many columns. */
  readonly width: 'narrow' | 'medium' | 'wide';
  readonly children: ReactNode;
}

export default function OpsPage({ title, description, intro, width, children }: Props): ReactNode {
  return (
    <Layout title={title} description={description}>
      <main className={clsx(styles.page, styles[width])}>
        <Heading as="h1">{title}</Heading>
        {intro ? <p className={styles.intro}>{intro}</p> : null}
        {children}
      </main>
    </Layout>
  );
}
