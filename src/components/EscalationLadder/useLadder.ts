/** Resolves a ladder id to what the timeline shows: each level's who, time label and hand-over to the next. */
import { useEffect, useState } from 'react';
import { formatAfter, levelWho, type Ladder, type LadderPriority, type Person } from '../opsData';
import { useOpsData } from '../useOpsData';
import { resolveLevel } from './resolveLevel';

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
  /** For an on-call level: why this person (rotation, week, swap); null otherwise or before the page is live. */
  readonly because: string | null;
  /** An on-call level before the browser knows the date (SSR): who is shown as the rotation, not a person. */
  readonly pending: boolean;
  readonly contact: Person | null;
}

export type LadderView =
  | { readonly kind: 'not-loaded' }
  | { readonly kind: 'unknown'; readonly id: string; readonly known: readonly string[] }
  | { readonly kind: 'ladder'; readonly ladder: Ladder; readonly rungs: readonly LadderRung[]; readonly priorities: readonly LadderPriority[] };

export function useLadder(id: string): LadderView {
  const { escalation, ownership, oncall, people } = useOpsData();
  // "Now" exists only in the browser (as in the on-call widget): on-call levels resolve after the first render.
  const [now, setNow] = useState<Date | null>(null);
  useEffect(() => {
    setNow(new Date());
    const timer = setInterval(() => setNow(new Date()), 60_000);
    return () => clearInterval(timer);
  }, []);
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
    const resolved = now ? resolveLevel({ oncall: oncall ?? {}, ownership: ownership ?? {}, ...(people ? { people } : {}) }, ladder, level, now) : null;
    const rotationName = level.oncall ? (oncall?.[level.oncall]?.name ?? level.oncall) : null;
    return {
      name: level.name,
      who: resolved?.who ?? (level.oncall ? `${level.shift === 'backup' ? 'the backup' : 'whoever is on call'} in ${rotationName}` : levelWho(level, owner)),
      because: resolved?.source === 'oncall' ? resolved.because : null,
      pending: Boolean(level.oncall) && resolved === null,
      contact: resolved?.contact ?? (people && levelWho(level, owner) ? (people[levelWho(level, owner)!] ?? null) : null),
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
