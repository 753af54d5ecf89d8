/**
 * One query in the fake: its Snowflake-side identity (query id, request id), its state as query
 * monitoring reports it, and how a cancel or a timeout reaches whatever is running it.
 */
import { randomBytes } from 'node:crypto';
import type { FakeSession } from './auth';
import type { QueryResult } from './engine';
import type { SfFailure } from './errors';

export type QueryStatus = 'RUNNING' | 'SUCCESS' | 'FAILED_WITH_ERROR' | 'ABORTED';

export class FakeQuery {
  readonly id = queryId();
  status: QueryStatus = 'RUNNING';
  result: QueryResult | null = null;
  failure: SfFailure | null = null;
  stoppedBy: 'cancel' | 'timeout' | null = null;
  /** Set while DuckDB (or a simulated wait) runs; interrupts it. */
  interrupt: (() => void) | null = null;
  readonly finished: Promise<void>;
  private settle!: () => void;

  constructor(
    readonly requestId: string,
    readonly session: FakeSession,
    readonly sqlText: string,
  ) {
    this.finished = new Promise((resolve) => (this.settle = resolve));
  }

  /** Cancel (abort-request) or time out; false when the query is no longer running. */
  stop(why: 'cancel' | 'timeout'): boolean {
    if (this.status !== 'RUNNING') return false;
    this.stoppedBy ??= why;
    this.interrupt?.();
    return true;
  }

  end(result: QueryResult | null, failure: SfFailure | null): void {
    this.result = result;
    this.failure = failure;
    this.status = failure ? (failure.code === '000604' || failure.code === '000630' ? 'ABORTED' : 'FAILED_WITH_ERROR') : 'SUCCESS';
    this.settle();
  }
}

/** Snowflake query ids look like 01b8e6d2-0000-1f2e-0000-00a1b2c3d4e5. */
function queryId(): string {
  const h = randomBytes(16).toString('hex');
  return `${h.slice(0, 8)}-0000-${h.slice(8, 12)}-0000-${h.slice(12, 24)}`;
}
