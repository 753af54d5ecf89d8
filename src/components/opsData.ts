/**
 * The operations data files, as the site receives them: the docusaurus-plugin-opsbook global data, parsed
 * from YAML at build time.
 *
 *   key          file(s)                                 shape
 *   escalation   docs/_data/escalation.yaml              Record<ladder id, Ladder>
 *   oncall       docs/investor/_data/oncall.yaml         Record<rotation id, Rotation>
 *   ownership    docs/investor/_data/ownership.yaml      Record<pipeline id, Owner>
 *   people       docs/_data/people.yaml                  Record<name as the other files write it, Person>
 *
 * Pure types and helpers only (no Docusaurus imports), so tests and the build can use them too.
 */

/** One rung of an escalation ladder. */
export interface LadderLevel {
  readonly name: string;
  /** Who is engaged; omitted when `owner` names the pipeline's owner instead. */
  readonly who?: string;
  /** Resolve `who` from the ladder's pipeline in the ownership data. */
  readonly owner?: 'primary' | 'secondary';
  /** Resolve `who` as whoever is on call in this rotation (oncall.yaml) at the time asked. */
  readonly oncall?: string;
  /** With `oncall`: the on-call engineer (default) or the backup. */
  readonly shift?: 'primary' | 'backup';
  /** How to reach them. */
  readonly reach?: string;
  /** Time since the clock started when this level is engaged: `0m`, `30m`, `2h`, `1d`. Omitted: no fixed time. */
  readonly after?: string;
  /** The condition, in words. */
  readonly when?: string;
}

/** A severity class and its response, for ladders organised by priority. */
export interface LadderPriority {
  readonly id: string;
  readonly name: string;
  readonly response: readonly string[];
}

export interface Ladder {
  readonly title: string;
  /** When the clock starts. */
  readonly trigger?: string;
  /** A pipeline id of the ownership data, for levels with `owner`. */
  readonly pipeline?: string;
  readonly levels: readonly LadderLevel[];
  readonly priorities?: readonly LadderPriority[];
}

export interface RotationWeek {
  readonly primary: string;
  readonly backup: string;
}

/** A holiday swap: who is on call (and/or backup) for the week starting on `week`, instead of the cycle's choice. */
export interface RotationSwap {
  /** The Monday the week starts, YYYY-MM-DD. */
  readonly week: string;
  readonly primary?: string;
  readonly backup?: string;
  readonly reason: string;
}

export interface Rotation {
  readonly name: string;
  /** The first day of week 1 of the cycle, YYYY-MM-DD. Weeks are seven days from there. */
  readonly start: string;
  /** IANA time zone in which weeks start at midnight; default UTC. */
  readonly timezone?: string;
  readonly cycle: readonly RotationWeek[];
  readonly swaps?: readonly RotationSwap[];
  /** Who takes over when both the on-call engineer and the backup are out. */
  readonly escalate_to?: string;
}

export interface Owner {
  readonly name: string;
  readonly audience: 'investors' | 'experiments';
  readonly dag_id?: string;
  readonly primary: string;
  readonly secondary: string;
  /** Ladder id in the escalation data. */
  readonly escalation?: string;
  /** The runbook's URL path, e.g. /investor/profit-aggregate. */
  readonly page?: string;
}

/** How to reach a person named in the data files. No secrets: a routing key lives in the server's configuration. */
export interface Person {
  readonly slack?: string;
  readonly email?: string;
  readonly phone?: string;
  /** Their Opsbook user name (as signed in), when they use Opsbook. */
  readonly user?: string;
}

export interface OpsData {
  readonly escalation: Readonly<Record<string, Ladder>>;
  readonly oncall: Readonly<Record<string, Rotation>>;
  readonly ownership: Readonly<Record<string, Owner>>;
  /** Absent in sites without a people file (contacts are then not shown, nor checked). */
  readonly people?: Readonly<Record<string, Person>>;
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(m|min|h|d)$/;

/** Minutes in a ladder duration (`90m`, `2h`, `1d`), or null when it is not one. */
export function durationMinutes(text: string): number | null {
  const m = DURATION.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  return m[2] === 'd' ? n * 1440 : m[2] === 'h' ? n * 60 : n;
}

/** "Immediately", "After 2 h", "After 1 h 30 min", or "No fixed time". */
export function formatAfter(after: string | undefined): string {
  if (after === undefined) return 'No fixed time';
  const minutes = durationMinutes(after);
  if (minutes === null) return after;
  if (minutes === 0) return 'Immediately';
  if (minutes % 1440 === 0) return `After ${minutes / 1440} d`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `After ${[h ? `${h} h` : '', m ? `${m} min` : ''].filter(Boolean).join(' ')}`;
}

/** The person a level names: its `who`, or the pipeline owner it points at. */
export function levelWho(level: LadderLevel, owner: Owner | undefined): string | null {
  if (level.who) return level.who;
  if (level.owner && owner) return owner[level.owner];
  return null;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Checks the shape of the operations data and the references between files; returns one sentence per
 * problem (empty when the data is sound). The build can run it on the parsed YAML; the tests do.
 */
export function checkOpsData(data: OpsData): string[] {
  const problems: string[] = [];
  for (const [id, ladder] of Object.entries(data.escalation)) {
    const at = `escalation.yaml: ladder "${id}"`;
    if (!ladder.title) problems.push(`${at} has no title.`);
    if (!Array.isArray(ladder.levels) || ladder.levels.length === 0) problems.push(`${at} has no levels.`);
    if (ladder.pipeline && !data.ownership[ladder.pipeline]) problems.push(`${at} names pipeline "${ladder.pipeline}", which ownership.yaml does not define.`);
    let previous = -1;
    for (const [i, level] of (ladder.levels ?? []).entries()) {
      if (!level.name) problems.push(`${at}, level ${i + 1} has no name.`);
      if (!level.who && !level.owner && !level.oncall) problems.push(`${at}, level ${i + 1} needs who, owner or oncall.`);
      if (level.oncall && !data.oncall[level.oncall]) problems.push(`${at}, level ${i + 1}: oncall "${level.oncall}" is not a rotation of oncall.yaml.`);
      if (level.shift !== undefined && (!level.oncall || (level.shift !== 'primary' && level.shift !== 'backup'))) problems.push(`${at}, level ${i + 1}: shift is primary or backup, and needs oncall.`);
      if ([level.who, level.owner, level.oncall].filter(Boolean).length > 1) problems.push(`${at}, level ${i + 1}: name one of who, owner or oncall.`);
      if (level.owner && !ladder.pipeline) problems.push(`${at}, level ${i + 1} uses owner but the ladder names no pipeline.`);
      if (level.after !== undefined) {
        const minutes = durationMinutes(level.after);
        if (minutes === null) problems.push(`${at}, level ${i + 1}: after "${level.after}" is not a duration like 0m, 30m, 2h or 1d.`);
        else if (minutes < previous) problems.push(`${at}, level ${i + 1}: after ${level.after} comes before the previous level's time.`);
        else previous = minutes;
      }
    }
    for (const p of ladder.priorities ?? []) {
      if (!p.id || !p.name || !Array.isArray(p.response) || p.response.length === 0) problems.push(`${at}: priority "${p.id ?? '?'}" needs id, name and response.`);
    }
  }
  for (const [id, r] of Object.entries(data.oncall)) {
    const at = `oncall.yaml: rotation "${id}"`;
    if (!ISO_DATE.test(String(r.start))) problems.push(`${at}: start must be a quoted date "YYYY-MM-DD".`);
    if (!Array.isArray(r.cycle) || r.cycle.length === 0) problems.push(`${at} has an empty cycle.`);
    for (const [i, w] of (r.cycle ?? []).entries()) {
      if (!w.primary || !w.backup) problems.push(`${at}, cycle week ${i + 1} needs primary and backup.`);
      if (w.primary && w.primary === w.backup) problems.push(`${at}, cycle week ${i + 1}: primary and backup are the same person.`);
    }
    for (const s of r.swaps ?? []) {
      if (!ISO_DATE.test(String(s.week))) problems.push(`${at}: swap week "${String(s.week)}" must be a quoted date "YYYY-MM-DD".`);
      else if (ISO_DATE.test(String(r.start)) && daysBetween(String(r.start), String(s.week)) % 7 !== 0) {
        problems.push(`${at}: swap week ${s.week} is not the first day of a rotation week.`);
      }
      if (!s.primary && !s.backup) problems.push(`${at}: swap of ${String(s.week)} changes neither primary nor backup.`);
      if (!s.reason) problems.push(`${at}: swap of ${String(s.week)} has no reason.`);
    }
  }
  for (const [id, o] of Object.entries(data.ownership)) {
    const at = `ownership.yaml: pipeline "${id}"`;
    if (!o.name || !o.primary || !o.secondary) problems.push(`${at} needs name, primary and secondary.`);
    if (o.primary && o.primary === o.secondary) problems.push(`${at}: primary and secondary are the same person.`);
    if (o.audience !== 'investors' && o.audience !== 'experiments') problems.push(`${at}: audience must be investors or experiments.`);
    if (o.escalation && !data.escalation[o.escalation]) problems.push(`${at} names ladder "${o.escalation}", which escalation.yaml does not define.`);
  }
  if (data.people) problems.push(...checkPeople(data));
  return problems;
}

const CONTACT_FIELDS = new Set(['slack', 'email', 'phone', 'user']);

/** Everyone the rotations and the ownership name has an entry in people.yaml, with contact fields only. */
function checkPeople(data: OpsData): string[] {
  const people = data.people ?? {};
  const problems: string[] = [];
  for (const [name, p] of Object.entries(people)) {
    const at = `people.yaml: "${name}"`;
    if (!p || typeof p !== 'object') {
      problems.push(`${at} must be a mapping of contact fields (slack, email, phone, user).`);
      continue;
    }
    for (const [k, v] of Object.entries(p)) {
      if (!CONTACT_FIELDS.has(k)) problems.push(`${at}: unknown field "${k}"; use slack, email, phone or user.`);
      else if (typeof v !== 'string' || !v.trim()) problems.push(`${at}: ${k} must be a non-empty string.`);
    }
    if (!p.slack && !p.email && !p.phone) problems.push(`${at} has no way to reach them (slack, email or phone).`);
  }
  const named = new Map<string, string>();
  for (const [id, r] of Object.entries(data.oncall)) {
    for (const w of r.cycle ?? []) for (const n of [w.primary, w.backup]) named.set(n, `oncall.yaml: rotation "${id}"`);
    for (const s of r.swaps ?? []) for (const n of [s.primary, s.backup]) if (n) named.set(n, `oncall.yaml: rotation "${id}"`);
    if (r.escalate_to) named.set(r.escalate_to, `oncall.yaml: rotation "${id}"`);
  }
  for (const [id, o] of Object.entries(data.ownership)) for (const n of [o.primary, o.secondary]) named.set(n, `ownership.yaml: pipeline "${id}"`);
  for (const [n, where] of named) if (n && !Object.hasOwn(people, n)) problems.push(`${where} names "${n}", who has no entry in people.yaml (how to reach them).`);
  return problems;
}

/** Whole days from one YYYY-MM-DD date to another. */
export function daysBetween(from: string, to: string): number {
  const utc = (d: string) => {
    const [y, m, day] = d.split('-').map(Number) as [number, number, number];
    return Date.UTC(y, m - 1, day);
  };
  return Math.round((utc(to) - utc(from)) / 86_400_000);
}
