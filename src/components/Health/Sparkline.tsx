/**
 * A check's recent values as a small SVG line (no chart library): one mark per result, warn and error
 * results marked in their colours and shapes, and a text alternative that says the range and the count.
 */
import type { ReactNode } from 'react';
import { formatValue } from '@site/src/lib/verdict';
import type { HistoryPoint } from './model';
import { sparkline } from './sparkline';
import styles from './styles.module.css';

const WIDTH = 112;
const HEIGHT = 28;

export default function Sparkline({ points, format = formatValue }: { readonly points: readonly HistoryPoint[]; readonly format?: (value: number) => string }): ReactNode {
  const say = (v: number | null) => (v === null ? '—' : format(v));
  const s = sparkline(points, WIDTH, HEIGHT);
  if (s.marks.length === 0) return <span className={styles.muted}>no history</span>;
  const problems = points.filter((p) => p.verdict !== 'ok').length;
  const label =
    `${points.length} result${points.length === 1 ? '' : 's'}, ` +
    (s.min === s.max ? `all ${say(s.min)}` : `from ${say(s.min)} to ${say(s.max)}`) +
    (problems ? `, ${problems} warning or error` : '');
  const last = s.marks[s.marks.length - 1]!;
  return (
    <svg className={styles.spark} viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width={WIDTH} height={HEIGHT} role="img" aria-label={`History: ${label}`} data-sparkline={points.length}>
      <title>{`History: ${label}`}</title>
      {s.line ? <polyline className={styles.sparkLine} points={s.line} fill="none" /> : null}
      {s.marks.map((m, i) =>
        m.verdict === 'error' ? (
          <rect key={i} className={styles.sparkError} x={m.x - 2.5} y={m.y - 2.5} width={5} height={5} />
        ) : m.verdict === 'warn' ? (
          <path key={i} className={styles.sparkWarn} d={`M${m.x} ${m.y - 3}L${m.x + 3} ${m.y + 2.5}H${m.x - 3}Z`} />
        ) : null,
      )}
      {last.verdict === 'ok' ? <circle className={styles.sparkLast} cx={last.x} cy={last.y} r={2.5} /> : null}
    </svg>
  );
}
