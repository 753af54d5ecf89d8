/**
 * The sandbox's clock. The seed writes wall-clock timestamps without a zone and names runs after them
 * with +00:00, so the sandbox reads the wall clock the same way: history and new runs line up whatever
 * the machine's zone (on a UTC machine, which is where the demo runs, the two readings agree).
 */
import { warehouseTime } from './warehouse';

/** ISO text for the API: the wall clock, written as UTC. */
export function apiTime(d: Date = new Date()): string {
  return `${warehouseTime(d).replace(' ', 'T')}.${String(d.getMilliseconds()).padStart(3, '0')}Z`;
}

/** A warehouse timestamp text (`YYYY-MM-DD HH:MM:SS[.fff]`, or ISO) as API ISO text. */
export function apiFromWarehouse(text: string | null | undefined): string | null {
  if (!text) return null;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?/.exec(text);
  return m ? `${m[1]}T${m[2]}${m[3] ?? ''}Z` : null;
}

/** API ISO text (any zone) as a warehouse timestamp on the same wall clock. */
export function warehouseFromApi(iso: string): string {
  return iso.slice(0, 19).replace('T', ' ');
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', done);
      clearTimeout(timer);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
