/**
 * An age in seconds as an operator reads it, in the units conditions are written in (`age(loaded_at) < 2h`):
 * the server's verdict and the Health page say ages the same way.
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'never loaded';
  const s = Math.round(seconds);
  if (Math.abs(s) < 120) return `${s}s`;
  if (Math.abs(s) < 7200) return `${Math.round(s / 60)}m`;
  if (Math.abs(s) < 172800) return `${(s / 3600).toFixed(1)}h`;
  return `${(s / 86400).toFixed(1)}d`;
}

/**
 * Whether a check's recorded value is an age in seconds: the history records the first term the deciding rule
 * measured — error's, else warn's, else expect's — so a rule that starts with age() records seconds.
 */
export function recordsAnAge(conditions: { readonly expect?: string | null; readonly warn?: string | null; readonly error?: string | null }): boolean {
  const rule = conditions.error ?? conditions.warn ?? conditions.expect ?? '';
  return /^\s*age\(/i.test(rule);
}
