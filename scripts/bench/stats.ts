/**
 * The bench's summaries: a median with the spread around it (min–max of the samples), and percentiles, so
 * every figure in the table is read the same way. Shared by the measurements in scripts/bench.
 */

export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
}

/** Median (the mean of the middle two for an even count) and min–max; throws on no samples. */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new Error('No samples to summarize.');
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, n: s.length };
}

/** Nearest-rank percentile (p in 0–100): the smallest sample with at least p % of the samples at or below it. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error('No samples for a percentile.');
  const s = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * s.length));
  return s[Math.min(s.length, rank) - 1]!;
}

/** "123.4 ms [101.2–150.0], median of 5" in the unit given. */
export function formatSummary(x: Summary, unit: string, digits = 1): string {
  const f = (v: number) => v.toFixed(digits);
  return `${f(x.median)} ${unit} [${f(x.min)}–${f(x.max)}], median of ${x.n}`;
}
