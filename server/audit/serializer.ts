/** Work that must not overlap on one DuckDB connection (a connection runs one statement at a time), in call order. */
export interface Serializer {
  <T>(work: () => Promise<T>): Promise<T>;
  /** Resolves once everything handed over so far has settled. */
  idle(): Promise<void>;
}

export function serializer(): Serializer {
  let queue: Promise<unknown> = Promise.resolve();
  const run = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  return Object.assign(run, { idle: async () => void (await queue) });
}
