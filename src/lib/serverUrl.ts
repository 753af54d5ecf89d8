/**
 * Where the page finds the execution server (docusaurus.config.ts `customFields.opsbookServer`).
 * '' means same origin: `npm start` serves the site and the API on one port.
 */
import useDocusaurusContext from '@docusaurus/useDocusaurusContext';

/** The configured server base without a trailing slash ('' = same origin). */
export function useServerBase(): string {
  const { siteConfig } = useDocusaurusContext();
  const raw = siteConfig.customFields?.opsbookServer;
  return typeof raw === 'string' ? raw.replace(/\/+$/, '') : '';
}

/** An HTTP URL for an API path, e.g. apiUrl('', '/api/me') -> '/api/me'. */
export function apiUrl(base: string, path: string): string {
  return `${base}${path}`;
}

/**
 * The WebSocket URL of the run endpoint: ws:// or wss:// derived from the server base, or from
 * `window.location` when the base is '' (same origin). Browser only.
 */
export function wsUrl(base: string): string {
  const origin = base === '' ? window.location.origin : new URL(base, window.location.href).origin;
  const url = new URL('/api/ws', origin);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/**
 * GET a JSON document from the server. Resolves to null on any failure (offline, non-2xx, bad JSON):
 * the navbar and the page degrade to a "server offline" hint instead of logging errors.
 */
export async function fetchJson<T>(base: string, path: string, signal?: AbortSignal): Promise<T | null> {
  try {
    const res = await fetch(apiUrl(base, path), {
      // With cookies, also across ports in author mode: the server answers an allowed Origin with
      // that exact origin and Access-Control-Allow-Credentials, and who is asking may decide the answer.
      credentials: 'include',
      headers: { accept: 'application/json' },
      signal,
    });
    if (!res.ok) return null;
    return (await res.json()) as T;
  } catch {
    return null;
  }
}
