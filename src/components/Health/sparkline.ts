/** A check's history placed in a small box for the Health page's SVG sparkline (no chart library). */
import type { Verdict } from '@site/server/checks/types';
import type { HistoryPoint } from './model';

export interface Sparkline {
  /** `x,y x,y …` for a polyline; empty with fewer than two numbers. */
  readonly line: string;
  readonly marks: readonly { readonly x: number; readonly y: number; readonly verdict: Verdict }[];
  readonly min: number | null;
  readonly max: number | null;
}

/** History points placed in a `width`×`height` box (y grows down), leaving `pad` for the marks. */
export function sparkline(points: readonly HistoryPoint[], width: number, height: number, pad = 3): Sparkline {
  const numeric = points.map((p, i) => ({ ...p, i })).filter((p): p is typeof p & { value: number } => p.value !== null && Number.isFinite(p.value));
  if (numeric.length === 0) return { line: '', marks: [], min: null, max: null };
  const values = numeric.map((p) => p.value);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = points.length > 1 ? points.length - 1 : 1;
  const x = (i: number) => (points.length === 1 ? width / 2 : pad + ((width - 2 * pad) * i) / span);
  // A flat series sits in the middle rather than on an edge.
  const y = (v: number) => (max === min ? height / 2 : pad + (height - 2 * pad) * (1 - (v - min) / (max - min)));
  const placed = numeric.map((p) => ({ x: round(x(p.i)), y: round(y(p.value)), verdict: p.verdict }));
  return { line: placed.length > 1 ? placed.map((p) => `${p.x},${p.y}`).join(' ') : '', marks: placed, min, max };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
