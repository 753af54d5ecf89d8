/**
 * One connection taken out of a pg pool for a transaction, and given back whole or not at all.
 *
 * A pooled client's connection can die while it is checked out (the store restarts, fails over, or an admin
 * runs pg_terminate_backend). pg then emits `error` on the client itself — and the pool listens only while
 * the client is idle, so a checked-out client that dies with no listener of its own ends the whole process
 * with an unhandled 'error' event. That was a run's "no answer at all" right after the store dropped every
 * connection: the server was gone. Here the client is listened to for as long as it is held, its death
 * fails the work in hand, and a broken client is destroyed instead of going back for the next caller.
 */
import type { Pool, PoolClient } from 'pg';

export async function withPoolClient<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | null = null;
  const onError = (error: Error) => {
    broken ??= error;
  };
  client.on('error', onError);
  try {
    // Every statement of the work was answered (a connection that died first fails its statement), so its
    // result stands even if the connection dies just after; that connection is still not reused.
    return await work(client);
  } catch (error) {
    broken ??= error as Error;
    throw error;
  } finally {
    client.removeListener('error', onError);
    // Released with its error, the pool destroys it; without, it goes back to the idle set.
    client.release(broken ?? undefined);
  }
}
