/** Verify a report: a reviewer drops an exported file here; the server says whether it is unedited and its own. */
import { useState, type ReactNode } from 'react';
import type { VerifyResult } from '@site/server/operations/types';
import { CSRF_COOKIE, CSRF_HEADER, readCookie } from '@site/src/lib/api';
import { useApi } from '@site/src/lib/useApi';
import styles from './styles.module.css';

export default function VerifyReport(): ReactNode {
  const api = useApi();
  const [result, setResult] = useState<(VerifyResult & { file: string }) | null>(null);
  const [error, setError] = useState<string | null>(null);

  const check = async (file: File) => {
    setError(null);
    setResult(null);
    try {
      if (readCookie(document.cookie, CSRF_COOKIE) === null) await api.get('/api/me');
      const res = await fetch(api.url('/api/operations/verify'), {
        method: 'POST',
        credentials: 'include',
        headers: { 'content-type': 'text/plain', accept: 'application/json', [CSRF_HEADER]: readCookie(document.cookie, CSRF_COOKIE) ?? '' },
        body: await file.text(),
      });
      const body = (await res.json()) as VerifyResult | { error: { message: string } };
      if ('error' in body) throw new Error(body.error.message);
      setResult({ ...body, file: file.name });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <details className={styles.card}>
      <summary>Verify a report</summary>
      <p className={styles.muted}>Choose an exported operation report (HTML, Markdown or JSON) to check that nobody edited it after Opsbook signed it.</p>
      <input type="file" accept=".html,.md,.json,text/html,text/markdown,application/json" aria-label="Report to verify" onChange={(e) => e.target.files?.[0] && void check(e.target.files[0])} />
      {result ? (
        <p role="status" data-valid={result.valid ? 'true' : 'false'}>
          <span className={result.valid ? styles.verified : styles.notVerified}>{result.valid ? '✓ Verified' : '✗ Not verified'}</span> — {result.file}: {result.reason}
          {result.operation ? (
            <span className={styles.muted}>
              {' '}
              (operation <span className={styles.mono}>{result.operation}</span>, site commit <span className={styles.mono}>{result.commit ?? 'unknown'}</span>)
            </span>
          ) : null}
        </p>
      ) : null}
      {error ? (
        <p role="alert" className={styles.error}>
          {error}
        </p>
      ) : null}
    </details>
  );
}
