/**
 * The audit trail (DESIGN.md §7, §7a): one record per attempt, accepted or not, written ahead. A run's
 * record is opened (`running`) when the run is accepted and completed once when it ends; a refusal or an
 * approval event is one finished record. `record` resolves once the write is durable, so callers send
 * `done` only after it — and refuse a run whose record could not be opened.
 */
import { randomUUID } from 'node:crypto';
import type { AuditRecord } from '../api';
import type { StateStore } from '../audit/types';

/** What a caller writes; the sink adds the id (unless a run gives its own), the time and the instance. */
export type AuditEntry = Omit<AuditRecord, 'id' | 'at' | 'rowsAffected' | 'dryRun' | 'instance'> & {
  /** A run's id: with status `running` it opens the run's record; with a final status it completes it. */
  readonly id?: string;
  readonly at?: string;
  readonly rowsAffected?: number | null;
  readonly dryRun?: boolean | null;
};

export interface AuditSink {
  /**
   * Resolves true once the record is durable, false when the store refused it (logged). Never rejects.
   * A run's completion is retried until the store takes it; when that takes longer than the sink's
   * bound it resolves 'pending' instead, and the completion is written once the store is back.
   */
  record(entry: AuditEntry): Promise<boolean | 'pending'>;
  /** Resolves when every write handed to `record` so far has settled. */
  flush(): Promise<void>;
  /**
   * Shutdown: completions still failing are tried for at most `ms` more, then given up (logged; their
   * records stay open and become interrupted at the next start), so `flush` ends.
   */
  drain?(ms: number): void;
}

/** How long a run's `done` waits for its completion before it is sent saying the record is pending. */
export const COMPLETION_WAIT_MS = 5_000;
/**
 * Waits between completion attempts, the last repeated until the store answers: the run already
 * happened, and its end must not be lost to a blip.
 */
const COMPLETION_RETRY_MS = [200, 500, 1_000, 2_000, 5_000];

const toRecord = (entry: AuditEntry, instance: string | null): AuditRecord => ({
  ...entry,
  id: entry.id ?? randomUUID(),
  at: entry.at ?? new Date().toISOString(),
  rowsAffected: entry.rowsAffected ?? null,
  dryRun: entry.dryRun ?? null,
  instance,
});

export function storeAuditSink(store: StateStore, log: (m: string) => void, instance: string | null = null): AuditSink {
  const pending = new Set<Promise<boolean>>();
  let giveUpAt = Number.POSITIVE_INFINITY;
  const sleepers = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, Math.min(ms, giveUpAt - Date.now())));
      sleepers.add(wake);
    });

  async function complete(record: AuditRecord): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        if (!(await store.completeAudit(record))) log(`audit: run ${record.id} was no longer open when it ended as ${record.status} (marked interrupted meanwhile?).`);
        else if (attempt > 0) log(`audit: the completion of run ${record.id} (${record.status}) was written after ${attempt + 1} attempts, once the audit store was back.`);
        return true;
      } catch (error) {
        if (attempt === 0) log(`audit: could not complete run ${record.id} (${record.status}): ${(error as Error).message}; retrying until the audit store is back.`);
        if (Date.now() >= giveUpAt) {
          log(`AUDIT COMPLETION LOST for run ${record.id} (${record.status}) at shutdown; the record stays open and becomes interrupted at the next start: ${(error as Error).message}`);
          return false;
        }
        await sleep(COMPLETION_RETRY_MS[Math.min(attempt, COMPLETION_RETRY_MS.length - 1)]!);
      }
    }
  }

  /** The durable write, or 'pending' once the bound passes first (the write goes on; `flush` waits for it). */
  async function completeWithin(record: AuditRecord, written: Promise<boolean>): Promise<boolean | 'pending'> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'pending'>((resolve) => (timer = setTimeout(() => resolve('pending'), COMPLETION_WAIT_MS)));
    try {
      const first = await Promise.race([written, late]);
      if (first === 'pending') log(`audit: run ${record.id} ended as ${record.status}, but its record is not durable yet; the page was told it is pending.`);
      return first;
    } finally {
      clearTimeout(timer);
    }
  }

  async function append(record: AuditRecord): Promise<boolean> {
    try {
      await store.appendAudit(record);
      return true;
    } catch (error) {
      log(`AUDIT WRITE FAILED (${(error as Error).message}) for ${JSON.stringify(record)}`);
      return false;
    }
  }

  const track = (written: Promise<boolean>) => {
    pending.add(written);
    void written.finally(() => pending.delete(written));
    return written;
  };

  return {
    record(entry) {
      const record = toRecord(entry, instance);
      if (entry.id && entry.status !== 'running') return completeWithin(record, track(complete(record)));
      return track(append(record));
    },
    flush: async () => {
      await Promise.all([...pending]);
    },
    drain(ms) {
      giveUpAt = Math.min(giveUpAt, Date.now() + ms);
      for (const wake of [...sleepers]) wake();
    },
  };
}

/** For tests: records in memory, a run's completion replacing its open record (one row per run). */
export function memoryAuditSink(): AuditSink & { readonly events: AuditRecord[] } {
  const events: AuditRecord[] = [];
  return {
    events,
    record: async (entry) => {
      const record = toRecord(entry, null);
      const open = entry.id && entry.status !== 'running' ? events.findIndex((e) => e.id === entry.id && e.status === 'running') : -1;
      if (open >= 0) events[open] = { ...record, at: events[open]!.at };
      else events.push(record);
      return true;
    },
    flush: async () => undefined,
  };
}
