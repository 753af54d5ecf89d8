/**
 * A hand-written stand-in for mssql that behaves like its stream mode on tedious: a `recordset` event,
 * `row` events that stop soon after pause() (tedious has a few rows parsed already), `rowsaffected`,
 * `error` then `done`; cancel() ends a request with ECANCEL, the request timeout with ETIMEOUT.
 */
import { EventEmitter } from 'node:events';
import type { MssqlColumn, MssqlDriverApi, MssqlPool, MssqlRequest, MssqlTransaction } from '../driver';

export interface QueryScript {
  readonly columns?: readonly MssqlColumn[];
  readonly rows?: readonly unknown[][];
  /** A second result set after the first. */
  readonly more?: { readonly columns: readonly MssqlColumn[]; readonly rows: readonly unknown[][] };
  readonly rowsAffected?: readonly number[];
  /** Fail with this mssql-shaped error after the rows. */
  readonly error?: Record<string, unknown>;
  /** Never finish: wait for cancel() or the request timeout. */
  readonly hang?: boolean;
  /** Rows still delivered after pause() (default 2). */
  readonly slack?: number;
}

export interface FakeMssql {
  readonly driver: MssqlDriverApi;
  readonly log: string[];
  readonly pools: Record<string, unknown>[];
  readonly requests: FakeRequest[];
  /** What `select @@TRANCOUNT` answers before a commit. */
  trancount: number;
  connectError: Error | null;
  /** While set, connect() waits for it: a server that accepts and has not answered yet. */
  connectGate: Promise<void> | null;
  /** While set, begin() waits for it: no pooled connection free yet, or a new one still connecting. */
  beginGate: Promise<void> | null;
}

export const COL = {
  int: (name: string): MssqlColumn => ({ name, type: { declaration: 'int' } }),
  decimal: (name: string, scale: number): MssqlColumn => ({ name, type: { declaration: 'decimal' }, precision: 12, scale }),
};

export class FakeRequest extends EventEmitter implements MssqlRequest {
  stream = false;
  arrayRowMode = false;
  readonly inputs: { name: string; type: unknown; value: unknown }[] = [];
  rowsEmitted = 0;
  private paused = false;
  private slack = 0;
  private pauseSlack = 2;
  private canceled = false;
  private waiting: (() => void) | null = null;

  constructor(
    private readonly fake: FakeMssql,
    private readonly script: (sql: string) => QueryScript,
    readonly requestTimeout: number | undefined,
  ) {
    super();
  }

  input(name: string, type: unknown, value: unknown): this {
    this.inputs.push({ name, type, value });
    return this;
  }

  query(command: string): Promise<unknown> {
    this.fake.log.push(`query ${command}`);
    if (!this.stream) return Promise.resolve({ recordset: [{ depth: this.fake.trancount }] });
    const step = this.script(command);
    return new Promise((resolve) => setImmediate(() => this.play(step, () => resolve({}))));
  }

  pause(): boolean {
    if (!this.paused) this.fake.log.push('pause');
    this.paused = true;
    this.slack = this.pauseSlack;
    return true;
  }

  resume(): boolean {
    this.fake.log.push('resume');
    this.paused = false;
    this.wake();
    return true;
  }

  cancel(): boolean {
    this.fake.log.push('cancel');
    this.canceled = true;
    this.wake();
    return true;
  }

  private wake() {
    const next = this.waiting;
    this.waiting = null;
    if (next) setImmediate(next);
  }

  private end(done: () => void, error?: Record<string, unknown>) {
    if (error) this.emit('error', Object.assign(new Error(String(error.message)), error));
    this.emit('done');
    done();
  }

  private play(step: QueryScript, done: () => void) {
    const sets = [step.columns ? { columns: step.columns, rows: step.rows ?? [] } : null, step.more ?? null].filter((s) => s !== null);
    let set = 0;
    let at = -1;
    this.pauseSlack = step.slack ?? 2;
    const tick = () => {
      if (this.canceled) return this.end(done, { name: 'RequestError', code: 'ECANCEL', message: 'Canceled.' });
      while (set < sets.length) {
        const current = sets[set]!;
        if (at < 0) {
          this.emit('recordset', current.columns);
          at = 0;
        }
        while (at < current.rows.length) {
          if (this.paused) {
            if (this.slack <= 0) {
              this.waiting = tick;
              return;
            }
            this.slack--;
          }
          this.rowsEmitted++;
          this.emit('row', [...current.rows[at++]!]);
          if (this.canceled) return this.end(done, { name: 'RequestError', code: 'ECANCEL', message: 'Canceled.' });
        }
        this.emit('rowsaffected', current.rows.length);
        set++;
        at = -1;
      }
      for (const n of step.rowsAffected ?? []) this.emit('rowsaffected', n);
      if (step.hang) {
        const timer = this.requestTimeout ? setTimeout(() => this.end(done, { name: 'RequestError', code: 'ETIMEOUT', message: `Timeout: Request failed to complete in ${this.requestTimeout}ms` }), this.requestTimeout) : null;
        this.waiting = () => {
          if (timer) clearTimeout(timer);
          this.end(done, { name: 'RequestError', code: 'ECANCEL', message: 'Canceled.' });
        };
        return;
      }
      this.end(done, step.error);
    };
    tick();
  }
}

export function fakeMssql(script: (sql: string) => QueryScript = () => ({})): FakeMssql {
  const fake: FakeMssql = { driver: undefined as unknown as MssqlDriverApi, log: [], pools: [], requests: [], trancount: 1, connectError: null, connectGate: null, beginGate: null };

  class ConnectionPool extends EventEmitter implements MssqlPool {
    constructor(private readonly config: Record<string, unknown>) {
      super();
      fake.pools.push(config);
    }
    async connect() {
      fake.log.push(`connect ${String(this.config.user)}`);
      if (fake.connectGate) await fake.connectGate;
      if (fake.connectError) throw fake.connectError;
      return this;
    }
    async close() {
      fake.log.push(`close ${String(this.config.user)}`);
      return this;
    }
  }

  class Transaction implements MssqlTransaction {
    async begin(isolation?: number) {
      fake.log.push(`begin ${isolation}`);
      if (fake.beginGate) await fake.beginGate;
      if (fake.connectError) throw fake.connectError;
      return this;
    }
    async commit() {
      fake.log.push('commit');
    }
    async rollback() {
      fake.log.push('rollback');
    }
    request(overrides?: { requestTimeout?: number }) {
      const r = new FakeRequest(fake, script, overrides?.requestTimeout);
      fake.requests.push(r);
      return r;
    }
  }

  const driver: MssqlDriverApi = {
    ConnectionPool,
    Transaction: Transaction as unknown as MssqlDriverApi['Transaction'],
    ISOLATION_LEVEL: { READ_COMMITTED: 2, SNAPSHOT: 5 },
    Date: 'Date',
    DateTime2: (scale) => `DateTime2(${scale})`,
    Int: 'Int',
    BigInt: 'BigInt',
    Decimal: (p, s) => `Decimal(${p},${s})`,
    Float: 'Float',
    NVarChar: (length) => `NVarChar(${length})`,
    MAX: 65535,
  };
  return Object.assign(fake, { driver });
}
