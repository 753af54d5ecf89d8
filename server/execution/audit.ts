/**
 * The audit trail: one event per attempt, accepted or not (DESIGN.md §7). Append-only. Issue #5 adds
 * the DuckDB and PostgreSQL stores; the JSON-lines file is the embedded default until then.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ErrorCode, RunStatus } from '../protocol';

export interface AuditEvent {
  readonly runId: string | null;
  readonly user: string;
  readonly roles: readonly string[];
  readonly snippet: string;
  readonly sha256: string;
  readonly runbook: string | null;
  readonly step: string | null;
  readonly env: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly approval: string | null;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly status: RunStatus;
  readonly rowCount: number;
  readonly check: boolean | null;
  readonly errorCode: ErrorCode | null;
}

export interface AuditSink {
  record(event: AuditEvent): void;
  close(): Promise<void>;
}

export function jsonlAuditSink(file: string): AuditSink {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const stream = fs.createWriteStream(file, { flags: 'a' });
  return {
    record: (event) => void stream.write(`${JSON.stringify(event)}\n`),
    close: () => new Promise((resolve) => stream.end(resolve)),
  };
}

export function memoryAuditSink(): AuditSink & { readonly events: AuditEvent[] } {
  const events: AuditEvent[] = [];
  return { events, record: (e) => void events.push(e), close: async () => undefined };
}
