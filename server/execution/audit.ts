/**
 * The audit trail: one record per attempt, accepted or not (DESIGN.md §7), appended to the state store.
 * A failed write is logged loudly; the store (not this module) decides durability.
 */
import { randomUUID } from 'node:crypto';
import type { AuditRecord } from '../api';
import type { StateStore } from '../audit/types';

export type AuditEntry = Omit<AuditRecord, 'id' | 'at'> & { readonly at?: string };

export interface AuditSink {
  record(entry: AuditEntry): void;
  /** Resolves when every record handed to `record` so far is stored. */
  flush(): Promise<void>;
}

export function storeAuditSink(store: StateStore, log: (m: string) => void): AuditSink {
  let pending: Promise<void> = Promise.resolve();
  return {
    record(entry) {
      const record: AuditRecord = { id: randomUUID(), at: entry.at ?? new Date().toISOString(), ...entry };
      pending = pending.then(() =>
        store.appendAudit(record).catch((error: unknown) => log(`AUDIT WRITE FAILED for ${JSON.stringify(record)}: ${(error as Error).message}`)),
      );
    },
    flush: () => pending,
  };
}

export function memoryAuditSink(): AuditSink & { readonly events: AuditRecord[] } {
  const events: AuditRecord[] = [];
  return {
    events,
    record: (e) => void events.push({ id: randomUUID(), at: e.at ?? new Date().toISOString(), ...e }),
    flush: async () => undefined,
  };
}
