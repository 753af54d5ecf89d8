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
  /** Resolves true once the record is durable, false when the store refused it (logged). Never rejects. */
  record(entry: AuditEntry): Promise<boolean>;
  /** Resolves when every write handed to `record` so far has settled. */
  flush(): Promise<void>;
}

/** A completion is retried for a while: the run already happened, and its end must not be lost to a blip. */
const COMPLETION_RETRY_MS = [200, 500, 1_000, 2_000, 4_000];

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

  async function complete(record: AuditRecord): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        if (!(await store.completeAudit(record))) log(`audit: run ${record.id} was no longer open when it ended as ${record.status} (marked interrupted meanwhile?).`);
        return true;
      } catch (error) {
        const wait = COMPLETION_RETRY_MS[attempt];
        if (wait === undefined) {
          log(`AUDIT COMPLETION LOST for run ${record.id} (${record.status}); the record stays open and becomes interrupted at the next start: ${(error as Error).message}`);
          return false;
        }
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  async function write(entry: AuditEntry): Promise<boolean> {
    const record = toRecord(entry, instance);
    if (entry.id && entry.status !== 'running') return complete(record);
    try {
      await store.appendAudit(record);
      return true;
    } catch (error) {
      log(`AUDIT WRITE FAILED (${(error as Error).message}) for ${JSON.stringify(record)}`);
      return false;
    }
  }

  return {
    record(entry) {
      const written = write(entry);
      pending.add(written);
      void written.finally(() => pending.delete(written));
      return written;
    },
    flush: async () => {
      await Promise.all([...pending]);
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
