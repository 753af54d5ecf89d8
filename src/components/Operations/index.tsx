/** The Operations page body: one operation (`?id=`), or the list with filters and report verification. */
import { useEffect, useState, type ReactNode } from 'react';
import { useLocation } from '@docusaurus/router';
import { useMe } from '@site/src/lib/me';
import OperationList from './OperationList';
import OperationView from './OperationView';
import VerifyReport from './VerifyReport';
import styles from './styles.module.css';

export default function Operations(): ReactNode {
  const me = useMe();
  const { search } = useLocation();
  // The static page has no query string: read it once live.
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  if (!mounted || me.status === 'loading') return <p className={styles.muted}>Loading…</p>;
  if (me.status !== 'ready') return <p className={styles.error}>{me.error}</p>;
  if (me.me.roles.length === 0) return <p className={styles.muted}>Operations are for operators, approvers and admins.</p>;
  const id = new URLSearchParams(search).get('id');
  if (id) return <OperationView key={id} id={id} />;
  return (
    <>
      <OperationList />
      <div className={styles.section}>
        <VerifyReport />
      </div>
    </>
  );
}
