/**
 * Whether a PostgreSQL error says the connection itself is gone — the server ended it (admin_shutdown,
 * crash_shutdown, cannot_connect_now) or its socket closed — rather than that the statement failed. A pooled
 * connection closed while idle can still be handed out before the pool hears of it; callers use this to try
 * once more on a fresh connection when nothing of their work has happened yet.
 */
export function connectionClosed(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '57P01' || code === '57P02' || code === '57P03' || /Connection terminated|ECONNRESET|EPIPE/.test((error as Error | null)?.message ?? '');
}
