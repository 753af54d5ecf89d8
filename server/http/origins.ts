/**
 * Which origins may open the run socket and change state. They come from configuration
 * (`server.publicOrigins`, `server.allowedOrigins`) — never from the request's own Host header, which a
 * DNS-rebinding page controls. Without publicOrigins (the demo) the server's own loopback origins on the
 * port it listens on are allowed.
 */
import type http from 'node:http';
import type { OpsbookConfig } from '../config';

export interface OriginPolicy {
  allows(origin: string): boolean;
  /** Every allowed origin as of now (for CORS and the CSP's connect-src). */
  list(): readonly string[];
}

const normalise = (origin: string) => origin.replace(/\/+$/, '').toLowerCase();

export function originPolicy(config: OpsbookConfig, extraOrigins: readonly string[], server: () => http.Server | null): OriginPolicy {
  const fixed = [...(config.server.publicOrigins ?? []), ...config.server.allowedOrigins, ...extraOrigins].map(normalise);
  const loopback = (): string[] => {
    if (config.server.publicOrigins) return [];
    const address = server()?.address();
    if (!address || typeof address === 'string') return [];
    return [`http://localhost:${address.port}`, `http://127.0.0.1:${address.port}`, `http://[::1]:${address.port}`];
  };
  const list = () => [...new Set([...fixed, ...loopback()])];
  return { list, allows: (origin) => list().includes(normalise(origin)) };
}
