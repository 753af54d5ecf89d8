/**
 * Locks other warehouse sessions hold on what a task reads or writes (opsbook_sandbox.session_locks, which a
 * training fault fills: a stale session left idle in a transaction). A task that meets one waits until the
 * holder's session ends — on the night's timeline, so the night records a slow task and a late finish the way
 * the scheduler would, without the demo sleeping for an hour — and then goes on. The holder is gone after.
 */
import type { TaskContext } from '../model';

export const SESSION_LOCKS = 'opsbook_sandbox.session_locks';

export const CREATE_SESSION_LOCKS = `CREATE TABLE IF NOT EXISTS ${SESSION_LOCKS} (
  locked_object VARCHAR, holder VARCHAR, held_since TIMESTAMP, seconds_left INTEGER)`;

/** Waits for every session holding a lock on `object`; returns the seconds waited on the night's timeline. */
export async function waitForLocks(ctx: TaskContext, object: string): Promise<number> {
  await ctx.warehouse.query(CREATE_SESSION_LOCKS);
  const holders = await ctx.warehouse.query(
    `SELECT holder, CAST(held_since AS VARCHAR) AS held_since, seconds_left FROM ${SESSION_LOCKS} WHERE locked_object = :object ORDER BY seconds_left DESC`,
    { object },
  );
  let waited = 0;
  for (const h of holders) {
    const left = Number(h.seconds_left ?? 0);
    ctx.log(`Waiting for a lock on ${object}, held by ${String(h.holder)} since ${String(h.held_since)}`, 'WARNING');
    waited += ctx.holdOnTimeline(Math.max(0, left - waited));
  }
  if (holders.length > 0) {
    // The holder's session ended (its idle timeout); the lock is gone for whoever comes next.
    await ctx.warehouse.query(`DELETE FROM ${SESSION_LOCKS} WHERE locked_object = :object`, { object });
    ctx.log(`Lock on ${object} released after ${(waited / 60).toFixed(1)} minutes; going on`);
  }
  return waited;
}
