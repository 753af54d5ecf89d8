/**
 * Which server instance writes the audit, and what happens to runs a stopped instance left open
 * (DESIGN.md §7a). Every run record carries its instance; each instance beats a heartbeat row. At start an
 * instance marks `interrupted` the open runs of its own previous life and of instances whose heartbeat
 * is stale — never those of a live instance sharing the PostgreSQL store — and keeps sweeping while it runs.
 */
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import type { StateStore } from './types';

export const HEARTBEAT_MS = 5_000;
/** Six missed beats: an instance that long silent is gone (crashed, killed, or cut off). */
export const STALE_AFTER_MS = 30_000;

export interface LivenessTiming {
  readonly heartbeatMs: number;
  readonly staleAfterMs: number;
}

/**
 * OPSBOOK_HEARTBEAT_MS / OPSBOOK_STALE_AFTER_MS override the defaults: a cluster that must notice a dead
 * instance sooner (and tests that kill one) shorten them; the stale time stays several beats long.
 */
export function livenessTiming(env: NodeJS.ProcessEnv): LivenessTiming {
  const heartbeatMs = positive(env.OPSBOOK_HEARTBEAT_MS) ?? HEARTBEAT_MS;
  const staleAfterMs = Math.max(positive(env.OPSBOOK_STALE_AFTER_MS) ?? STALE_AFTER_MS, heartbeatMs * 3);
  return { heartbeatMs, staleAfterMs };
}

const positive = (v: string | undefined): number | undefined => (v && Number(v) > 0 ? Number(v) : undefined);

/**
 * OPSBOOK_INSTANCE_ID when set; else host and port, stable across restarts so a restarted instance
 * recognises its previous life's runs. With an ephemeral port (0) there is no stable name: a random one.
 */
export function instanceId(env: NodeJS.ProcessEnv, port: number): string {
  if (env.OPSBOOK_INSTANCE_ID) return env.OPSBOOK_INSTANCE_ID;
  return port ? `${os.hostname()}:${port}` : `${os.hostname()}:${randomUUID()}`;
}

export interface Liveness {
  /** Marks runs left open by crashed instances as interrupted; returns their ids. */
  recover(): Promise<string[]>;
  /** Stops the heartbeat and removes this instance's row (its runs are all complete by then). */
  leave(): Promise<void>;
}

/**
 * `shared` is false for the embedded store: one process owns the file, so every open record at start
 * belongs to a dead process, whatever instance name it carries.
 */
export async function startLiveness(store: StateStore, instance: string, shared: boolean, log: (m: string) => void, timing: LivenessTiming = livenessTiming(process.env)): Promise<Liveness> {
  const staleBefore = (now: Date) => (shared ? new Date(now.getTime() - timing.staleAfterMs) : new Date(now.getTime() + 1));
  const sweep = async (includeSelf: boolean): Promise<string[]> => {
    const now = new Date();
    const ids = await store.interruptOpenRuns({ self: instance, includeSelf, staleBefore: staleBefore(now), now });
    if (ids.length) log(`audit: marked ${ids.length} run(s) interrupted — the server running them stopped before they ended (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}).`);
    return ids;
  };
  await store.heartbeat(instance, new Date());
  const beat = setInterval(() => {
    void store
      .heartbeat(instance, new Date())
      .then(() => (shared ? sweep(false) : undefined))
      .catch((error: unknown) => log(`audit: heartbeat failed (${(error as Error).message}); retrying in ${timing.heartbeatMs / 1000} s.`));
  }, timing.heartbeatMs);
  beat.unref();
  return {
    recover: () => sweep(true),
    async leave() {
      clearInterval(beat);
      await store.leave(instance).catch((error: unknown) => log(`audit: could not remove this instance's heartbeat: ${(error as Error).message}`));
    },
  };
}
