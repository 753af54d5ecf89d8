/**
 * One run's PostgreSQL session, borrowed from a pool: guarded against the connection dying under it,
 * reset before it goes back, destroyed when anything went wrong, and cancellable from outside.
 *
 * Why each part matters:
 * - pg emits `error` on a checked-out client whose socket closes (pg_terminate_backend, a restart, a
 *   network cut). The pool listens only while the client is idle; unheard, that event ends the process.
 * - A session outlives the run that used it: advisory locks, prepared statements, temp tables and
 *   session settings would leak into the next operator's run. DISCARD ALL drops them all.
 * - A client whose run failed may be mid-protocol or in an aborted transaction: it is not worth saving.
 */
import type pgTypes from 'pg';
import type { Pool, PoolClient } from 'pg';
import { unlessCancelled } from '../abandon';
import { ConnectorError } from '../types';
import type { ConnectAttempts } from './attempts';

type PgModule = typeof pgTypes;

export interface Session {
  readonly client: PoolClient;
  /** The error the connection died of, if it did (the run's own query usually fails with it too). */
  lost(): Error | null;
  /** Asks the server to cancel what this session is running, from a separate connection. */
  cancel(): void;
  /** Returns the session to the pool after DISCARD ALL, or destroys it if `failed` or the reset fails. */
  end(failed: boolean): Promise<void>;
}

export interface SessionSource {
  readonly pg: PgModule;
  readonly pool: Pool;
  /** The pool's connection attempts, so a cancelled run ends the one it started. */
  readonly attempts: ConnectAttempts;
  /** The profile's URL, for the cancel connection (same role: it may cancel its own backends). */
  readonly url: string;
  /** `env/connection`, for messages. */
  readonly label: string;
}

/**
 * Borrows a session for a run. `signal` ends the wait at once: a connect to a server that accepts and
 * never answers otherwise holds the run for the pool's whole connect timeout; a client that arrives
 * after the cancel goes straight back to the pool, unused.
 */
export async function openSession(source: SessionSource, signal?: AbortSignal): Promise<Session> {
  let client: PoolClient;
  try {
    const { result: connecting, attempt } = source.attempts.start(() => source.pool.connect());
    client = signal
      ? await unlessCancelled(connecting, signal, (late) => late.release(), `The run was cancelled while it waited for a PostgreSQL connection for ${source.label}; nothing ran.`, () => attempt && source.attempts.end(attempt))
      : await connecting;
  } catch (error) {
    if (error instanceof ConnectorError) throw error;
    throw new ConnectorError(
      'unavailable',
      `Cannot connect to PostgreSQL for ${source.label}: ${(error as Error).message}`,
      'Check that the database is up and the connection URL in the configuration is right, then run it again.',
    );
  }
  let lostWith: Error | null = null;
  const onError = (error: Error) => {
    lostWith ??= error;
  };
  client.on('error', onError);
  const pid = (client as PoolClient & { processID: number }).processID;
  let released = false;
  let repeating: NodeJS.Timeout | null = null;
  return {
    client,
    lost: () => lostWith,
    cancel() {
      // A cancel that lands between statements (during BEGIN, before the cursor's query reaches the server)
      // cancels nothing: repeat it until the run hands the session back, so the statement that follows stops.
      if (repeating) return;
      void cancelBackend(source, pid);
      repeating = setInterval(() => void cancelBackend(source, pid), CANCEL_REPEAT_MS);
    },
    async end(failed) {
      if (released) return;
      released = true;
      if (repeating) clearInterval(repeating);
      // A cancel still in flight could reach the backend after it went back to the pool and stop someone
      // else's statement: a session that was ever cancelled is destroyed, never reused.
      let destroy = failed || lostWith !== null || repeating !== null;
      if (!destroy) {
        // Outside any transaction by now (the run committed or rolled back), so DISCARD ALL may run.
        await client.query('DISCARD ALL').catch(() => {
          destroy = true;
        });
      }
      client.removeListener('error', onError);
      // The pool's own idle listener takes over from here; a destroyed client still needs one until
      // its socket is gone, or a late error would again go unheard.
      if (destroy) client.on('error', () => undefined);
      client.release(destroy ? (lostWith ?? true) : undefined);
    },
  };
}

const CANCEL_REPEAT_MS = 250;

/** pg_cancel_backend from a fresh connection: the pool may be full, and the busy client cannot speak. */
async function cancelBackend(source: SessionSource, pid: number): Promise<void> {
  const canceller = new source.pg.Client({ connectionString: source.url, connectionTimeoutMillis: 5000 });
  canceller.on('error', () => undefined);
  try {
    await canceller.connect();
    await canceller.query('select pg_cancel_backend($1)', [pid]);
  } catch {
    // The run ends anyway, by its statement timeout at the latest; nothing more to do here.
  } finally {
    await canceller.end().catch(() => undefined);
  }
}
