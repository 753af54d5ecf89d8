/** Timeline events merged by their number: pushes and refetches may overlap or arrive out of order. */
import type { OperationEvent } from '@site/server/operations/types';

export function mergeEvents(current: readonly OperationEvent[], more: readonly OperationEvent[]): OperationEvent[] {
  const bySeq = new Map(current.map((e) => [e.seq, e]));
  for (const e of more) bySeq.set(e.seq, e);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** The next push follows on without a gap; otherwise the page must fetch what it missed. */
export function followsOn(current: readonly OperationEvent[], next: OperationEvent): boolean {
  return next.seq <= (current.at(-1)?.seq ?? 0) + 1;
}
