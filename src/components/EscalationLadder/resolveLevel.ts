/**
 * Who a ladder level means at a given time, and how to reach them — one function for the page (the ladder
 * with its Page action) and the server (escalating an approval request, sending a page), so the ladder, the
 * on-call widget and what gets paged always name the same person. Pure: no Docusaurus, no Node.
 */
import { weekOf, dateIn } from '../OnCall/rotation';
import type { Ladder, LadderLevel, OpsData, Person } from '../opsData';

export interface ResolvedLevel {
  readonly name: string;
  /** The person or group engaged, or null when the data do not say. */
  readonly who: string | null;
  /** Where the name came from: the rotation (resolved for `now`), the pipeline's owners, or written as is. */
  readonly source: 'oncall' | 'owner' | 'who' | null;
  /** For an on-call level: "on call in Investor pipelines, week of 30 Nov" — why this person. */
  readonly because: string | null;
  readonly contact: Person | null;
}

export function resolveLevel(data: Pick<OpsData, 'oncall' | 'ownership' | 'people'>, ladder: Ladder, level: LadderLevel, now: Date): ResolvedLevel {
  const contactOf = (who: string | null) => (who && data.people && Object.hasOwn(data.people, who) ? data.people[who]! : null);
  if (level.oncall) {
    const rotation = Object.hasOwn(data.oncall, level.oncall) ? data.oncall[level.oncall] : undefined;
    if (!rotation) return { name: level.name, who: null, source: 'oncall', because: `no rotation "${level.oncall}"`, contact: null };
    const week = weekOf(rotation, dateIn(now, rotation.timezone ?? 'UTC'));
    const who = level.shift === 'backup' ? week.backup : week.primary;
    const role = level.shift === 'backup' ? 'backup' : 'on call';
    return { name: level.name, who, source: 'oncall', because: `${role} in ${rotation.name}, week of ${week.start}${week.swapReason ? ` (swap: ${week.swapReason})` : ''}`, contact: contactOf(who) };
  }
  if (level.owner) {
    const owner = ladder.pipeline && Object.hasOwn(data.ownership, ladder.pipeline) ? data.ownership[ladder.pipeline] : undefined;
    const who = owner ? owner[level.owner] : null;
    return { name: level.name, who, source: 'owner', because: owner ? `${level.owner} owner of ${owner.name}` : null, contact: contactOf(who) };
  }
  const who = level.who ?? null;
  return { name: level.name, who, source: who ? 'who' : null, because: null, contact: contactOf(who) };
}

/** "Slack @eng-b · +44 … · eng-b@…" for a message or a page; empty when nothing is known. */
export function contactLine(contact: Person | null): string {
  if (!contact) return '';
  return [contact.slack ? `Slack ${contact.slack}` : '', contact.phone ?? '', contact.email ?? ''].filter(Boolean).join(' · ');
}
