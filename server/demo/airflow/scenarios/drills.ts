/**
 * The Training page's drills on the server (DESIGN.md §7b): the drills of drills/<family>/ as the page
 * shows them, and "is it solved": the drill's `passes` checks run here, read-only, on the demo warehouse,
 * with the time since its fault was injected and the runs the user made in the drill's runbooks (from the
 * audit). The page never sends SQL; it names a drill.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StateStore } from '../../../audit/types';
import { businessDateOf } from '../../../checks/runCheck';
import { hasCheck, judgeCheck } from '../../../checks/verdict';
import type { ConnectorRegistry } from '../../../connectors/registry';
import { bindParams } from '../../../execution/bindParams';
import { commandBlockRunner, type CommandBlockDeps } from '../../../execution/commandBlocks';
import { observeGrid } from '../../../checks/observeGrid';
import type { BoundValue } from '../../../../plugins/remark-runbook/syntax/params';
import type { ManifestSnippet } from '../../../../plugins/remark-runbook/types';
import type { ManifestStore } from '../../../execution/manifestStore';
import type { Cell } from '../../../protocol';
import { DEFAULT_TIMEZONE } from '../../../../plugins/remark-runbook/syntax/zonedDate';
import { resolveRelativeDates } from '../../../../drills/runner/dates';
import { loadDrills } from '../../../../drills/runner/load';
import { snippetFor } from '../../../../drills/runner/snippets';
import type { Drill } from '../../../../drills/runner/schema';
import type { ScenarioInfo } from './types';

export interface TrainingDeps {
  readonly manifest: ManifestStore;
  readonly connectors: ConnectorRegistry;
  readonly store: StateStore;
  /** Where drills/ and docs/ are (default: this checkout). */
  readonly siteDir?: string;
  /** The systems' connections, for drill checks on a system's read command (dbt Cloud, Tableau …); looked up when a check runs. */
  readonly commands?: () => CommandBlockDeps;
  readonly log: (message: string) => void;
}

/** What the page shows of a drill before and while it is tried. */
export interface DrillInfo {
  readonly name: string;
  readonly family: string;
  readonly title: string;
  readonly symptom: string;
  readonly runbook: string;
  readonly scenario: string;
  readonly hints: readonly string[];
  readonly checks: readonly string[];
}

export interface DrillCheckResult {
  readonly snippet: string;
  readonly passed: boolean;
  readonly detail: string;
}

export interface DrillVerdict {
  readonly name: string;
  readonly solved: boolean;
  readonly checks: readonly DrillCheckResult[];
  /** Seconds since the drill's fault was injected; null when the scenario is not active. */
  readonly elapsedSeconds: number | null;
  /** Runs the user made in the drill's runbooks since then. */
  readonly stepsUsed: number;
}

const moduleDir = typeof __dirname === 'string' ? __dirname : path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_SITE_DIR = path.resolve(moduleDir, '../../../..');

export function drillInfo(d: Drill): DrillInfo {
  return { name: d.name, family: d.family, title: d.title, symptom: d.symptom, runbook: d.runbook, scenario: d.fault.scenario, hints: d.hints, checks: d.passes.map((p) => p.snippet) };
}

export class TrainingDrills {
  constructor(
    private readonly deps: TrainingDeps,
    private readonly env: string,
    private readonly warehouse: string,
  ) {}

  /** Reads the drills afresh each time: an author editing one sees it on reload. Invalid ones are left out and logged. */
  list(scenarios: readonly ScenarioInfo[]): Drill[] {
    const siteDir = this.deps.siteDir ?? DEFAULT_SITE_DIR;
    const loaded = loadDrills({
      drillsDir: path.join(siteDir, 'drills'), siteDir, manifest: this.deps.manifest.current(),
      scenarios: new Map(scenarios.map((s) => [s.id, s.allActions.map((a) => a.id)])),
    });
    for (const p of loaded.problems) this.deps.log(`training: ${p}`);
    return [...loaded.drills];
  }

  async verdict(drill: Drill, scenario: ScenarioInfo | undefined, user: string, now: Date): Promise<DrillVerdict> {
    const checks: DrillCheckResult[] = [];
    for (const ref of drill.passes) checks.push(await this.check(ref.snippet, ref.params ?? {}, now));
    const since = scenario?.active && scenario.activatedAt ? new Date(scenario.activatedAt) : null;
    return {
      name: drill.name,
      solved: !!since && checks.every((c) => c.passed),
      checks,
      elapsedSeconds: since ? Math.max(0, Math.round((now.getTime() - since.getTime()) / 1000)) : null,
      stepsUsed: since ? await this.stepsSince(drill, user, since) : 0,
    };
  }

  private async check(key: string, params: Readonly<Record<string, string | number | boolean>>, now: Date): Promise<DrillCheckResult> {
    const manifest = this.deps.manifest.current();
    const connector = await this.deps.connectors.get(this.env, this.warehouse);
    const found = snippetFor(manifest, key, connector.kind);
    if (!found || !hasCheck(found.snippet) || found.snippet.mode !== 'read') return { snippet: key, passed: false, detail: `${key} is not a read check in this build of the runbooks.` };
    // Dates in the runbook's own zone, as the server resolves them for a run from the page; a drill's relative
    // dates (`today-3`) the way the drill runner resolves them, so the verdict checks the same days.
    const zone = found.snippet.timezone ?? DEFAULT_TIMEZONE;
    const bound = bindParams(found.snippet.params, resolveRelativeDates(params, now, zone), now, zone);
    if (!bound.ok) return { snippet: key, passed: false, detail: bound.message };
    if (found.snippet.lang !== 'sql') return this.commandCheck(key, found.snippet, bound.binds, bound.resolved, now);
    try {
      let firstRow: readonly Cell[] | undefined;
      const columns: string[] = [];
      const outcome = await connector.stream(
        { text: found.snippet.text, binds: bound.binds, mode: 'read', signal: AbortSignal.timeout(60_000), timeoutMs: 60_000, maxRows: 10_000 },
        { columns: (c) => void columns.push(...c.map((x) => x.name)), rows: (batch: readonly (readonly Cell[])[]) => ((firstRow ??= batch[0]), Promise.resolve()) },
      );
      // The server's own verdict: solved means every check is ok — a warning ("not yet, due 08:30") is not solved.
      const verdict = judgeCheck(found.snippet, { observation: { rowCount: outcome.rowCount, columns, firstRow }, history: [], businessDate: businessDateOf(found.snippet, bound.resolved), now });
      return { snippet: key, passed: verdict.verdict === 'ok', detail: verdict.detail };
    } catch (error) {
      return { snippet: key, passed: false, detail: `The check could not run: ${(error as Error).message}` };
    }
  }

  /** A check on a system's read command: the grid it returns, judged as the server judges it for the page. */
  private async commandCheck(key: string, snippet: ManifestSnippet, binds: Readonly<Record<string, BoundValue>>, resolved: Readonly<Record<string, unknown>>, now: Date): Promise<DrillCheckResult> {
    const run = commandBlockRunner(snippet.lang, this.deps.commands?.() ?? {});
    if (!run) return { snippet: key, passed: false, detail: `${key} is a ${snippet.lang} block this server cannot run.` };
    const grid = observeGrid({ send: () => undefined, rows: () => Promise.resolve() });
    try {
      const outcome = await run({ env: this.env, target: snippet.target, text: snippet.text, binds, preview: false, confirmed: false, id: `drill-${key}`, channel: grid.channel, signal: AbortSignal.timeout(60_000), maxRows: 10_000 });
      if (outcome.status !== 'succeeded') return { snippet: key, passed: false, detail: `The check could not run: ${outcome.error?.message ?? outcome.status}` };
      const verdict = judgeCheck(snippet, { observation: grid.observation(), history: [], businessDate: businessDateOf(snippet, resolved), now });
      return { snippet: key, passed: verdict.verdict === 'ok', detail: verdict.detail };
    } catch (error) {
      return { snippet: key, passed: false, detail: `The check could not run: ${(error as Error).message}` };
    }
  }

  private async stepsSince(drill: Drill, user: string, since: Date): Promise<number> {
    const runbooks = new Set([...drill.fails, ...drill.passes, ...drill.recover].flatMap((s) => ('snippet' in s ? [s.snippet.split('/')[0]!] : [])));
    const page = await this.deps.store.queryAudit({ user, kind: 'run', from: since.toISOString().slice(0, 10), limit: 1000, offset: 0 });
    // A preview (a clear's dry-run list, a trigger's "this run will start") is looking, not a step taken.
    return page.records.filter((r) => r.at >= since.toISOString() && r.runbook !== null && runbooks.has(r.runbook) && r.dryRun !== true).length;
  }
}
