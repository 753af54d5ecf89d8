/**
 * The demo survives a day change without a restart (DESIGN.md §8). The demo warehouse is seeded relative to a
 * day: after midnight (and, for the ecommerce pipeline, after 17:00 UTC, midnight in Bangkok) the daily checks
 * would look for a business day the data does not have yet, and go red on a healthy demo. So the sandbox
 * watches the clock and, once the day has changed and nothing is in flight (no active training fault, no DAG
 * run going), reseeds the day-dependent data in place and forgets the run history it read from the old day.
 */
import { dateInZone, ECOMMERCE_ZONE } from '../warehouse';
import type { DemoDays } from '../reseed';
import { localDate, type Warehouse } from './warehouse';

export interface DayRollOptions {
  readonly warehouse: Warehouse;
  /** Puts the seed for these days into the warehouse (the real one: reseedInPlace on the demo file). */
  readonly reseed: (days: DemoDays) => Promise<unknown>;
  /** True when a reseed would pull no rows from under anyone: no scenario active or settling, no DAG run going. */
  readonly quiet: () => Promise<boolean>;
  /** After a reseed: what was read from the old day is forgotten. */
  readonly rolled: () => void;
  /** Injectable for tests; default the wall clock. */
  readonly clock?: () => Date;
  readonly log: (message: string) => void;
}

export type RollOutcome = 'current' | 'waiting' | 'rolled';

/** The days the demo's data should be relative to at an instant. */
export function demoDaysAt(at: Date): DemoDays {
  return { today: localDate(at), ecommerceToday: dateInZone(ECOMMERCE_ZONE, at) };
}

export class DayRoll {
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<RollOutcome> | null = null;

  constructor(private readonly options: DayRollOptions) {}

  /** The days the warehouse was last seeded for. */
  async seededDays(): Promise<DemoDays | null> {
    const rows = await this.options.warehouse.query(
      `SELECT CAST(seeded_on AS VARCHAR) AS today, CAST(ecommerce_on AS VARCHAR) AS ecommerce FROM opsbook_meta.seed_info ORDER BY seeded_at DESC LIMIT 1`,
    );
    return rows[0] ? { today: String(rows[0].today), ecommerceToday: String(rows[0].ecommerce) } : null;
  }

  /** One look at the clock: rolls when a day changed and the demo is quiet. Concurrent calls share one look. */
  check(): Promise<RollOutcome> {
    this.checking ??= this.look().finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  private async look(): Promise<RollOutcome> {
    const want = demoDaysAt((this.options.clock ?? (() => new Date()))());
    const have = await this.seededDays();
    if (have && have.today === want.today && have.ecommerceToday === want.ecommerceToday) return 'current';
    // A training fault holds rows of its own day aside; its deactivation puts them back, then the roll follows.
    if (!(await this.options.quiet())) return 'waiting';
    const result = await this.options.reseed(want);
    this.options.rolled();
    this.options.log(`demo: the day changed (seeded for ${have?.today ?? 'unknown'}, ecommerce ${have?.ecommerceToday ?? 'unknown'}); reseeded for ${want.today}, ecommerce ${want.ecommerceToday} ${JSON.stringify(result)}`);
    return 'rolled';
  }

  /** Looks every `everyMs` (default a minute) until stopped; a failed look is logged and tried again. */
  start(everyMs = 60_000): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.check().catch((error: unknown) => this.options.log(`demo: could not roll the demo to the new day: ${(error as Error).message}`));
    }, everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
