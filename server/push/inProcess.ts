/** The push bus of a single instance (embedded DuckDB store): every publish reaches this process's subscribers. */
import { LocalFanout, type PushBus, type PushTopic } from './types';

export function inProcessBus(log: (message: string) => void = (m) => console.error(m)): PushBus {
  const fanout = new LocalFanout(log);
  return {
    publish<T>(topic: PushTopic<T>, payload: T) {
      fanout.deliver(topic.name, payload);
      return Promise.resolve();
    },
    subscribe<T>(topic: PushTopic<T>, handler: (payload: T) => void) {
      return fanout.add(topic.name, handler as (payload: unknown) => void);
    },
    close: () => Promise.resolve(),
  };
}
