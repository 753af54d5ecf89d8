/**
 * Clean shutdown on SIGTERM/SIGINT (DESIGN.md §7a): stop accepting, cancel every run (each records
 * `cancelled` and sends its `done`), close the sockets with 1001, flush the audit, leave, exit — within
 * 10 s. A hard fallback timer exits anyway, after marking what is still open as interrupted.
 */
import type { App } from './app';
import type { StateStore } from './audit/types';
import type { Liveness } from './audit/liveness';
import { STALE_AFTER_MS } from './audit/liveness';
import { COMPLETION_WAIT_MS, type AuditSink } from './execution/audit';

export interface ShutdownDeps {
  readonly app: App;
  readonly audit: AuditSink;
  readonly store: StateStore;
  readonly liveness: Liveness;
  readonly instance: string;
  readonly shared: boolean;
  readonly closeConnectors: () => Promise<void>;
  readonly closeManifest: () => void;
  readonly log: (message: string) => void;
}

/** Leaves a second for the fallback's own writes inside the 10 s budget. */
export const HARD_EXIT_MS = 8_000;
/**
 * How long completions the audit store has not taken yet are still tried once stopping starts: less than
 * the 5 s a `done` waits for its record, so a run cancelled by the stop tells its page the record is lost.
 */
const DRAIN_MS = COMPLETION_WAIT_MS - 1_000;

const within = <T>(work: Promise<T>, ms: number): Promise<T | 'late'> =>
  Promise.race([work, new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), ms).unref())]);

export function installShutdown(d: ShutdownDeps): void {
  let stopping = false;
  const began = { at: 0 };
  const elapsed = () => Math.round(performance.now() - began.at);

  const hardExit = async () => {
    d.log(`shutdown: still busy after ${elapsed()} ms; recording the runs still open as interrupted and exiting.`);
    const now = new Date();
    const staleBefore = d.shared ? new Date(now.getTime() - STALE_AFTER_MS) : new Date(now.getTime() + 1);
    await within(d.audit.flush(), 500);
    await within(d.store.interruptOpenRuns({ self: d.instance, includeSelf: true, staleBefore, now }).catch((e: unknown) => d.log(`shutdown: ${(e as Error).message}`)), 700);
    process.exit(1);
  };

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    began.at = performance.now();
    console.log(`opsbook: ${signal}: stopping — cancelling running work`);
    setTimeout(() => void hardExit(), HARD_EXIT_MS);
    // A store that is down keeps its pending completions retrying; stop that in time to exit cleanly.
    d.audit.drain?.(DRAIN_MS);
    await d.app.close(); // stops accepting, cancels runs, waits for their records, closes sockets, flushes
    await d.audit.flush();
    await d.liveness.leave();
    await d.closeConnectors();
    await d.store.close();
    d.closeManifest();
    console.log(`opsbook: stopped in ${elapsed()} ms`);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
