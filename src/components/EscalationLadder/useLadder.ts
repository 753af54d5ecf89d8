/** Resolves a ladder id to what the timeline shows: each level's who, time label and hand-over to the next. */
import { formatAfter, levelWho, type Ladder, type LadderPriority } from '../opsData';
import { useOpsData } from '../useOpsData';

export interface LadderRung {
  readonly name: string;
  readonly who: string | null;
  readonly reach: string | null;
  readonly when: string | null;
  /** "Immediately", "After 2 h", "No fixed time". */
  readonly at: string;
  readonly timed: boolean;
  /** When to go to the next level, in words; null on the last level. */
  readonly next: string | null;
}

export type LadderView =
  | { readonly kind: 'not-loaded' }
  | { readonly kind: 'unknown'; readonly id: string; readonly known: readonly string[] }
  | { readonly kind: 'ladder'; readonly ladder: Ladder; readonly rungs: readonly LadderRung[]; readonly priorities: readonly LadderPriority[] };

export function useLadder(id: string): LadderView {
  const { escalation, ownership } = useOpsData();
  if (!escalation) return { kind: 'not-loaded' };
  const ladder = escalation[id];
  if (!ladder) return { kind: 'unknown', id, known: Object.keys(escalation) };
  const owner = ladder.pipeline ? ownership?.[ladder.pipeline] : undefined;
  const levels = ladder.levels ?? [];
  const rungs = levels.map((level, i): LadderRung => {
    const following = levels[i + 1];
    let next: string | null = null;
    if (following) {
      next = following.after !== undefined
        ? `${following.name} — ${lowerFirst(formatAfter(following.after))}`
        : `${following.name} — ${following.when ? lowerFirst(following.when) : 'when this level cannot resolve it'}`;
    }
    return {
      name: level.name,
      who: levelWho(level, owner),
      reach: level.reach ?? null,
      when: level.when ?? null,
      at: formatAfter(level.after),
      timed: level.after !== undefined,
      next,
    };
  });
  return { kind: 'ladder', ladder, rungs, priorities: ladder.priorities ?? [] };
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
