/**
 * The training scenarios' state (DESIGN.md §8), and the one JSON shape the Training page and the drill
 * runner read. Activation injects a fault and replays the night so it fails; deactivation restores the
 * baseline and replays the night again so it succeeds, and a scenario is `settled` once those runs end.
 */
import { localDate } from '../warehouse';
import { SCENARIOS } from './registry';
import { runEnded } from './replay';
import type { DagRunRef, Scenario, ScenarioContext, ScenarioInfo } from './types';

export type { DagRunRef, ScenarioAction, ScenarioContext, ScenarioInfo } from './types';

interface ActiveState {
  activatedAt: string;
  note: string;
  businessDate: string;
  dagRun: DagRunRef | null;
}

export class Scenarios {
  private readonly state = new Map<string, ActiveState>();
  /** Runs a scenario started (failing nights, restoring nights) that may still be going. */
  private readonly pending = new Map<string, readonly DagRunRef[]>();
  /** One change at a time per scenario: a double click cannot activate twice. */
  private readonly busy = new Set<string>();
  /** While the demo rolls forward to a new day, no scenario changes (its rows are being replaced). */
  private rolling = false;

  constructor(
    private readonly ctx: ScenarioContext,
    private readonly all: readonly Scenario[] = SCENARIOS,
  ) {}

  async list(): Promise<ScenarioInfo[]> {
    return Promise.all(this.all.map((s) => this.info(s)));
  }

  private async info(s: Scenario): Promise<ScenarioInfo> {
    const st = this.state.get(s.id);
    let settled = !this.busy.has(s.id);
    for (const ref of this.pending.get(s.id) ?? []) if (!(await runEnded(this.ctx, ref))) settled = false;
    return {
      id: s.id, title: s.title, summary: s.summary, runbook: s.runbook, active: !!st, activatedAt: st?.activatedAt ?? null, note: st?.note ?? null,
      dagRun: st?.dagRun ?? null, settled, actions: st ? (s.actions ?? []) : [], allActions: s.actions ?? [],
    };
  }

  has(id: string): boolean {
    return this.all.some((s) => s.id === id);
  }

  /** `activate`, `deactivate`, or one of the active scenario's actions. Errors are for the caller to show. */
  async apply(id: string, action: string): Promise<ScenarioInfo> {
    const s = this.all.find((x) => x.id === id)!;
    if (this.rolling) throw new ScenarioConflict('The demo is rolling forward to the new day; try again in a minute.');
    if (this.busy.has(id)) throw new ScenarioConflict(`${s.title} is changing already; wait for it to finish.`);
    this.busy.add(id);
    try {
      const st = this.state.get(id);
      if (action === 'activate') {
        if (st) throw new ScenarioConflict(`${s.title} is already active; deactivate it first.`);
        const bd = localDate();
        const { note, dagRun, runs } = await s.activate(this.ctx, bd);
        this.state.set(id, { activatedAt: new Date().toISOString(), note, businessDate: bd, dagRun });
        this.pending.set(id, runs ?? (dagRun ? [dagRun] : []));
      } else if (action === 'deactivate') {
        if (!st) throw new ScenarioConflict(`${s.title} is not active.`);
        const restoring = await s.deactivate(this.ctx, st.businessDate);
        this.state.delete(id);
        this.pending.set(id, restoring ?? []);
      } else {
        if (!st || !s.act || !(s.actions ?? []).some((a) => a.id === action)) throw new ScenarioConflict(`"${action}" is not an action of ${s.title}${st ? '' : ' (it is not active)'}.`);
        const result = await s.act(action, this.ctx, st.businessDate);
        st.note = typeof result === 'string' ? result : result.note;
        if (typeof result !== 'string') this.pending.set(id, result.runs);
      }
    } finally {
      this.busy.delete(id);
    }
    return this.info(s);
  }

  /** Runs `fn` (the day roll) with scenario changes refused meanwhile; null, without running it, while one is under way. */
  async whileNoChange<T>(fn: () => Promise<T>): Promise<T | null> {
    if (this.busy.size > 0 || this.rolling) return null;
    this.rolling = true;
    try {
      return await fn();
    } finally {
      this.rolling = false;
    }
  }

  close(): void {
    for (const t of this.ctx.timers.values()) clearTimeout(t);
    this.ctx.timers.clear();
  }
}

export class ScenarioConflict extends Error {}
