/**
 * What a training scenario is (DESIGN.md §8): a fault injected in the demo's data and DAGs, the night's
 * run replayed so it fails the way a real night would, and a deactivation that puts the healthy baseline
 * back. Families add scenarios as modules listed in ./registry.ts.
 */
import type { Engine } from '../engine';
import type { Faults } from '../faults';
import type { DbtCloudEndpoint, TableauEndpoint } from '../model';
import type { RunStore } from '../store';
import type { Warehouse } from '../warehouse';
import type { ExtractBucket } from '../../s3/extracts';

export interface ScenarioContext {
  readonly warehouse: Warehouse;
  readonly engine: Engine;
  readonly faults: Faults;
  readonly store: RunStore;
  readonly timeScale: number;
  /** Empties the sandbox's Airflow variables, loads them again from the release's list, or sets one (as `variables set` would). */
  readonly variables: { clear(): Promise<void>; reload(): Promise<void>; set(key: string, value: string): Promise<void> };
  /** The demo S3's ecommerce extract files (a fault loses or empties one). */
  readonly extracts: () => Promise<ExtractBucket>;
  /** The demo dbt Cloud (a scenario runs a job there as its schedule would). */
  readonly dbtCloud: () => Promise<DbtCloudEndpoint>;
  /** The demo Tableau (a fault's morning refresh runs there, as Tableau's schedule would start it). */
  readonly tableau: () => Promise<TableauEndpoint>;
  /** Pending timed events (a late file's arrival), by scenario id. */
  readonly timers: Map<string, NodeJS.Timeout>;
}

export interface DagRunRef {
  readonly dagId: string;
  readonly runId: string;
}

export interface ScenarioAction {
  readonly id: string;
  readonly label: string;
}

export interface ScenarioInfo {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  /** Where the runbook for it lives on the site. */
  readonly runbook: string;
  readonly active: boolean;
  readonly activatedAt: string | null;
  /** What happened and what to look at, once active. */
  readonly note: string | null;
  /** The night's run the scenario replayed (and that failed), once active. */
  readonly dagRun: DagRunRef | null;
  /** False while a run the scenario started (the failing night, or the healthy one that restores it) is still going. */
  readonly settled: boolean;
  /** The actions available now (only while active). */
  readonly actions: readonly ScenarioAction[];
  /** Every action the scenario has, active or not (drills are validated against these). */
  readonly allActions: readonly ScenarioAction[];
}

export interface Scenario {
  readonly id: string;
  readonly title: string;
  readonly summary: string;
  readonly runbook: string;
  readonly actions?: readonly ScenarioAction[];
  /** Injects the fault. Runs it starts (the replayed night) are returned so the caller can tell when it has settled. */
  activate(ctx: ScenarioContext, bd: string): Promise<{ note: string; dagRun: DagRunRef | null; runs?: readonly DagRunRef[] }>;
  /** Puts the healthy baseline back; returns the runs it started to restore it (a clean replay of the night). */
  deactivate(ctx: ScenarioContext, bd: string): Promise<readonly DagRunRef[] | void>;
  act?(action: string, ctx: ScenarioContext, bd: string): Promise<string | { note: string; runs: readonly DagRunRef[] }>;
}
