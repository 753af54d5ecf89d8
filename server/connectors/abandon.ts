/**
 * Waiting for a connection under a run's signal. No driver here can abandon a connect attempt part-way:
 * pg's pool, mssql's and node-oracledb's each run it to their own connect timeout (up to 120 s). A cancel
 * (the page's Cancel, or shutdown) must not wait that long, so the run stops waiting at once; what the
 * attempt yields later goes to `release` (given back or closed, never used by the cancelled run), and a
 * late failure is dropped, since nobody is waiting for it any more. `giveUp` ends the attempt itself where
 * the driver allows it.
 */
import { ConnectorError } from './types';

export function unlessCancelled<T>(attempt: Promise<T>, signal: AbortSignal, release: (late: T) => unknown, message: string, giveUp?: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let abandoned = false;
    const onAbort = () => {
      abandoned = true;
      reject(new ConnectorError('cancelled', message));
      // Where the driver allows it, the attempt itself is ended too, so it stops holding a pool slot.
      giveUp?.();
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    attempt.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (!abandoned) return resolve(value);
        void Promise.resolve()
          .then(() => release(value))
          .catch(() => undefined);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        if (!abandoned) reject(error);
      },
    );
  });
}
