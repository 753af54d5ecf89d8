/**
 * Who started each DAG run an Opsbook block triggered, cleared or backfilled, so answering a run's
 * required action from the page can be refused to that person where the step is an escalation step (two
 * people, as for approvals). Kept in the server's memory, bounded: after a restart the starter of an
 * older run is unknown, and an escalation answer is then refused rather than guessed.
 */
export interface RunKey {
  readonly env: string;
  readonly target: string;
  readonly dagId: string;
  readonly runId: string;
}

export interface RunStarters {
  record(key: RunKey, user: string): void;
  /** null when this server did not start the run (or forgot it). */
  startedBy(key: RunKey): string | null;
}

const keyOf = (k: RunKey) => JSON.stringify([k.env, k.target, k.dagId, k.runId]);

export function createRunStarters(max = 10_000): RunStarters {
  const users = new Map<string, string>();
  return {
    record(key, user) {
      const k = keyOf(key);
      users.delete(k);
      users.set(k, user);
      // Maps iterate in insertion order: the oldest entry goes first.
      if (users.size > max) users.delete(users.keys().next().value!);
    },
    startedBy: (key) => users.get(keyOf(key)) ?? null,
  };
}
