/**
 * A wait between polls or before a retry that a cancelled run cuts short, rejecting with `cancelled` (what
 * the runner reports as the operator's Stop). The abort listener goes with the wait, so a long follow does not
 * pile listeners up on the run's signal.
 */
import { ConnectorError } from './types';

export function cancellableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(new ConnectorError('cancelled', 'Cancelled.'));
    const onAbort = () => (clearTimeout(timer), reject(new ConnectorError('cancelled', 'Cancelled.')));
    const timer = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
