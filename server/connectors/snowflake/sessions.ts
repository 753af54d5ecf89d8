/**
 * Snowflake sessions, reused per profile. A login costs a round trip or two (and a JWT signature), so
 * sessions stay open between runs — one statement at a time each, so a run never sees another run's
 * session state. A session that is gone (logged out, expired, network lost) is dropped and replaced;
 * idle ones are logged out after a while so the account does not accumulate them.
 */
import { ConnectorError } from '../types';
import type { SfConnection, SfConnectionOptions, SfSessionState, SnowflakeSdk } from './driver';
import { cancelledError, loginError } from './errors';

/** Where the session stood after login: a run that leaves it elsewhere (USE …) gets it discarded. */
export interface Baseline {
  readonly role: string | undefined;
  readonly warehouse: string | undefined;
  readonly database: string | undefined;
  readonly schema: string | undefined;
}

export interface Session {
  readonly connection: SfConnection;
  readonly baseline: Baseline;
}

export function baselineOf(state: SfSessionState | undefined): Baseline | null {
  if (!state) return null;
  return { role: state.getCurrentRole(), warehouse: state.getCurrentWarehouse(), database: state.getCurrentDatabase(), schema: state.getCurrentSchema() };
}

export function sameBaseline(a: Baseline, b: Baseline | null): boolean {
  return b === null || (a.role === b.role && a.warehouse === b.warehouse && a.database === b.database && a.schema === b.schema);
}

/** Logs in and sets what every Opsbook session relies on; returns the session's starting point. */
export async function openSession(sdk: SnowflakeSdk, options: SfConnectionOptions, profile: 'read' | 'write', endpoint: string): Promise<Session> {
  let connection: SfConnection;
  try {
    connection = sdk.createConnection(options);
  } catch (error) {
    // Option validation is synchronous in the driver (account format, key options).
    throw new ConnectorError('unavailable', `The ${profile} profile cannot be used: ${(error as Error).message}`, 'Fix the connection in opsbook.config.yaml.');
  }
  await new Promise<void>((resolve, reject) => connection.connect((err) => (err ? reject(loginError(err, profile, endpoint)) : resolve())));
  try {
    // A user whose default AUTOCOMMIT is off would leave a write's transaction open in a pooled
    // session; STRICT_JSON_OUTPUT keeps VARIANT values JSON (NaN/Infinity become null).
    const state = await new Promise<SfSessionState | undefined>((resolve, reject) =>
      connection.execute({
        sqlText: 'ALTER SESSION SET AUTOCOMMIT = TRUE, STRICT_JSON_OUTPUT = TRUE',
        parameters: { QUERY_TAG: JSON.stringify({ app: 'opsbook', purpose: 'session setup' }) },
        streamResult: true,
        rowMode: 'array',
        complete: (err, statement) => (err ? reject(err) : resolve(statement.getSessionState())),
      }),
    );
    return { connection, baseline: baselineOf(state) ?? { role: options.role.toUpperCase(), warehouse: undefined, database: undefined, schema: undefined } };
  } catch (error) {
    connection.destroy(() => undefined);
    throw loginError(error, profile, endpoint);
  }
}

interface Idle {
  readonly session: Session;
  readonly since: number;
}

export class SessionPool {
  private readonly idle: Idle[] = [];
  private readonly all = new Set<Session>();
  private readonly waiters = new Set<() => void>();
  private readonly destroying = new Set<Promise<void>>();
  private opening = 0;
  private closed = false;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly open: () => Promise<Session>,
    private readonly max: number,
    private readonly idleMs: number,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(idleMs, 60_000));
    this.sweeper.unref(); // an idle pool must not keep the process alive
  }

  async acquire(signal: AbortSignal): Promise<Session> {
    for (;;) {
      if (this.closed) throw new ConnectorError('unavailable', 'The Snowflake connection is closing.');
      if (signal.aborted) throw cancelledError();
      const reused = this.takeIdle();
      if (reused) return reused;
      if (this.all.size + this.opening < this.max) {
        this.opening++;
        try {
          const session = await this.open();
          this.all.add(session);
          if (this.closed || signal.aborted) {
            this.destroy(session);
            throw this.closed ? new ConnectorError('unavailable', 'The Snowflake connection is closing.') : cancelledError();
          }
          return session;
        } finally {
          this.opening--;
          this.wake();
        }
      }
      await this.changed(signal);
    }
  }

  /** Back to the pool, unless it is gone, changed, or the pool is closing. */
  release(session: Session, reusable: boolean): void {
    if (!this.all.has(session)) return;
    if (!reusable || this.closed || !session.connection.isUp()) this.destroy(session);
    else this.idle.push({ session, since: Date.now() });
    this.wake();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const session of [...this.all]) this.destroy(session);
    this.idle.length = 0;
    this.wake();
    // Log out, but never let a dead network hold up shutdown.
    await Promise.race([Promise.allSettled([...this.destroying]), new Promise((r) => setTimeout(r, 3000).unref())]);
  }

  private takeIdle(): Session | null {
    while (this.idle.length > 0) {
      const { session, since } = this.idle.pop()!; // the most recently used: least likely to have expired
      if (session.connection.isUp() && Date.now() - since < this.idleMs) return session;
      this.destroy(session);
    }
    return null;
  }

  private sweep(): void {
    const now = Date.now();
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const entry = this.idle[i]!;
      if (now - entry.since >= this.idleMs || !entry.session.connection.isUp()) {
        this.idle.splice(i, 1);
        this.destroy(entry.session);
      }
    }
  }

  private destroy(session: Session): void {
    if (!this.all.delete(session)) return;
    const index = this.idle.findIndex((i) => i.session === session);
    if (index >= 0) this.idle.splice(index, 1);
    const done = new Promise<void>((resolve) => {
      try {
        // Logs the session out on the server (POST /session?delete=true); a lost one just goes.
        if (session.connection.isUp()) session.connection.destroy(() => resolve());
        else resolve();
      } catch {
        resolve();
      }
    });
    this.destroying.add(done);
    void done.then(() => this.destroying.delete(done));
  }

  private wake(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const w of waiters) w();
  }

  private changed(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.waiters.delete(wake);
        reject(cancelledError());
      };
      const wake = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      this.waiters.add(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
